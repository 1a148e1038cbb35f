//! The per-module tokens of a `query` answer (`intoken`, `rvtoken`,
//! `rctoken`, `ustoken`, `preferencestoken`), read typed in the
//! scanner's pass ([`QueryTokens`]): only the
//! members [`parse_module_tokens`](super::legacy_tokens::parse_module_tokens)
//! looks at, in the order its walk of the JSON tree (`module_tokens.rs`)
//! sees them: an id-keyed object's members and an object's tokens sorted
//! by key (the tree's maps are sorted), a later duplicate key replacing an
//! earlier one. Every value is read as that walk's serde pass reads it
//! (`deserialize_any` where it uses it: [`Scalar`]), so that a body the
//! scanner accepts gives what the walk gives.

use std::collections::BTreeMap;

use super::module_tokens::QueryTokens;
use crate::response::scan::{Fallback, Res, Scan};
use crate::response::scan_read::FromScan;
use crate::response::wire::Scalar;
use crate::token_type::LEGACY_KEYS;
use crate::{Error, Token, TokenType};

/// The key `key` as a legacy token's, with its type.
fn legacy_key(key: &str) -> Option<(&'static str, TokenType)> {
    let ty = TokenType::from_legacy_name(key.strip_suffix("token")?)?;
    LEGACY_KEYS.iter().find(|k| **k == key).map(|k| (*k, ty))
}

