//! Byte search in short fields (host names, program tags, `key=value` items): eight bytes at a
//! time in a `u64` (SWAR). `memchr` is the right tool for whole lines and blocks, but its
//! per-call setup costs more than the search in the few tens of bytes of a log field.

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// The eight bytes of `b` (exactly eight) as one little-endian word: one load.
#[inline(always)]
fn word(b: &[u8]) -> u64 {
    u64::from_le_bytes(b.try_into().expect("eight bytes"))
}

/// The high bit of every byte of `x` that is zero, exact up to and including the lowest zero
/// byte (bytes above it may be false positives, never bytes below it).
#[inline(always)]
fn zeros(x: u64) -> u64 {
    x.wrapping_sub(LO) & !x & HI
}

/// The bytes of `b` (fewer than 8) as the low bytes of a word, the others zero: two
/// overlapping loads (the overlapping bytes are the same bytes, so or-ing them is exact)
/// instead of a byte loop.
#[inline(always)]
fn short_word(b: &[u8]) -> u64 {
    let n = b.len();
    if n >= 4 {
        let lo = u32::from_le_bytes(b[..4].try_into().expect("4 bytes")) as u64;
        let hi = u32::from_le_bytes(b[n - 4..].try_into().expect("4 bytes")) as u64;
        lo | hi << (8 * (n - 4))
    } else if n >= 2 {
        let lo = u16::from_le_bytes(b[..2].try_into().expect("2 bytes")) as u64;
        let hi = u16::from_le_bytes(b[n - 2..].try_into().expect("2 bytes")) as u64;
        lo | hi << (8 * (n - 2))
    } else {
        b.first().map_or(0, |&c| c as u64)
    }
}

/// Position of the first `n` in `hay` (arguments in `memchr::memchr`'s order).
#[inline]
pub fn find_byte(n: u8, hay: &[u8]) -> Option<usize> {
    find_where(hay, |x| zeros(x ^ LO.wrapping_mul(n as u64)))
}

/// Position of the first byte of `hay` that is `a` or `b`.
#[inline]
pub fn find_byte2(a: u8, b: u8, hay: &[u8]) -> Option<usize> {
    let (pa, pb) = (LO.wrapping_mul(a as u64), LO.wrapping_mul(b as u64));
    find_where(hay, |x| zeros(x ^ pa) | zeros(x ^ pb))
}

/// Position of the first byte of `hay` that is `a`, `b` or `c`.
#[inline]
pub fn find_byte3(a: u8, b: u8, c: u8, hay: &[u8]) -> Option<usize> {
    let (pa, pb, pc) = (
        LO.wrapping_mul(a as u64),
        LO.wrapping_mul(b as u64),
        LO.wrapping_mul(c as u64),
    );
    find_where(hay, |x| zeros(x ^ pa) | zeros(x ^ pb) | zeros(x ^ pc))
}

/// The first byte position that `hits` marks (`hits(word)`: the high bit of each matching byte,
/// exact up to the lowest match), eight bytes at a time. The bytes after the last whole word are
/// read as the last eight bytes of `hay` (overlapping bytes already known not to match, whose
/// bits are masked off), or, for inputs shorter than a word, as one zero-padded word.
#[inline(always)]
fn find_where(hay: &[u8], hits: impl Fn(u64) -> u64) -> Option<usize> {
    let len = hay.len();
    let mut words = hay.chunks_exact(8);
    let mut i = 0;
    for w in &mut words {
        let z = hits(word(w));
        if z != 0 {
            return Some(i + (z.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    let rem = words.remainder().len();
    if rem == 0 {
        return None;
    }
    if len >= 8 {
        // the last eight bytes; the first 8 - rem of them were searched already (no match, so
        // no false positive above them either)
        let z = hits(word(&hay[len - 8..])) & (u64::MAX << (8 * (8 - rem)));
        return (z != 0).then(|| len - 8 + (z.trailing_zeros() / 8) as usize);
    }
    // shorter than a word: the padding bytes are above every real byte, masked off
    let z = hits(short_word(hay)) & (u64::MAX >> (8 * (8 - rem)));
    (z != 0).then(|| (z.trailing_zeros() / 8) as usize)
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
        fn two_and_three_same_as_position(
            hay in proptest::collection::vec(0u8..6, 0..80),
            a in 0u8..6,
            b in 0u8..6,
            c in 0u8..6,
        ) {
            prop_assert_eq!(find_byte2(a, b, &hay), hay.iter().position(|&x| x == a || x == b));
            prop_assert_eq!(
                find_byte3(a, b, c, &hay),
                hay.iter().position(|&x| x == a || x == b || x == c)
            );
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
