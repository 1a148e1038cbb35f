//! The sans-IO session: every flow of the token and session life cycle.
//!
//! A [`Session`] never touches the network or the clock. Its methods come
//! in four families, used in this order by a driver:
//!
//! 1. **Commands** start an operation and return its [`OpId`]:
//!    [`login`](Session::login), [`client_login`](Session::client_login),
//!    [`get_token`](Session::get_token), [`check_token`](Session::check_token),
//!    [`call`](Session::call), [`logout`](Session::logout),
//!    [`foreign_call`](Session::foreign_call).
//! 2. **`poll_transmit`** gives the next HTTP request to send, tagged with a
//!    [`RequestId`]; call it until it returns `None`.
//! 3. **Inputs**: [`handle_response`](Session::handle_response) with the
//!    response to a request (or
//!    [`handle_transport_error`](Session::handle_transport_error)), and
//!    [`handle_timeout`](Session::handle_timeout) once
//!    [`poll_timeout`](Session::poll_timeout)'s instant has passed.
//! 4. **`poll_event`** gives each finished operation's result.
//!
//! The session keeps the token cache (tied to the logged-in user), decides
//! retries (`badtoken` once, `maxlag`/`ratelimited`/429/503 with backoff),
//! falls back to `action=tokens` on wikis without `meta=tokens`, notices a
//! lost session and logs in again when it has the credentials. Cookies are
//! the driver's: send them with every request and store what the server
//! sets.

mod flows;
mod foreign;
mod results;
mod snapshot;
mod state;

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::time::{Duration, Instant};

use url::Url;

use crate::actions::checktoken::TokenCheck;
use crate::actions::clientlogin::ClientLoginResponse;
use crate::actions::logout::LogoutOutcome;
use crate::response::Envelope;
use crate::{ActionRequest, Error, Password, RetryPolicy, Token, TokenType, Warning};

use flows::{Flow, Step, Target};
pub use snapshot::SessionSnapshot;
use state::Credentials;
use state::Ctx;
pub use state::{TokenApi, User};

/// Which `assert` a session adds to its calls while logged in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Assert {
    /// Add nothing.
    None,
    /// `assert=user`: fail with `assertuserfailed` instead of acting
    /// anonymously when the session was lost (the default).
    User,
    /// `assert=bot`: also require the `bot` right.
    Bot,
}

/// How a [`Session`] behaves.
///
/// ```
/// let mut config = mw_protocol::Config::new("MyBot/1.0 (https://example.org/bot; bot@example.org)");
/// config.maxlag = None;
/// assert_eq!(config.assert, mw_protocol::Assert::User);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    /// The `User-Agent` of every request. Wikimedia requires a descriptive
    /// one with contact information.
    pub user_agent: String,
    /// The `assert` added to calls and token fetches while logged in.
    pub assert: Assert,
    /// `maxlag=N` on every request (default 5, as Wikimedia asks of bots);
    /// `None` to send none.
    pub maxlag: Option<u32>,
    /// Retries for `maxlag`, `ratelimited` and HTTP 429/502/503/504.
    pub retry: RetryPolicy,
    /// Log in again (once per operation) when a session is lost and the
    /// credentials of the last [`Session::login`] are known (default true).
    pub relogin: bool,
    /// Let calls with a user-bound token (csrf, watch, patrol, …) go out
    /// while no user is logged in (default false). MediaWiki accepts them
    /// with the anonymous token `+\` and records the machine's IP address
    /// as their author; without this, such a call fails with
    /// [`Error::NotLoggedIn`] and sends nothing. Per call:
    /// [`ActionCall::allow_anonymous`].
    pub allow_anonymous: bool,
}

impl Config {
    /// The defaults, with a user agent.
    pub fn new(user_agent: impl Into<String>) -> Self {
        Config {
            user_agent: user_agent.into(),
            assert: Assert::User,
            maxlag: Some(5),
            retry: RetryPolicy::default(),
            relogin: true,
            allow_anonymous: false,
        }
    }
}

/// Identifies an operation started by a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OpId(u64);

/// Identifies one HTTP request handed out by [`Session::poll_transmit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(u64);

