//! A small growable bit set for the walk's boundary marks.

/// A small growable bit set: the first 64 bits inline (no allocation for up to 64
/// boundaries, the usual case), the rest in a vector.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Bits {
    pub(super) first: u64,
    pub(super) rest: Vec<u64>,
}

impl Bits {
    pub(super) fn one(bit: usize) -> Self {
        let mut bits = Bits::default();
        bits.set(bit);
        bits
    }

    pub(super) fn word(&self, i: usize) -> u64 {
        if i == 0 { self.first } else { self.rest.get(i - 1).copied().unwrap_or(0) }
    }

    pub(super) fn words(&self) -> usize {
        1 + self.rest.len()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.first == 0 && self.rest.iter().all(|w| *w == 0)
    }

    pub(super) fn set(&mut self, bit: usize) {
        let word = bit / 64;
        if word == 0 {
            self.first |= 1 << bit;
            return;
        }
        if self.rest.len() < word {
            self.rest.resize(word, 0);
        }
        self.rest[word - 1] |= 1 << (bit % 64);
    }

    pub(super) fn has(&self, bit: usize) -> bool {
        self.word(bit / 64) & (1 << (bit % 64)) != 0
    }

    /// Whether every bit of `other` is set here.
    pub(super) fn contains(&self, other: &Bits) -> bool {
        (0..other.words()).all(|i| self.word(i) & other.word(i) == other.word(i))
    }

    /// Adds `other`'s bits; returns whether anything was added.
    pub(super) fn union(&mut self, other: &Bits) -> bool {
        let mut changed = self.first | other.first != self.first;
        self.first |= other.first;
        if self.rest.len() < other.rest.len() {
            self.rest.resize(other.rest.len(), 0);
        }
        for (mine, theirs) in self.rest.iter_mut().zip(&other.rest) {
            let merged = *mine | theirs;
            changed |= merged != *mine;
            *mine = merged;
        }
        changed
    }
}
