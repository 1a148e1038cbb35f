//! The sans-IO session: every flow of the token and session life cycle.
//!
//! A [`Session`] never touches the network or the clock. Its methods come
//! in four families, used in this order by a driver:
//!
//! 1. **Commands** start an operation and return its typed [`Op`] handle:
//!    [`login`](Session::login), [`client_login`](Session::client_login),
//!    [`token`](Session::token), [`check_token`](Session::check_token),
//!    [`call`](Session::call), [`logout`](Session::logout),
//!    [`foreign`](Session::foreign)`(url).`[`call`](Foreign::call).
//! 2. **`poll_transmit`** gives the next HTTP request to send, tagged with a
//!    [`RequestId`]; call it until it returns `None`.
//! 3. **Inputs**: [`handle_response`](Session::handle_response) with the
//!    response to a request (or
//!    [`handle_transport_failure`](Session::handle_transport_failure)), and
//!    [`handle_timeout`](Session::handle_timeout) once
//!    [`poll_timeout`](Session::poll_timeout)'s instant has passed.
//! 4. **`poll_event`** names each finished operation, and
//!    [`take`](Session::take) gives its typed result: a [`User`] for a
//!    login, a [`Token`] for a token, an [`Envelope`] for a call, ….
//!
//! The session keeps the token cache (tied to the logged-in user), decides
//! retries (`badtoken` once, `maxlag`/`ratelimited`/429/503 with backoff),
//! falls back to `action=tokens` on wikis without `meta=tokens`, notices a
//! lost session and logs in again when it has the credentials. Cookies are
//! the driver's: send them with every request and store what the server
//! sets.

mod accounts;
mod broker;
mod call;
mod config;
mod engine;
mod flows;
mod foreign;
mod id_map;
mod io;
mod op;
mod results;
mod snapshot;
mod state;
mod token_cache;

use std::any::TypeId;
use std::collections::{BTreeSet, VecDeque};
use std::time::Instant;

use url::Url;

use crate::actions::checktoken::TokenCheck;
use crate::actions::logout::LogoutOutcome;
use crate::response::Envelope;
use crate::{Error, Password, Token, TokenType, Warning};

pub use call::ActionCall;
pub use config::{Assert, Config};
use engine::Operation;
pub use foreign::Foreign;
use id_map::IdMap;
use io::MAX_PENDING_WAITS;
pub use io::{Event, OpId, RequestId, Transmit, TransportFailure, Wait};
use op::Output;
pub use op::{ClientLoginOutcome, Completed, CreateAccountOutcome, Op, Outcome};
pub use snapshot::SessionSnapshot;
use state::Credentials;
use state::Ctx;
pub use state::{TokenApi, User};

/// A finished operation waiting for [`Session::take`].
#[derive(Debug)]
struct Finished {
    /// The `T` of the operation's `Op<T>`.
    kind: TypeId,
    result: Result<Output, Error>,
    warnings: Vec<Warning>,
}

/// The sans-IO session.
///
/// Its methods come in four families, used in this order by a driver:
/// **commands** ([`login`](Self::login), [`token`](Self::token),
/// [`call`](Self::call), …) start an operation and return its typed
/// [`Op`] handle;
/// [`poll_transmit`](Self::poll_transmit) gives the requests to send;
/// **inputs** ([`handle_response`](Self::handle_response),
/// [`handle_transport_failure`](Self::handle_transport_failure),
/// [`handle_timeout`](Self::handle_timeout) once
/// [`poll_timeout`](Self::poll_timeout) has passed) feed back what
/// happened; [`poll_event`](Self::poll_event) says which operations
/// finished, and [`take`](Self::take) gives each one's typed result. The
/// crate documentation has a complete example.
pub struct Session {
    cx: Ctx,
    ops: IdMap<OpId, Operation>,
    finished: IdMap<OpId, Finished>,
    requests: IdMap<RequestId, OpId>,
    transmits: VecDeque<Transmit>,
    events: VecDeque<Event>,
    waits: VecDeque<Wait>,
    wanted: BTreeSet<TokenType>,
    fetching: BTreeSet<TokenType>,
    next_id: u64,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("endpoint", &self.cx.endpoint.as_str())
            .field("user", &self.cx.user)
            .field("token_api", &self.cx.token_api)
            .field("cached_tokens", &self.cx.cache.keys().collect::<Vec<_>>())
            .field("operations", &self.ops.len())
            .finish()
    }
}