/// An HTTP request to send.
///
/// `Debug` shows the method, the URL (with a `centralauthtoken` redacted)
/// and the body's length, never the body: it holds tokens and passwords.
#[non_exhaustive]
pub struct Transmit {
    /// Pass this back with the response.
    pub id: RequestId,
    /// The request. Tokens and passwords are only ever in its body (a
    /// `centralauthtoken` is in the URL, where CentralAuth requires it).
    pub request: http::Request<Vec<u8>>,
}

impl std::fmt::Debug for Transmit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let uri = self.request.uri().to_string();
        let uri = match uri.split_once('?') {
            Some((base, query)) => {
                let query: Vec<&str> = query
                    .split('&')
                    .map(|pair| {
                        if pair.starts_with("centralauthtoken=") {
                            "centralauthtoken=<redacted>"
                        } else {
                            pair
                        }
                    })
                    .collect();
                format!("{base}?{}", query.join("&"))
            }
            None => uri,
        };
        f.debug_struct("Transmit")
            .field("id", &self.id)
            .field("method", self.request.method())
            .field("uri", &uri)
            .field(
                "body",
                &format_args!("<{} bytes>", self.request.body().len()),
            )
            .finish()
    }
}

/// What a finished operation produced.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Output {
    /// [`Session::login`], or a [`Session::client_login`] that passed.
    LoggedIn(User),
    /// A [`Session::client_login`] step that needs more (UI, REDIRECT,
    /// RESTART).
    ClientLogin(ClientLoginResponse),
    /// [`Session::get_token`].
    Token(Token),
    /// [`Session::check_token`].
    TokenCheck(TokenCheck),
    /// [`Session::call`] and [`Session::foreign_call`]: the response.
    Response(Envelope),
    /// [`Session::logout`].
    LoggedOut(LogoutOutcome),
}

/// Something the driver must hand to whoever started an operation.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// An operation finished.
    Completed {
        /// The operation.
        op: OpId,
        /// Its result.
        result: Result<Output, Error>,
        /// Every warning of every response the operation used, token
        /// fetches included (so the `action=tokens` deprecation of an old
        /// wiki reaches the caller).
        warnings: Vec<Warning>,
    },
}

/// An operation that waits before it retries, from
/// [`Session::poll_wait`]: why, and for how long, for a log line (the
/// driver learns when to wake up from [`Session::poll_timeout`]).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Wait {
    /// The operation; it may be an internal token fetch shared by several.
    pub op: OpId,
    /// How long it waits.
    pub delay: Duration,
    /// The answer that made it wait (`maxlag`, `ratelimited`, 429, …).
    pub reason: Error,
}

/// The waits kept for [`Session::poll_wait`] (older ones are dropped if
/// the driver does not read them).
const MAX_PENDING_WAITS: usize = 16;

/// A generic API call: any module, with an optional token to inject.
///
/// ```
/// use mw_protocol::{ActionCall, ActionRequest, TokenType};
/// let call = ActionCall::new(ActionRequest::post("edit").param("title", "Sandbox").param("appendtext", "hi"))
///     .with_token(TokenType::CSRF);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ActionCall {
    pub(crate) request: ActionRequest,
    pub(crate) token: Option<(TokenType, String)>,
    pub(crate) anonymous: bool,
}

impl ActionCall {
    /// A call without a token.
    pub fn new(request: ActionRequest) -> Self {
        ActionCall {
            request,
            token: None,
            anonymous: false,
        }
    }

    /// Lets this call go out with a user-bound token while no user is
    /// logged in (the anonymous token `+\`: MediaWiki records the
    /// machine's IP address as the author of what it does). Without it, or
    /// [`Config::allow_anonymous`], such a call fails with
    /// [`Error::NotLoggedIn`] and sends nothing.
    ///
    /// ```
    /// use mw_protocol::{ActionCall, ActionRequest, TokenType};
    /// let call = ActionCall::new(ActionRequest::post("edit").param("title", "Sandbox"))
    ///     .with_token(TokenType::CSRF)
    ///     .allow_anonymous();
    /// ```
    pub fn allow_anonymous(mut self) -> Self {
        self.anonymous = true;
        self
    }

    /// Injects a token of this type as `token` (last in a POST body),
    /// refreshed and retried once on `badtoken`.
    pub fn with_token(self, ty: TokenType) -> Self {
        self.with_token_param(ty, "token")
    }

