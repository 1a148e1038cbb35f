//! The session's maps by id (operations under way, requests in flight,
//! finished results): a `Vec` in id order instead of a `BTreeMap` or
//! `HashMap`. A session has one or two of each at a time, and the idle
//! session gives its maps' memory back (`release_if_idle`), so every
//! operation allocated them again: a `BTreeMap`'s whole node (11 slots of
//! ~300 bytes, ~3.4 KiB, past the allocator's per-thread cache), a
//! `HashMap`'s table, and SipHash for every look-up (callgrind).

/// Values by id, in id order. Ids only grow, so most inserts are a push;
/// a look-up is a binary search.
pub(super) struct IdMap<K, V> {
    slots: Vec<(K, V)>,
}

impl<K, V> Default for IdMap<K, V> {
    fn default() -> Self {
        IdMap { slots: Vec::new() }
    }
}

impl<K: Ord + Copy, V> IdMap<K, V> {
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    fn find(&self, id: K) -> Result<usize, usize> {
        self.slots.binary_search_by_key(&id, |(slot, _)| *slot)
    }

    pub fn get(&self, id: &K) -> Option<&V> {
        let at = self.find(*id).ok()?;
        self.slots.get(at).map(|(_, v)| v)
    }

    pub fn get_mut(&mut self, id: &K) -> Option<&mut V> {
        let at = self.find(*id).ok()?;
        self.slots.get_mut(at).map(|(_, v)| v)
    }

    /// Adds (or replaces) the value of `id`.
    pub fn insert(&mut self, id: K, value: V) {
        match self.find(id) {
            Ok(at) => self.slots[at].1 = value,
            Err(at) => {
                // Two slots at first (an operation's are ~600 bytes, from
                // the allocator's per-thread cache): one operation under
                // way, and its token fetch or relogin.
                if self.slots.capacity() == 0 {
                    self.slots.reserve_exact(2);
                }
                self.slots.insert(at, (id, value));
            }
        }
    }

    pub fn remove(&mut self, id: &K) -> Option<V> {
        let at = self.find(*id).ok()?;
        Some(self.slots.remove(at).1)
    }

    /// In id order, as a `BTreeMap` gives them.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.slots.iter().map(|(id, v)| (id, v))
    }

    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.slots.iter().map(|(_, v)| v)
    }
}