impl Session {
    /// A new anonymous session for an `api.php` URL.
    /// Fails with [`Error::InvalidInput`] for a URL that is not http(s) or
    /// a user agent that breaks [`check_user_agent`](crate::check_user_agent).
    pub fn new(endpoint: &str, config: Config) -> Result<Session, Error> {
        crate::check_user_agent(&config.user_agent)?;
        let endpoint = crate::request::parse_endpoint(endpoint)?;
        Ok(Self::with_ctx(Ctx::new(endpoint, config)))
    }

    fn with_ctx(cx: Ctx) -> Session {
        Session {
            cx,
            ops: IdMap::default(),
            finished: IdMap::default(),
            requests: IdMap::default(),
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            waits: VecDeque::new(),
            wanted: BTreeSet::new(),
            fetching: BTreeSet::new(),
            next_id: 0,
        }
    }

    /// The `api.php` URL.
    pub fn endpoint(&self) -> &Url {
        &self.cx.endpoint
    }

    /// The logged-in user, if any.
    pub fn user(&self) -> Option<&User> {
        self.cx.user.as_ref()
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.cx.config
    }

    /// Which token API the wiki was found to have.
    pub fn token_api(&self) -> TokenApi {
        self.cx.token_api
    }

    /// The cached token of a type, if any.
    pub fn cached_token(&self, ty: &TokenType) -> Option<&Token> {
        self.cx.cache.get(ty)
    }

    /// `true` when no operation is running.
    pub fn is_idle(&self) -> bool {
        self.ops.is_empty() && self.transmits.is_empty()
    }

    // ---- commands ----

    /// Logs in with `action=login` (a bot password `User@App`, or a main
    /// account with a deprecation warning): fetches a login token, posts
    /// the login, and follows `NeedToken` once. Clears the token cache.
    /// The credentials are kept in memory (never in a snapshot) to log in
    /// again if the session is lost, when [`Config::relogin`] is set.
    pub fn login(&mut self, username: &str, password: Password) -> Op<User> {
        let creds = Credentials::new(username, password);
        self.command(Box::new(flows::Login::new(creds, true)))
    }

    /// Gets a token of any type, from the cache or with one request.
    /// Concurrent requests for missing tokens share one fetch.
    pub fn token(&mut self, ty: TokenType) -> Op<Token> {
        self.command(Box::new(flows::GetToken { ty }))
    }

    /// Checks a token with `action=checktoken`.
    pub fn check_token(
        &mut self,
        ty: TokenType,
        token: Token,
        max_age_secs: Option<u64>,
    ) -> Op<TokenCheck> {
        self.command(Box::new(flows::CheckToken {
            ty,
            token,
            max_age_secs,
            answer: Default::default(),
        }))
    }

    /// Calls any module. With a token type, the token comes from the cache
    /// and the call is retried once with a fresh token on `badtoken`.
    pub fn call(&mut self, call: ActionCall) -> Op<Envelope> {
        self.command(Box::new(flows::Call::new(call)))
    }

    /// Logs out: `action=logout` as a POST with a csrf token, then forgets
    /// the user, the credentials and every cached token.
    pub fn logout(&mut self) -> Op<LogoutOutcome> {
        self.command(Box::new(flows::Logout::default()))
    }