    /// Like [`with_token`](Self::with_token), for a module whose token
    /// parameter has another name.
    pub fn with_token_param(mut self, ty: TokenType, param: &str) -> Self {
        self.token = Some((ty, param.to_owned()));
        self
    }
}

#[derive(Debug)]
enum OpState {
    Running,
    InFlight,
    Sleeping { until: Instant },
    WaitingToken(TokenType),
    WaitingLogin,
}

struct Op {
    flow: Box<dyn Flow>,
    state: OpState,
    internal: Internal,
    retries: u32,
    badtoken_retried: bool,
    relogged: bool,
    used_token: Option<(TokenType, Token)>,
    last_sent: Option<(Target, ActionRequest)>,
    warnings: Vec<Warning>,
    /// Every secret this operation sent (passwords, tokens), to redact
    /// from what the server says back.
    secrets: Vec<String>,
    /// The total time waited before retries so far.
    waited: Duration,
    /// The last request was sent again after a transport error.
    resent: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Internal {
    No,
    Fetch { generation: u64 },
    Relogin,
}

/// The sans-IO session.
///
/// Its methods come in four families, used in this order by a driver:
/// **commands** ([`login`](Self::login), [`get_token`](Self::get_token),
/// [`call`](Self::call), …) start an operation and return its [`OpId`];
/// [`poll_transmit`](Self::poll_transmit) gives the requests to send;
/// **inputs** ([`handle_response`](Self::handle_response),
/// [`handle_transport_error`](Self::handle_transport_error),
/// [`handle_timeout`](Self::handle_timeout) once
/// [`poll_timeout`](Self::poll_timeout) has passed) feed back what
/// happened; [`poll_event`](Self::poll_event) gives each finished
/// operation's result. The crate documentation has a complete example.
pub struct Session {
    cx: Ctx,
    ops: BTreeMap<OpId, Op>,
    requests: HashMap<RequestId, OpId>,
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
            ops: BTreeMap::new(),
            requests: HashMap::new(),
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
    pub fn login(&mut self, username: &str, password: Password) -> OpId {
        let creds = Credentials::new(username, password);
        self.start(Box::new(flows::Login::new(creds, true)), Internal::No)
    }

    /// Logs in with `action=clientlogin` (main accounts). A `PASS` ends in
    /// [`Output::LoggedIn`]; `UI`/`REDIRECT`/`RESTART` in
    /// [`Output::ClientLogin`], to continue with
    /// [`client_login_continue`](Self::client_login_continue); `FAIL` in
    /// [`Error::Login`].
    pub fn client_login(&mut self, username: &str, password: Password, return_url: &str) -> OpId {
        let flow = flows::ClientLogin::start(username, password, return_url);
        self.start(Box::new(flow), Internal::No)
    }

    /// Continues a client login with the fields the previous step asked for.
    pub fn client_login_continue(&mut self, fields: Vec<(String, String)>) -> OpId {
        self.start(Box::new(flows::ClientLogin::resume(fields)), Internal::No)
    }

    /// Gets a token of any type, from the cache or with one request.
    /// Concurrent requests for missing tokens share one fetch.
    pub fn get_token(&mut self, ty: TokenType) -> OpId {
        self.start(Box::new(flows::GetToken { ty }), Internal::No)
    }

    /// Checks a token with `action=checktoken`.
    pub fn check_token(&mut self, ty: TokenType, token: Token, max_age_secs: Option<u64>) -> OpId {
        self.start(
            Box::new(flows::CheckToken {
                ty,
                token,
                max_age_secs,
            }),
            Internal::No,
        )
    }

    /// Calls any module. With a token type, the token comes from the cache
    /// and the call is retried once with a fresh token on `badtoken`.
    pub fn call(&mut self, call: ActionCall) -> OpId {
        self.start(Box::new(flows::Call::new(call)), Internal::No)
    }

    /// Logs out: `action=logout` as a POST with a csrf token, then forgets
    /// the user, the credentials and every cached token.
    pub fn logout(&mut self) -> OpId {
        self.start(Box::new(flows::Logout::default()), Internal::No)
    }

