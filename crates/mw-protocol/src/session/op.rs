//! Typed operation handles and their outcomes.
//!
//! Every command of a [`Session`](super::Session) returns an [`Op<T>`],
//! where `T` is what the operation gives when it finishes: a
//! [`User`] for a login, a [`Token`] for a token, an [`Envelope`] for a
//! call, and so on. [`Session::take`](super::Session::take) hands the
//! finished result over as a [`Completed<T>`], so a driver never matches on
//! a catch-all result.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;

use crate::actions::auth_step::AuthStep;
use crate::actions::checktoken::TokenCheck;
use crate::actions::logout::LogoutOutcome;
use crate::response::Envelope;
use crate::{Error, Token, User, Warning};

use super::OpId;

/// The handle of an operation that finishes with a `T`.
///
/// Copy it freely; pass it to [`Session::take`](super::Session::take) once
/// [`Event::Completed`](super::Event::Completed) names its
/// [`id`](Self::id).
pub struct Op<T> {
    id: OpId,
    kind: PhantomData<fn() -> T>,
}

impl<T> Op<T> {
    pub(crate) fn new(id: OpId) -> Self {
        Op {
            id,
            kind: PhantomData,
        }
    }

    /// The untyped id that events and waits name.
    pub fn id(&self) -> OpId {
        self.id
    }
}

impl<T> From<Op<T>> for OpId {
    fn from(op: Op<T>) -> OpId {
        op.id
    }
}

impl<T> Clone for Op<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Op<T> {}

impl<T> PartialEq for Op<T> {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl<T> Eq for Op<T> {}

impl<T> PartialEq<OpId> for Op<T> {
    fn eq(&self, other: &OpId) -> bool {
        self.id == *other
    }
}

impl<T> PartialEq<Op<T>> for OpId {
    fn eq(&self, other: &Op<T>) -> bool {
        *self == other.id
    }
}

impl<T> Hash for Op<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.id.hash(state);
    }
}

impl<T> fmt::Debug for Op<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Op<{}>({:?})", short_type_name::<T>(), self.id)
    }
}

fn short_type_name<T>() -> &'static str {
    let full = std::any::type_name::<T>();
    full.rsplit("::").next().unwrap_or(full)
}

/// A finished operation: its result and every warning of every response it
/// used (token fetches and logins on the way included, so that the
/// `action=tokens` deprecation of an old wiki reaches the caller).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Completed<T> {
    /// The value, or why there is none.
    pub result: Result<T, Error>,
    /// The warnings, in the order the responses came.
    pub warnings: Vec<Warning>,
}

/// How a [`Session::client_login`](super::Session::client_login) step
/// ended (a `FAIL` is [`Error::Login`], a refused second-factor code
/// [`Error::SecondFactor`]). The two ways are all there are: every status
/// MediaWiki may add that is not a `PASS` or a `FAIL` asks for more.
#[derive(Debug, Clone, PartialEq)]
pub enum ClientLoginOutcome {
    /// `PASS`: logged in.
    LoggedIn(User),
    /// `UI`, `REDIRECT` or `RESTART`: the server needs more (a second
    /// factor, a redirect to a provider, …); [`AuthStep::fields`] says
    /// what. Continue with
    /// [`Session::client_login_continue`](super::Session::client_login_continue).
    NeedsInput(AuthStep),
}

/// How a [`Session::create_account`](super::Session::create_account) step
/// ended (a `FAIL` is [`Error::CreateAccount`]).
#[derive(Debug, Clone, PartialEq)]
pub enum CreateAccountOutcome {
    /// `PASS`: the account exists (the session is not logged in to it).
    Created {
        /// The account's name, as the wiki normalized it (first letter
        /// upper case).
        username: String,
    },
    /// The wiki needs more before it creates the account: the fields of a
    /// captcha (before anything was sent, from `meta=authmanagerinfo`),
    /// or those of a `UI`/`REDIRECT` step. [`AuthStep::captcha`] and
    /// [`AuthStep::inputs`] say what; continue with
    /// [`Session::create_account_continue`](super::Session::create_account_continue).
    NeedsInput(AuthStep),
}

/// What an operation may finish with: [`User`], [`ClientLoginOutcome`],
/// [`CreateAccountOutcome`], [`Token`], [`TokenCheck`], [`Envelope`] and [`LogoutOutcome`].
/// Sealed: the session makes every kind itself.
pub trait Outcome: sealed::Sealed + Sized + 'static {}

/// The session's own record of a finished operation's value, tagged by
/// kind. It never leaves the crate: [`Session::take`](super::Session::take)
/// unpacks it into the `T` of the handle.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    LoggedIn(User),
    ClientLogin(ClientLoginOutcome),
    CreateAccount(CreateAccountOutcome),
    Token(Token),
    TokenCheck(TokenCheck),
    Response(Envelope),
    LoggedOut(LogoutOutcome),
}

pub(crate) mod sealed {
    use super::Output;

    /// Unpacks the [`Output`] of an operation started for this type.
    pub trait Sealed: Sized {
        /// `Err` gives the output back when it is of another kind (a
        /// handle of another session).
        fn unpack(output: Output) -> Result<Self, Box<Output>>;
    }
}

macro_rules! outcome {
    ($ty:ty, $variant:ident) => {
        impl Outcome for $ty {}
        impl sealed::Sealed for $ty {
            fn unpack(output: Output) -> Result<Self, Box<Output>> {
                match output {
                    Output::$variant(value) => Ok(value),
                    other => Err(Box::new(other)),
                }
            }
        }
    };
}

outcome!(User, LoggedIn);
outcome!(ClientLoginOutcome, ClientLogin);
outcome!(CreateAccountOutcome, CreateAccount);
outcome!(Token, Token);
outcome!(TokenCheck, TokenCheck);
outcome!(Envelope, Response);
outcome!(LogoutOutcome, LoggedOut);
