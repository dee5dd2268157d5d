//! Test-only input generator: deterministic pseudo-random texts for the tests that hold a fast
//! routine to its plain reference (a fixed seed per test, so a failure reproduces).

/// A xorshift64 generator.
pub(crate) struct XorShift(pub(crate) u64);

impl XorShift {
    /// The next number.
    pub(crate) fn next_u64(&mut self) -> u64 {
        let mut s = self.0;
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        self.0 = s;
        s
    }

    /// Fewer than `max` pieces drawn from `pieces`, joined.
    pub(crate) fn joined(&mut self, pieces: &[&str], max: u64) -> String {
        let n = self.next_u64() % max;
        (0..n)
            .map(|_| pieces[(self.next_u64() % pieces.len() as u64) as usize])
            .collect()
    }
}