    /// Calls a module on a foreign wiki of the same CentralAuth single
    /// sign-on, authenticated by a fresh, single-use `centralauthtoken`
    /// from this wiki (and, with a token type, a second one to fetch that
    /// token on the foreign wiki first). A `badtoken` from the foreign
    /// wiki restarts the flow once. CentralAuth gives tokens only to a
    /// main-account login ([`client_login`](Self::client_login)): after a
    /// bot-password or OAuth login this fails with
    /// [`Error::CentralAuthSession`]. On 1.21–1.23 farms the token comes
    /// from `action=tokens&type=centralauth`.
    pub fn foreign_call(
        &mut self,
        foreign_endpoint: &str,
        call: ActionCall,
    ) -> Result<OpId, Error> {
        let url = crate::request::parse_endpoint(foreign_endpoint)?;
        Ok(self.start(Box::new(foreign::Foreign::new(url, call)), Internal::No))
    }

    /// A serializable snapshot: endpoint, user, token API and cached
    /// tokens (never credentials). Save it with the cookies.
    pub fn snapshot(&self) -> SessionSnapshot {
        SessionSnapshot::of(&self.cx)
    }

    /// Resumes a session from a snapshot, with a new configuration.
    pub fn restore(snapshot: SessionSnapshot, config: Config) -> Result<Session, Error> {
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

    /// The next finished operation.
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
    /// way: an emptied `BTreeMap` keeps its root node (about 3 KiB of `Op`
    /// slots) and a `VecDeque` its capacity, about 5 KiB per idle session
    /// in all, which a process holding thousands of sessions multiplies
    /// (see docs/performance.md).
    fn release_if_idle(&mut self) {
        if !self.ops.is_empty() {
            return;
        }
        self.ops = BTreeMap::new();
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
            self.requests = HashMap::new();
        }
    }

    /// When [`handle_timeout`](Self::handle_timeout) must next be called
    /// (an operation is waiting out a backoff).
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.ops
            .values()
            .filter_map(|op| match op.state {
                OpState::Sleeping { until } => Some(until),
                _ => None,
            })
            .min()
    }

    // ---- inputs ----

    /// Wakes operations whose backoff has passed.
    pub fn handle_timeout(&mut self, now: Instant) {
        let due: Vec<OpId> = self
            .ops
            .iter()
            .filter(|(_, op)| matches!(op.state, OpState::Sleeping { until } if until <= now))
            .map(|(id, _)| *id)
            .collect();
        for id in due {
            let step = match self.ops.get_mut(&id) {
                Some(op) => match op.flow.retry(&mut self.cx) {
                    Some(step) => step,
                    None => match op.last_sent.clone() {
                        Some((target, req)) => Step::Send(target, req),
                        None => Step::Done(Err(Error::Decode("nothing to retry".into()))),
                    },
                },
                None => continue,
            };
            self.apply(id, step);
        }
    }

    /// Forgets an operation whose caller went away. Its responses will be
    /// ignored and it produces no event.
    pub fn abandon(&mut self, op: OpId) {
        self.ops.remove(&op);
    }

    // ---- engine ----

    fn start(&mut self, flow: Box<dyn Flow>, internal: Internal) -> OpId {
        let id = OpId(self.next_id);
        self.next_id += 1;
        let mut op = Op {
            flow,
            state: OpState::Running,
            internal,
            retries: 0,
            badtoken_retried: false,
            relogged: false,
            used_token: None,
            last_sent: None,
            warnings: Vec::new(),
            secrets: Vec::new(),
            waited: Duration::ZERO,
            resent: false,
        };
        let step = op.flow.start(&mut self.cx);
        self.ops.insert(id, op);
        self.apply(id, step);
        id
    }

