//! HTML to text, for bounces whose only words are in an HTML part.
//!
//! The same text as `mail_parser::decoders::html::html_to_text` (its state machine, step for
//! step, and its token output through `add_html_token`), but the spans whose bytes cannot change
//! the output are skipped with `memchr` instead of being walked byte by byte: the inside of
//! `<head>`, `<style>`, `<script>` and `<template>` (up to the next `<`), a tag after its name
//! (up to the next `<` or `>`) and comments (up to a `>` after `--`). Provider bounces (AOL)
//! carry 60 kB of quoted-printable HTML, mostly style sheets, where this matters. Checked
//! against mail-parser's function by the tests (corpus HTML and generated markup).

use mail_parser::decoders::html::add_html_token;
use memchr::{memchr, memchr2};

/// mail-parser's `add_html_token` for `text[token]`: a token that is not an entity (`&...;`)
/// is pushed as it is (it starts and ends next to ASCII bytes: on character boundaries).
fn add_token(result: &mut String, text: &str, token: std::ops::Range<usize>, add_space: bool) {
    let bytes = text.as_bytes().get(token.clone()).unwrap_or_default();
    match text.get(token) {
        Some(t) if !(t.len() >= 2 && t.starts_with('&') && t.ends_with(';')) => {
            if add_space {
                result.push(' ');
            }
            result.push_str(t);
        }
        _ => add_html_token(result, bytes, add_space),
    }
}

/// The bytes that end a word of the text (outside tags): `<`, white space, `&` and `;`.
static ENDS_WORD: [bool; 256] = {
    let mut t = [false; 256];
    t[b'<' as usize] = true;
    t[b' ' as usize] = true;
    t[b'\t' as usize] = true;
    t[b'\r' as usize] = true;
    t[b'\n' as usize] = true;
    t[b'&' as usize] = true;
    t[b';' as usize] = true;
    t
};

/// The bytes that end a started token inside a tag: `<`, `>`, `/` and white space.
static ENDS_TAG_TOKEN: [bool; 256] = {
    let mut t = [false; 256];
    t[b'<' as usize] = true;
    t[b'>' as usize] = true;
    t[b'/' as usize] = true;
    t[b' ' as usize] = true;
    t[b'\t' as usize] = true;
    t[b'\r' as usize] = true;
    t[b'\n' as usize] = true;
    t
};

