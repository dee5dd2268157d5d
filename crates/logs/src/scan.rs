//! Byte search in short fields (host names, program tags, `key=value` items): eight bytes at a
//! time in a `u64` (SWAR). `memchr` is the right tool for whole lines and blocks, but its
//! per-call setup costs more than the search in the few tens of bytes of a log field.

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// Position of the first `n` in `hay` (arguments in `memchr::memchr`'s order).
#[inline]
pub fn find_byte(n: u8, hay: &[u8]) -> Option<usize> {
    let pat = LO.wrapping_mul(n as u64);
    let mut words = hay.chunks_exact(8);
    let mut i = 0;
    for w in &mut words {
        let x = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]) ^ pat;
        // the lowest byte of x that is zero sets its high bit (bytes above it may be false
        // positives, never bytes below it)
        let z = x.wrapping_sub(LO) & !x & HI;
        if z != 0 {
            return Some(i + (z.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    words
        .remainder()
        .iter()
        .position(|&c| c == n)
        .map(|p| i + p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn finds_first() {
        assert_eq!(find_byte(b':', b""), None);
        assert_eq!(find_byte(b':', b"postfix/smtpd[1]: x"), Some(16));
        assert_eq!(find_byte(b'[', b"postfix/smtpd[1]: x"), Some(13));
        assert_eq!(find_byte(b':', b"abcdefgh:"), Some(8));
        assert_eq!(find_byte(0, b"\x80\x81\x01\x00\xff"), Some(3));
        assert_eq!(
            find_byte(0, b"\x01\x01\x01\x01\x01\x01\x01\x00\x00"),
            Some(7)
        );
        assert_eq!(find_byte(b'b', b"aaaaaaaaaaaaaaaaaaaa"), None);
    }

    proptest! {
        #[test]
        fn same_as_position(hay in proptest::collection::vec(any::<u8>(), 0..80), n in any::<u8>()) {
            prop_assert_eq!(find_byte(n, &hay), hay.iter().position(|&c| c == n));
        }

        #[test]
        fn same_as_position_few_values(hay in proptest::collection::vec(0u8..4, 0..80), n in 0u8..4) {
            prop_assert_eq!(find_byte(n, &hay), hay.iter().position(|&c| c == n));
        }
    }
}

/// Position of the first occurrence of `needle` in `hay` (as `memchr::memmem::find`), for short
/// needles in short texts: candidates found by the needle's first byte, then compared, instead
/// of building a `memmem` searcher per call (which costs more than the search in a log line).
#[inline]
pub fn find_short(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let Some((&first, rest)) = needle.split_first() else {
        return Some(0);
    };
    if hay.len() < needle.len() {
        return None;
    }
    let last = hay.len() - needle.len();
    let mut i = 0;
    while i <= last {
        let p = i + memchr::memchr(first, &hay[i..=last])?;
        if hay[p + 1..p + needle.len()] == *rest {
            return Some(p);
        }
        i = p + 1;
    }
    None
}

#[cfg(test)]
mod find_short_tests {
    use super::find_short;

    #[test]
    fn same_as_memmem() {
        let hays: [&[u8]; 7] = [
            b"",
            b"a",
            b"host mx.example[192.0.2.1] said: 451 4.3.0 try later",
            b"said: said: ] said: x",
            b"aaaaab",
            b"size=123, nrcpt=1 (queue active)",
            b"from=<a@b>, size=1",
        ];
        let needles: [&[u8]; 8] = [
            b"",
            b"a",
            b" said: ",
            b"] said: ",
            b"aab",
            b"size=",
            b"from=<",
            b"x said: not there",
        ];
        for h in hays {
            for n in needles {
                assert_eq!(
                    find_short(h, n),
                    memchr::memmem::find(h, n),
                    "{:?} in {:?}",
                    String::from_utf8_lossy(n),
                    String::from_utf8_lossy(h)
                );
            }
        }
    }
}