/// The tokens of one object, by key (sorted once read; a later duplicate
/// replaced the earlier value); `None` for a value that is not a string.
#[derive(Default)]
pub(crate) struct Tokens(Vec<(&'static str, TokenType, Option<String>)>);

impl Tokens {
    /// The member `key`, when it is a token: its value read.
    fn member(&mut self, s: &mut Scan<'_>, key: &str) -> Res<bool> {
        let Some((key, ty)) = legacy_key(key) else {
            return Ok(false);
        };
        let value = Scalar::scan(s)?.into_string();
        match self.0.iter_mut().find(|t| t.0 == key) {
            Some(t) => t.2 = value,
            None => self.0.push((key, ty, value)),
        }
        Ok(true)
    }

    fn sort(&mut self) {
        self.0.sort_unstable_by(|a, b| a.0.cmp(b.0));
    }

    /// Adds the tokens to `out` in order (the first of a type wins); a
    /// value that is not a string is the walk's error.
    fn add_to(self, out: &mut BTreeMap<TokenType, Token>) -> Result<(), Error> {
        for (key, ty, value) in self.0 {
            let Some(value) = value else {
                return Err(Error::Decode(format!("token {key} is not a string")));
            };
            out.entry(ty).or_insert_with(|| Token::new(value));
        }
        Ok(())
    }
}

/// A value that is not an object, as the walk's pass reads it: an array
/// skipped, anything else through `deserialize_any`.
fn not_object(s: &mut Scan<'_>) -> Res<()> {
    match s.peek()? {
        b'[' => s.skip(),
        _ => Scalar::scan(s).map(drop),
    }
}

/// An object's members, each read by `member` into a `T` (its default
/// for a value that is not an object, read as the walk's pass reads it).
fn members<T: Default>(
    s: &mut Scan<'_>,
    mut member: impl FnMut(&mut T, &mut Scan<'_>, &str) -> Res<()>,
) -> Res<T> {
    let mut out = T::default();
    if s.peek()? != b'{' {
        return not_object(s).map(|()| out);
    }
    s.object(|s, key| member(&mut out, s, &key.value()?))?;
    Ok(out)
}

impl FromScan for Tokens {
    fn scan(s: &mut Scan<'_>) -> Res<Tokens> {
        let mut tokens = members(s, |tokens: &mut Tokens, s, key| {
            if !tokens.member(s, key)? {
                s.skip()?;
            }
            Ok(())
        })?;
        tokens.sort();
        Ok(tokens)
    }
}

/// A page: its tokens (`intoken`) and its revisions' (`rvtoken`).
#[derive(Default)]
pub(crate) struct Page {
    tokens: Tokens,
    revisions: Items<Tokens>,
}

impl FromScan for Page {
    fn scan(s: &mut Scan<'_>) -> Res<Page> {
        let mut page = members(s, |page: &mut Page, s, key| {
            if key == "revisions" {
                page.revisions = Items::scan(s)?;
            } else if !page.tokens.member(s, key)? {
                s.skip()?;
            }
            Ok(())
        })?;
        page.tokens.sort();
        Ok(page)
    }
}

/// What holds nothing the walk reads (the tree leaves it out).
pub(crate) trait Empty {
    /// Whether it holds no token.
    fn is_empty(&self) -> bool;
}

impl Empty for Tokens {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<T> Empty for Items<T> {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Empty for Page {
    fn is_empty(&self) -> bool {
        self.tokens.is_empty() && self.revisions.is_empty()
    }
}

/// The most items of an id-keyed object kept in a list searched for each
/// id; more are kept by id.
pub(crate) const SEARCHED: usize = 16;

/// A list (fv2) or an id-keyed object (fv1) of items holding tokens, in
/// the walk's order: the list's, or the ids' sorted (a later duplicate id
/// replacing the earlier item; the key is empty in a list).
pub(crate) struct Items<T>(Vec<(String, T)>);

impl<T> Default for Items<T> {
    fn default() -> Self {
        Items(Vec::new())
    }
}

impl<T: FromScan + Empty> FromScan for Items<T> {
    fn scan(s: &mut Scan<'_>) -> Res<Items<T>> {
        let mut items = Vec::new();
        match s.peek()? {
            b'[' => s.array(|s| {
                let item = T::scan(s)?;
                if !item.is_empty() {
                    items.push((String::new(), item));
                }
                Ok(())
            })?,
            b'{' => {
                // Past a few, the kept items' ids are indexed (a search
                // of the list for each would be quadratic); an empty item
                // is never kept, so that a long run of them costs nothing.
                let mut index: Option<BTreeMap<String, usize>> = None;
                s.object(|s, key| {
                    let key = key.value()?;
                    let item = T::scan(s)?;
                    let at = match &index {
                        Some(index) => index.get(&*key).copied(),
                        None => items.iter().position(|(k, _)| **k == *key),
                    };
                    match (at, item.is_empty()) {
                        // An empty later item removes the id (its slot is
                        // emptied, and dropped at the end).
                        (Some(at), true) => match &mut index {
                            Some(index) => {
                                items[at].1 = item;
                                index.remove(&*key);
                            }
                            None => drop(items.remove(at)),
                        },
                        (Some(at), false) => items[at].1 = item,
                        (None, true) => {}
                        (None, false) => {
                            if let Some(index) = &mut index {
                                index.insert(key.clone().into_owned(), items.len());
                            }
                            items.push((key.into_owned(), item));
                        }
                    }
                    if index.is_none() && items.len() > SEARCHED {
                        let ids = items.iter().enumerate().map(|(i, (k, _))| (k.clone(), i));
                        index = Some(ids.collect());
                    }
                    Ok(())
                })?;
                if index.is_some() {
                    items.retain(|(_, item)| !item.is_empty());
                }
                items.sort_unstable_by(|a, b| a.0.cmp(&b.0));
            }
            _ => Scalar::scan(s).map(drop)?,
        }
        Ok(Items(items))
    }
}

/// The members of a `query` object that hold per-module tokens.
#[derive(Default)]
pub(crate) struct ModuleTokens {
    pages: Items<Page>,
    recentchanges: Items<Tokens>,
    users: Items<Tokens>,
    userinfo: Tokens,
}

/// The per-module tokens of a `query` object, as the scanner reads it:
/// `pages`, `recentchanges`, `users` and `userinfo` (each once: a member
/// given twice is serde's to decide), boxed only when there are some; a
/// `query` that is no object holds none.
impl FromScan for QueryTokens {
    fn scan(s: &mut Scan<'_>) -> Res<QueryTokens> {
        let mut module = None;
        if s.peek()? != b'{' {
            s.skip()?;
            return Ok(QueryTokens::Read(None));
        }
        let mut seen = 0u8;
        s.object(|s, key| {
            let key = key.value()?;
            let (bit, member) = match &*key {
                "pages" => (1, Member::Pages),
                "recentchanges" => (2, Member::RecentChanges),
                "users" => (4, Member::Users),
                "userinfo" => (8, Member::UserInfo),
                _ => return s.skip(),
            };
            if seen & bit != 0 {
                return Err(Fallback);
            }
            seen |= bit;
            ModuleTokens::read(&mut module, member, s)
        })?;
        Ok(QueryTokens::Read(module))
    }
}

/// A member of `query` that holds per-module tokens.
#[derive(Clone, Copy)]
pub(crate) enum Member {
    /// `pages` (`intoken`; `rvtoken` in their `revisions`).
    Pages,
    /// `recentchanges` (`rctoken`).
    RecentChanges,
    /// `users` (`ustoken`).
    Users,
    /// `userinfo` (`uiprop=preferencestoken`).
    UserInfo,
}

impl ModuleTokens {
    /// Reads `member` (each is read once: a duplicate is the caller's
    /// [`Fallback`](crate::response::scan::Fallback)) into `into`, made
    /// when it holds a token.
    pub fn read(into: &mut Option<Box<ModuleTokens>>, member: Member, s: &mut Scan<'_>) -> Res<()> {
        fn put<T: Empty>(
            into: &mut Option<Box<ModuleTokens>>,
            value: T,
            field: fn(&mut ModuleTokens) -> &mut T,
        ) {
            if !value.is_empty() {
                *field(into.get_or_insert_default()) = value;
            }
        }
        match member {
            Member::Pages => put(into, Items::scan(s)?, |m| &mut m.pages),
            Member::RecentChanges => put(into, Items::scan(s)?, |m| &mut m.recentchanges),
            Member::Users => put(into, Items::scan(s)?, |m| &mut m.users),
            Member::UserInfo => put(into, Tokens::scan(s)?, |m| &mut m.userinfo),
        }
        Ok(())
    }

    /// The tokens, in the walk's order: pages (each then its revisions),
    /// recent changes, users, userinfo; the first of each type wins.
    pub fn into_tokens(self) -> Result<BTreeMap<TokenType, Token>, Error> {
        let mut out = BTreeMap::new();
        for (_, page) in self.pages.0 {
            page.tokens.add_to(&mut out)?;
            for (_, rev) in page.revisions.0 {
                rev.add_to(&mut out)?;
            }
        }
        for (_, item) in self.recentchanges.0.into_iter().chain(self.users.0) {
            item.add_to(&mut out)?;
        }
        self.userinfo.add_to(&mut out)?;
        Ok(out)
    }
}

#[cfg(test)]
#[path = "module_tokens_tests.rs"]
mod tests;
