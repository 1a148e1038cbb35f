//! The token broker: one `meta=tokens` fetch for every token type that
//! operations wait for, and its result handed to each of them.

use std::any::TypeId;

use super::engine::{Internal, OpState, Operation};
use super::flows::{self, Step};
use super::{OpId, Session};
use crate::TokenType;

impl Session {
    /// Sends one fetch for every token type that operations wait for.
    pub(super) fn start_fetch(&mut self) {
        if self.wanted.is_empty() {
            return;
        }
        let types: Vec<TokenType> = std::mem::take(&mut self.wanted).into_iter().collect();
        self.fetching.extend(types.iter().cloned());
        let generation = self.cx.generation;
        self.start(
            Box::new(flows::FetchTokens::new(types)),
            Internal::Fetch { generation },
            TypeId::of::<()>(),
        );
    }

    /// Hands the result of a token fetch to the operations waiting for it.
    pub(super) fn distribute(&mut self, fetch: Operation, fetched: flows::Fetched) {
        let types = fetch.flow.fetch_types();
        for ty in &types {
            self.fetching.remove(ty);
        }
        let generation = match fetch.internal {
            Internal::Fetch { generation } => generation,
            _ => self.cx.generation,
        };
        let stale = generation != self.cx.generation;
        if !stale {
            for (ty, token) in &fetched.tokens {
                self.cx.cache.insert(ty.clone(), token.clone());
            }
        }
        let waiting: Vec<(OpId, TokenType)> = self
            .ops
            .iter()
            .filter_map(|(id, o)| match &o.state {
                OpState::WaitingToken(ty) if types.contains(ty) => Some((*id, ty.clone())),
                _ => None,
            })
            .collect();
        for (wid, ty) in waiting {
            let Some(w) = self.ops.get_mut(&wid) else {
                continue;
            };
            w.warnings.extend(fetch.warnings.iter().cloned());
            let step = if stale {
                // The user changed while the fetch was in flight.
                Step::NeedToken(ty)
            } else if let Some(err) = &fetched.error {
                Step::Done(Err(err.clone()))
            } else if fetched.mangled.contains(&ty) {
                Step::Done(Err(flows::mangled_token("the server", &ty)))
            } else if fetched.lost.contains(&ty) {
                Step::NeedRelogin
            } else if fetched.too_long.contains(&ty) {
                Step::Done(Err(flows::too_long_token(&ty)))
            } else if let Some((_, token)) = fetched.tokens.iter().find(|(t, _)| *t == ty) {
                w.used_token = Some((ty.clone(), token.clone()));
                w.flow.on_token(&mut self.cx, token.clone())
            } else {
                Step::Done(Err(flows::unknown_token_type(&ty, &fetch.warnings)))
            };
            self.apply(wid, step);
        }
    }
}
