//! The cached tokens, by type: a `Vec` in type order instead of a
//! `BTreeMap`. A session caches one or two tokens (csrf, perhaps a
//! `rollback`), and a `BTreeMap`'s first insert allocates a whole node
//! (11 slots, ~530 bytes) that a logged-in idle session holds for good
//! (heaptrack): a `Vec` of one holds ~48.

use std::collections::BTreeMap;

use crate::{Token, TokenType};

/// Tokens by type, in type order (as a `BTreeMap` lists them).
#[derive(Default, Clone)]
pub(crate) struct TokenCache {
    entries: Vec<(TokenType, Token)>,
}

impl TokenCache {
    fn find(&self, ty: &TokenType) -> Result<usize, usize> {
        self.entries.binary_search_by(|(held, _)| held.cmp(ty))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn get(&self, ty: &TokenType) -> Option<&Token> {
        let at = self.find(ty).ok()?;
        self.entries.get(at).map(|(_, token)| token)
    }

    /// Caches (or replaces) the token of type `ty`.
    pub fn insert(&mut self, ty: TokenType, token: Token) {
        match self.find(&ty) {
            Ok(at) => self.entries[at].1 = token,
            Err(at) => {
                // Exactly one more slot: a session holds few, for long.
                self.entries.reserve_exact(1);
                self.entries.insert(at, (ty, token));
            }
        }
    }

    pub fn remove(&mut self, ty: &TokenType) {
        if let Ok(at) = self.find(ty) {
            self.entries.remove(at);
        }
    }

    /// Forgets every token, and their memory.
    pub fn clear(&mut self) {
        self.entries = Vec::new();
    }

    pub fn keys(&self) -> impl Iterator<Item = &TokenType> {
        self.entries.iter().map(|(ty, _)| ty)
    }

    pub fn values(&self) -> impl Iterator<Item = &Token> {
        self.entries.iter().map(|(_, token)| token)
    }

    /// As a map, for a snapshot.
    pub fn to_map(&self) -> BTreeMap<TokenType, Token> {
        self.entries.iter().cloned().collect()
    }

    /// From a snapshot's map.
    pub fn from_map(map: BTreeMap<TokenType, Token>) -> TokenCache {
        TokenCache {
            entries: map.into_iter().collect(),
        }
    }
}