    /// A foreign wiki of the same CentralAuth single sign-on, whose
    /// [`call`](Foreign::call)s are authenticated by a fresh, single-use `centralauthtoken`
    /// from this wiki (and, with a token type, a second one to fetch that
    /// token on the foreign wiki first). A `badtoken` from the foreign
    /// wiki restarts the flow once. CentralAuth gives tokens only to a
    /// main-account login ([`client_login`](Self::client_login)): after a
    /// bot-password or OAuth login this fails with
    /// [`Error::CentralAuthSession`]. On 1.21–1.23 farms the token comes
    /// from `action=tokens&type=centralauth`.
    pub fn foreign(&mut self, api_url: &str) -> Result<Foreign<'_>, Error> {
        let endpoint = crate::request::parse_endpoint(api_url)?;
        Ok(Foreign {
            session: self,
            endpoint,
        })
    }

    /// A serializable snapshot: endpoint, user, token API and cached
    /// tokens (never credentials). Save it with the cookies.
    pub fn snapshot(&self) -> SessionSnapshot {
        SessionSnapshot::of(&self.cx)
    }

    /// Resumes a session from a snapshot, with a new configuration.
    pub fn from_snapshot(snapshot: SessionSnapshot, config: Config) -> Result<Session, Error> {
        crate::check_user_agent(&config.user_agent)?;
        Ok(Self::with_ctx(snapshot.into_ctx(config)?))
    }

    /// Gives the session the credentials to log in again if it is lost
    /// (for a session restored from a snapshot).
    pub fn set_credentials(&mut self, username: &str, password: Password) {
        self.cx.credentials = Some(Credentials::new(username, password));
    }

    // ---- outputs ----

    /// The next request to send.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.start_fetch();
        let next = self.transmits.pop_front();
        if next.is_none() {
            self.release_if_idle();
        }
        next
    }

    /// The next finished operation, whose result [`take`](Self::take)
    /// gives.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event> {
        let next = self.events.pop_front();
        if next.is_none() {
            self.release_if_idle();
        }
        next
    }

    /// The next wait an operation began (a `maxlag`, `ratelimited` or 429
    /// answer), for a log line. Optional: a driver that never calls it
    /// loses nothing but the explanation (at most 16 are kept).
    #[must_use]
    pub fn poll_wait(&mut self) -> Option<Wait> {
        self.waits.pop_front()
    }

    pub(super) fn push_wait(&mut self, wait: Wait) {
        if self.waits.len() >= MAX_PENDING_WAITS {
            self.waits.pop_front();
        }
        self.waits.push_back(wait);
    }

    /// Gives back the memory of emptied containers once nothing is under
    /// way: an emptied `Vec`, `VecDeque` or `HashMap` keeps its capacity
    /// (the operations' slots alone are ~300 bytes each), which a process
    /// holding thousands of sessions multiplies (see docs/performance.md).
    fn release_if_idle(&mut self) {
        if !self.ops.is_empty() {
            return;
        }
        self.ops = IdMap::default();
        if self.transmits.is_empty() {
            self.transmits = VecDeque::new();
        }
        if self.events.is_empty() {
            self.events = VecDeque::new();
        }
        if self.waits.is_empty() {
            self.waits = VecDeque::new();
        }
        if self.requests.is_empty() {
            self.requests = IdMap::default();
        }
        if self.finished.is_empty() {
            self.finished = IdMap::default();
        }
    }

    /// When [`handle_timeout`](Self::handle_timeout) must next be called
    /// (an operation is waiting out a backoff).
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.ops
            .values()
            .filter_map(Operation::sleeping_until)
            .min()
    }

    /// Forgets an operation whose caller went away. Its responses will be
    /// ignored and it produces no event.
    pub fn abandon(&mut self, op: impl Into<OpId>) {
        let op = op.into();
        self.ops.remove(&op);
        self.finished.remove(&op);
        self.events
            .retain(|Event::Completed { op: done }| *done != op);
    }

    /// The result of a finished operation, once: `None` while it runs (or
    /// for a handle of another session). Taking it also drops its
    /// [`Event::Completed`] if [`poll_event`](Self::poll_event) has not
    /// given it yet, so a driver may wait on `take` alone.
    ///
    /// ```
    /// use mw_protocol::{Config, Session, TokenType};
    /// let mut session = Session::new("https://w.example/w/api.php", Config::new("demo/1.0 (me@example.org)"))?;
    /// let op = session.token(TokenType::CSRF);
    /// assert!(session.take(op).is_none()); // its request is not even sent
    /// # Ok::<(), mw_protocol::Error>(())
    /// ```
    #[must_use]
    pub fn take<T: Outcome>(&mut self, op: Op<T>) -> Option<Completed<T>> {
        let id = op.id();
        if self.finished.get(&id)?.kind != TypeId::of::<T>() {
            return None;
        }
        let Finished {
            kind,
            result,
            warnings,
        } = self.finished.remove(&id)?;
        let result = match result.map(T::unpack) {
            Ok(Ok(value)) => Ok(value),
            Err(e) => Err(e),
            // Not reached: an operation of kind `T` finishes with a `T`.
            Ok(Err(output)) => {
                let result = Ok(*output);
                self.finished.insert(
                    id,
                    Finished {
                        kind,
                        result,
                        warnings,
                    },
                );
                return None;
            }
        };
        self.events
            .retain(|Event::Completed { op: done }| *done != id);
        // A driver that takes results without polling events to the end
        // would otherwise keep the emptied `finished` map (1.4 KiB a
        // session in `mw-bench scale-protocol`).
        self.release_if_idle();
        Some(Completed { result, warnings })
    }
}
