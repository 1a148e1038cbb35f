//! The operations under way, by id: a `Vec` in id order instead of a
//! `BTreeMap`. A session has one or two under way at a time, and a
//! `BTreeMap`'s first insert allocates a whole node (11 slots, ~3.4 KiB)
//! that the idle session gives back (`release_if_idle`): an allocation
//! of that size and its B-tree work for every operation (callgrind).

use super::OpId;
use super::engine::Operation;

/// The operations under way, in id order (ids only grow, so an insert
/// is a push).
#[derive(Default)]
pub(super) struct Ops {
    slots: Vec<(OpId, Operation)>,
}

impl Ops {
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    fn find(&self, id: OpId) -> Result<usize, usize> {
        self.slots.binary_search_by_key(&id, |(slot, _)| *slot)
    }

    pub fn get_mut(&mut self, id: &OpId) -> Option<&mut Operation> {
        let at = self.find(*id).ok()?;
        self.slots.get_mut(at).map(|(_, op)| op)
    }

    /// Adds (or replaces) the operation `id`.
    pub fn insert(&mut self, id: OpId, op: Operation) {
        match self.find(id) {
            Ok(at) => self.slots[at].1 = op,
            Err(at) => {
                // Two slots at first (~600 bytes, from the allocator's
                // per-thread cache): one operation under way, and its
                // token fetch or relogin.
                if self.slots.capacity() == 0 {
                    self.slots.reserve_exact(2);
                }
                self.slots.insert(at, (id, op));
            }
        }
    }

    pub fn remove(&mut self, id: &OpId) -> Option<Operation> {
        let at = self.find(*id).ok()?;
        Some(self.slots.remove(at).1)
    }

    /// In id order, as a `BTreeMap` gives them.
    pub fn iter(&self) -> impl Iterator<Item = (&OpId, &Operation)> {
        self.slots.iter().map(|(id, op)| (id, op))
    }

    pub fn values(&self) -> impl Iterator<Item = &Operation> {
        self.slots.iter().map(|(_, op)| op)
    }
}
