//! FNV-1a over 8-byte words: the hasher of the maps keyed by short strings from our own data
//! (provider names, the recognisers' fixed phrases), looked up on every classified reply or
//! searched phrase, where SipHash cost more than the lookup itself and its protection against
//! chosen keys buys nothing. Shared with `mailway-bounce`.

use std::hash::{BuildHasherDefault, Hasher};

/// The hasher (see the module documentation).
#[derive(Debug, Default, Clone, Copy)]
pub struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        let mut words = bytes.chunks_exact(8);
        for w in &mut words {
            let mut b = [0u8; 8];
            b.copy_from_slice(w);
            h ^= u64::from_le_bytes(b);
            h = h.wrapping_mul(0x0100_0000_01b3).rotate_left(29);
        }
        for &b in words.remainder() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

/// `BuildHasher` of [`Fnv`], for `HashMap<K, V, FnvBuild>`.
pub type FnvBuild = BuildHasherDefault<Fnv>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    #[test]
    fn spreads_short_keys() {
        let keys = [
            "",
            "a",
            "b",
            "gmail.com",
            "gmail.con",
            "yahoo.co.jp",
            "yahoo.co.jq",
        ];
        let mut seen: Vec<u64> = keys
            .iter()
            .map(|k| FnvBuild::default().hash_one(k))
            .collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), keys.len());
    }
}