/// The text of an HTML document (see the module documentation).
pub fn html_to_text(input: &str) -> String {
    let mut result = String::with_capacity(input.len());
    let text = input;
    let input = input.as_bytes();

    let mut in_tag = false;
    let mut in_head = false;
    let mut in_style = false;
    let mut in_script = false;
    let mut in_template = false;
    let mut in_comment = false;

    let mut is_token_start = true;
    let mut is_after_space = false;
    let mut is_tag_close = false;
    let mut is_new_line = true;

    let mut token_start = 0;
    let mut token_end = 0;

    let mut tag_token_pos = 0;

    let mut pos = 0;
    while pos < input.len() {
        if in_comment {
            // the comment ends at the first `>` preceded by exactly two `-` of the comment
            // (mail-parser counts the run of `-` before each `>` and ends only at two)
            let start = pos;
            loop {
                let Some(gt) = memchr(b'>', &input[pos..]) else {
                    pos = input.len();
                    break;
                };
                let gt = pos + gt;
                let dashes = input[start..gt]
                    .iter()
                    .rev()
                    .take_while(|&&b| b == b'-')
                    .count();
                pos = gt + 1;
                if dashes == 2 {
                    in_comment = false;
                    in_tag = false;
                    is_token_start = true;
                    break;
                }
            }
            continue;
        }
        if !in_tag && (in_head || in_style || in_script || in_template) {
            // nothing in here is output and nothing but `<` changes a state that is read later
            // (token positions are set again before any use)
            match memchr(b'<', &input[pos..]) {
                Some(lt) => pos += lt,
                None => break,
            }
        } else if in_tag && tag_token_pos >= 2 {
            // after the tag's name: only `<` and `>` matter
            match memchr2(b'<', b'>', &input[pos..]) {
                Some(p) => pos += p,
                None => break,
            }
        }
        let ch = input[pos];
        match ch {
            b'<' => {
                if !in_tag && !in_head && !in_style && !in_script && !in_template && !is_token_start
                {
                    add_token(
                        &mut result,
                        text,
                        token_start..token_end + 1,
                        is_after_space,
                    );
                    is_after_space = false;
                }
                tag_token_pos = 0;
                in_tag = true;
                is_token_start = true;
                is_tag_close = false;
                pos += 1;
                continue;
            }
            b'>' if in_tag => {
                if tag_token_pos == 1 {
                    match input.get(token_start..token_end + 1) {
                        Some(tag)
                            if tag.eq_ignore_ascii_case(b"br")
                                || (tag.eq_ignore_ascii_case(b"p") && is_tag_close) =>
                        {
                            result.push('\n');
                            is_after_space = false;
                            is_new_line = true;
                        }
                        Some(tag) if tag.eq_ignore_ascii_case(b"head") => in_head = !is_tag_close,
                        Some(tag) if tag.eq_ignore_ascii_case(b"style") => in_style = !is_tag_close,
                        Some(tag) if tag.eq_ignore_ascii_case(b"script") => {
                            in_script = !is_tag_close
                        }
                        Some(tag) if tag.eq_ignore_ascii_case(b"template") => {
                            in_template = !is_tag_close
                        }
                        _ => (),
                    }
                }
                in_tag = false;
                is_token_start = true;
                pos += 1;
                continue;
            }
            b'/' if in_tag => {
                if tag_token_pos == 0 {
                    is_tag_close = true;
                }
                pos += 1;
                continue;
            }
            b'!' if in_tag && tag_token_pos == 0 => {
                if let Some(b"--") = input.get(pos + 1..pos + 3) {
                    in_comment = true;
                    pos += 1;
                    continue;
                }
            }
            b' ' | b'\t' | b'\r' | b'\n' => {
                if !in_tag && !in_head && !in_style && !in_script && !in_template {
                    if !is_token_start {
                        add_token(
                            &mut result,
                            text,
                            token_start..token_end + 1,
                            is_after_space && !is_new_line,
                        );
                        is_new_line = false;
                    }
                    is_after_space = true;
                }
                is_token_start = true;
                // the rest of a run of white space changes nothing more
                pos += 1;
                while input
                    .get(pos)
                    .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
                {
                    pos += 1;
                }
                continue;
            }
            b'&' if !in_tag && !is_token_start && !in_head => {
                if in_style || in_script || in_template {
                    pos += 1;
                    continue;
                }
                add_token(
                    &mut result,
                    text,
                    token_start..token_end + 1,
                    is_after_space && !is_new_line,
                );
                is_new_line = false;
                is_token_start = true;
                is_after_space = false;
            }
            b';' if !in_tag && !is_token_start && !in_head => {
                if in_style || in_script || in_template {
                    pos += 1;
                    continue;
                }
                add_token(
                    &mut result,
                    text,
                    token_start..pos + 1,
                    is_after_space && !is_new_line,
                );
                is_token_start = true;
                is_after_space = false;
                is_new_line = false;
                pos += 1;
                continue;
            }
            _ => (),
        }
        if is_token_start {
            token_start = pos;
            is_token_start = false;
            if in_tag {
                tag_token_pos += 1;
            }
        }
        token_end = pos;
        pos += 1;
        if !in_tag && !in_head && !in_style && !in_script && !in_template {
            // inside a word of the text: only `<`, white space, `&` and `;` end it
            while input.get(pos).is_some_and(|&b| !ENDS_WORD[b as usize]) {
                pos += 1;
            }
            token_end = pos - 1;
        } else if in_tag {
            // inside a token of a tag (its name, mostly): only `<`, `>`, `/` and white space
            // end it (`!`, `&` and `;` change nothing once the token has started)
            while input.get(pos).is_some_and(|&b| !ENDS_TAG_TOKEN[b as usize]) {
                pos += 1;
            }
            token_end = pos - 1;
        }
    }

    if !in_tag && !is_token_start && !in_head && !in_style && !in_script && !in_template {
        add_token(
            &mut result,
            text,
            token_start..token_end + 1,
            is_after_space && !is_new_line,
        );
    }

    result.shrink_to_fit();
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(s: &str) {
        assert_eq!(
            html_to_text(s),
            mail_parser::decoders::html::html_to_text(s),
            "{s:?}"
        );
    }

    #[test]
    fn same_text_as_mail_parser() {
        for s in [
            "",
            "a",
            "<p>Hello &amp; good&#x41;bye</p><br>x",
            "<html><head><title>t</title><style>p { a: b; } &amp; <x></style></head><body>Hi <b>there</b>; &lt;x&gt;</body></html>",
            "<!-- c --> a <!---> b --> c <!-- d ---> e --> f",
            "<!-->x",
            "<a href=\"x>y\">link</a> <div  class = 'a' >t</div >",
            "<script>if (a < b) { x = '&amp;'; }</script>after",
            "<template>no</template>yes <HEAD>h</HEAD> <Style>s</sTyle> z",
            "text & more; &unknown; &#99999999; &#xZZ; \u{e9}t\u{e9} <br/>\n\n  line",
            "<p/><p>a</p >b< /p>c</p>",
            "<!x> <!-x> <!--",
            "<style>a<",
            "<a b c d",
        ] {
            same(s);
        }
    }

    #[test]
    fn same_text_on_generated_markup() {
        // pieces that steer mail-parser's state machine, combined at random (fixed seed)
        const PIECES: &[&str] = &[
            "<",
            ">",
            "/",
            "!",
            "--",
            "-",
            " ",
            "\t",
            "\n",
            "\r",
            "&",
            ";",
            "amp",
            "#65",
            "#x42",
            "br",
            "p",
            "head",
            "style",
            "script",
            "template",
            "a",
            "Z",
            "\u{e9}",
            "=",
            "\"",
            "<!--",
            "-->",
            "</",
            "<br>",
            "<p>",
            "</p>",
            "<head>",
            "</head>",
            "<style>",
            "</style>",
            "<script>",
            "</script>",
            "<template>",
            "</template>",
            "&lt;",
            "x y",
        ];
        let mut rng = crate::testgen::XorShift(0x2545_f491_4f6c_dd1d);
        for _ in 0..20_000 {
            let s = rng.joined(PIECES, 24);
            same(&s);
        }
    }

    #[test]
    fn same_text_on_corpus_html() {
        let Some(shared) = mailway_testkit::shared::shared_dir() else {
            return; // corpus not present
        };
        let dir = shared.join("corpus/bounces/files/maildir/bsd");
        let rd = std::fs::read_dir(&dir).expect("corpus directory");
        let mut seen = 0;
        for e in rd.flatten() {
            let Ok(raw) = std::fs::read(e.path()) else {
                continue;
            };
            let Some(m) = mail_parser::MessageParser::default().parse(&raw) else {
                continue;
            };
            for i in 0..m.html_body_count() {
                if let Some(h) = m.body_html(i) {
                    same(&h);
                    seen += 1;
                }
            }
        }
        assert!(seen > 100, "{seen} HTML bodies");
    }
}