    /// Carries out steps until the operation waits or finishes.
    fn apply(&mut self, id: OpId, mut step: Step) {
        loop {
            let Some(op) = self.ops.get_mut(&id) else {
                return;
            };
            step = match step {
                Step::Send(target, mut req) => {
                    let url = match &target {
                        Target::Home => &self.cx.endpoint,
                        Target::Foreign(url) => url,
                    };
                    self.cx.strip_unknown_params(&mut req);
                    for secret in req.secret_values() {
                        if !op.secrets.iter().any(|s| s == secret) {
                            op.secrets.push(secret.to_owned());
                        }
                    }
                    match req.to_http(url, &self.cx.config.user_agent) {
                        Ok(request) => {
                            let rid = RequestId(self.next_id);
                            self.next_id += 1;
                            op.last_sent = Some((target, req));
                            op.state = OpState::InFlight;
                            self.requests.insert(rid, id);
                            self.transmits.push_back(Transmit { id: rid, request });
                            return;
                        }
                        Err(e) => Step::Done(Err(e)),
                    }
                }
                Step::NeedToken(ty) => match self.cx.cache.get(&ty).cloned() {
                    Some(token) => {
                        op.used_token = Some((ty.clone(), token.clone()));
                        op.flow.on_token(&mut self.cx, token)
                    }
                    None => {
                        op.state = OpState::WaitingToken(ty.clone());
                        if !self.fetching.contains(&ty) {
                            self.wanted.insert(ty);
                        }
                        return;
                    }
                },
                Step::NeedRelogin => {
                    if op.flow.relogin_when_lost() && self.cx.can_relogin() && !op.relogged {
                        op.relogged = true;
                        op.state = OpState::WaitingLogin;
                        self.start_relogin();
                        return;
                    }
                    op.flow.on_session_lost(&mut self.cx)
                }
                Step::Done(result) => {
                    let op = self.ops.remove(&id).unwrap_or_else(|| unreachable!());
                    self.finish(id, op, result);
                    return;
                }
                Step::Fetched(fetched) => {
                    let op = self.ops.remove(&id).unwrap_or_else(|| unreachable!());
                    self.distribute(op, fetched);
                    return;
                }
            };
        }
    }

    fn finish(&mut self, id: OpId, op: Op, mut result: Result<Output, Error>) {
        results::redact_outcome(&self.cx, &op, &mut result);
        match op.internal {
            Internal::No => self.events.push_back(Event::Completed {
                op: id,
                result,
                warnings: op.warnings,
            }),
            Internal::Relogin => {
                let waiting: Vec<OpId> = self
                    .ops
                    .iter()
                    .filter(|(_, o)| matches!(o.state, OpState::WaitingLogin))
                    .map(|(id, _)| *id)
                    .collect();
                for wid in waiting {
                    let Some(w) = self.ops.get_mut(&wid) else {
                        continue;
                    };
                    w.warnings.extend(op.warnings.iter().cloned());
                    w.used_token = None;
                    w.badtoken_retried = false;
                    let step = match &result {
                        Ok(_) => w.flow.start(&mut self.cx),
                        Err(e) => Step::Done(Err(Error::SessionLost(format!(
                            "logging in again failed: {e}; log in again with valid credentials"
                        )))),
                    };
                    self.apply(wid, step);
                }
            }
            Internal::Fetch { .. } => {
                // A fetch that ended in an error: fail every waiter it served.
                let err = match result {
                    Err(e) => e,
                    Ok(_) => Error::Decode("token fetch gave no tokens".into()),
                };
                self.distribute(op, flows::Fetched::failed(err));
            }
        }
    }

    fn start_relogin(&mut self) {
        if self.ops.values().any(|o| o.internal == Internal::Relogin) {
            return;
        }
        if let Some(creds) = self.cx.credentials.clone() {
            self.start(Box::new(flows::Login::new(creds, false)), Internal::Relogin);
        }
    }

    /// Sends one fetch for every token type that operations wait for.
    fn start_fetch(&mut self) {
        if self.wanted.is_empty() {
            return;
        }
        let types: Vec<TokenType> = std::mem::take(&mut self.wanted).into_iter().collect();
        self.fetching.extend(types.iter().cloned());
        let generation = self.cx.generation;
        self.start(
            Box::new(flows::FetchTokens::new(types)),
            Internal::Fetch { generation },
        );
    }

    /// Hands the result of a token fetch to the operations waiting for it.
    fn distribute(&mut self, fetch: Op, fetched: flows::Fetched) {
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
            } else if let Some(token) = fetched.tokens.get(&ty) {
                w.used_token = Some((ty.clone(), token.clone()));
                w.flow.on_token(&mut self.cx, token.clone())
            } else {
                Step::Done(Err(flows::unknown_token_type(&ty, &fetch.warnings)))
            };
            self.apply(wid, step);
        }
    }
}
