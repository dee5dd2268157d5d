// The regex gate (a literal every match of a rule regex contains): included by `rules.rs` and by
// the crate's build script (which builds the phrase automaton of the built-in rules, see `build.rs`).

/// The position after the character class that opens at `b[i]` (`[`): a `^` and a `]` first
/// in the class are part of it, and a backslash takes the next byte with it.
fn after_class(b: &[u8], i: usize) -> usize {
    let mut j = i + 1;
    if b.get(j) == Some(&b'^') {
        j += 1;
    }
    if b.get(j) == Some(&b']') {
        j += 1;
    }
    while j < b.len() && b[j] != b']' {
        if b[j] == b'\\' {
            j += 1;
        }
        j += 1;
    }
    j + 1
}

/// The longest literal (3 bytes or more, lower case) that every match of `re` contains, when
/// one is easy to see: a run of plain characters at the top level of the pattern, outside any
/// group or class, not made optional by a quantifier, in a pattern without a top-level `|`.
/// Conservative: `None` when unsure (the regex is then always run).
pub(crate) fn regex_gate(re: &str) -> Option<String> {
    let b = re.as_bytes();
    let mut best = String::new();
    let mut run = String::new();
    let mut depth = 0usize; // ( ) nesting
    let mut i = 0;
    let flush = |run: &mut String, best: &mut String| {
        if run.len() > best.len() {
            *best = run.clone();
        }
        run.clear();
    };
    while i < b.len() {
        let c = b[i];
        if c == b'[' {
            flush(&mut run, &mut best);
            i = after_class(b, i);
            continue;
        }
        if depth > 0 {
            match c {
                b'\\' => i += 1,
                b'(' => depth += 1,
                b')' => depth -= 1,
                _ => {}
            }
            i += 1;
            continue;
        }
        // the literal char at i (escaped or plain), or a metacharacter
        let (lit, width) = match c {
            b'|' => return None,
            b'(' => {
                flush(&mut run, &mut best);
                depth += 1;
                i += 1;
                continue;
            }
            b'\\' => match b.get(i + 1) {
                Some(&e) if b".()[]{}|?*+^$\\-/ ".contains(&e) => (Some(e), 2),
                // one-letter classes and assertions
                Some(&e) if b"bBdDsSwWAz".contains(&e) => (None, 2),
                // anything longer (\x41, \p{L}, ...): not worth reading, no gate
                _ => return None,
            },
            b'.' | b'^' | b'$' => (None, 1),
            b'?' | b'*' | b'{' => {
                // the previous char is optional (or repeated from zero): drop it from the run
                run.pop();
                flush(&mut run, &mut best);
                if c == b'{' {
                    while i < b.len() && b[i] != b'}' {
                        i += 1;
                    }
                }
                i += 1;
                continue;
            }
            b'+' => {
                flush(&mut run, &mut best);
                i += 1;
                continue;
            }
            c if c.is_ascii() && !c.is_ascii_control() => (Some(c), 1),
            _ => (None, 1),
        };
        match lit {
            Some(l) => run.push(l.to_ascii_lowercase() as char),
            None => flush(&mut run, &mut best),
        }
        i += width;
    }
    // a quantifier may follow a group or class: only runs matter, and those were flushed
    flush(&mut run, &mut best);
    // the automaton sees whitespace-collapsed text; a gate with a doubled space would never hit
    (best.len() >= 3 && !best.contains("  ")).then_some(best)
}
