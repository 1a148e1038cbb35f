//! The flows a session runs: one small state machine per operation.

use std::collections::BTreeMap;

use super::state::{Credentials, Ctx, TokenApi, User};
use super::{ActionCall, Output};
use crate::actions::{checktoken, clientlogin, legacy_tokens, login, logout, tokens};
use crate::response::Envelope;
use crate::{ActionRequest, Error, Password, Token, TokenType, Warning};

/// Where a request goes.
#[derive(Debug, Clone)]
pub(crate) enum Target {
    Home,
    Foreign(url::Url),
}

/// What a flow asks the session to do next.
pub(crate) enum Step {
    Send(Target, ActionRequest),
    NeedToken(TokenType),
    NeedRelogin,
    Done(Result<Output, Error>),
    /// Only from [`FetchTokens`].
    Fetched(Fetched),
}

/// The result of a token fetch, for the operations waiting on it.
pub(crate) struct Fetched {
    pub tokens: BTreeMap<TokenType, Token>,
    /// Types answered with `+\` although logged in: the session is lost.
    pub lost: Vec<TokenType>,
    /// Types answered with a token that does not end in `+\` or whose `+`
    /// became a space (a proxy altered it): never used, never cached.
    pub mangled: Vec<TokenType>,
    /// Types answered with a token longer than [`MAX_TOKEN_LEN`]: never
    /// used, never cached (nor saved in a session file).
    pub too_long: Vec<TokenType>,
    pub error: Option<Error>,
}

/// The longest token accepted. MediaWiki's are 42 characters (32 hex of
/// HMAC, 8 hex of time, `+\`); extension tokens are of the same kind.
pub(crate) const MAX_TOKEN_LEN: usize = 1024;

/// The core token types, for messages (extensions add more).
const KNOWN_TYPES: &[&str] = &[
    "csrf",
    "watch",
    "patrol",
    "rollback",
    "userrights",
    "login",
    "createaccount",
];

impl Fetched {
    /// A fetch that failed as a whole: every waiter gets `error`.
    pub fn failed(error: Error) -> Self {
        Fetched {
            tokens: BTreeMap::new(),
            lost: Vec::new(),
            mangled: Vec::new(),
            too_long: Vec::new(),
            error: Some(error),
        }
    }

    /// A fetch that found the session lost for all its types.
    fn lost(types: Vec<TokenType>) -> Self {
        Fetched {
            tokens: BTreeMap::new(),
            lost: types,
            mangled: Vec::new(),
            too_long: Vec::new(),
            error: None,
        }
    }
}

/// The error for a token that does not end in `+\` or whose `+` became a
/// space: it was altered on the way (a proxy), so it is never used.
pub(crate) fn mangled_token(who: &str, ty: &TokenType) -> Error {
    Error::Decode(format!(
        "{who} sent a malformed {ty} token (it does not end in `+\\`); \
         a proxy may have altered it, so it is not used"
    ))
}

/// The error for a token longer than [`MAX_TOKEN_LEN`].
pub(crate) fn too_long_token(ty: &TokenType) -> Error {
    Error::Decode(format!(
        "the server sent a {ty} token too long to be one (more than {MAX_TOKEN_LEN} bytes); \
         it is not used"
    ))
}

/// The error for a token type the wiki did not answer: a typo, or a type
/// of an extension the wiki does not have. The server's own
/// "Unrecognized value" warning goes with it.
pub(crate) fn unknown_token_type(ty: &TokenType, warnings: &[Warning]) -> Error {
    let name = ty.as_str();
    let said = warnings
        .iter()
        .find(|w| w.text.contains(name))
        .map(|w| format!("; the wiki said: {}", w.text))
        .unwrap_or_default();
    let hint = KNOWN_TYPES
        .iter()
        .filter(|k| edit_distance(k, name) <= 2)
        .min_by_key(|k| edit_distance(k, name))
        .map(|k| format!("; did you mean \"{k}\"?"))
        .unwrap_or_default();
    Error::Unsupported(format!(
        "the wiki does not know the token type \"{name}\" (MediaWiki knows {}, and \
         extensions add more){hint}{said}",
        KNOWN_TYPES.join(", ")
    ))
}

/// The Levenshtein distance of two short ASCII names.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            let next = (prev + cost).min(row[j] + 1).min(row[j + 1] + 1);
            prev = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

/// The message of a lost session that cannot be restored here.
pub(crate) const SESSION_LOST: &str = "the wiki no longer recognizes the logged-in session (it \
    expired or was ended elsewhere); log in again, or give the session its credentials so that \
    it logs in again by itself";

pub(crate) trait Flow: Send {
    fn start(&mut self, cx: &mut Ctx) -> Step;

    fn on_token(&mut self, _cx: &mut Ctx, _token: Token) -> Step {
        Step::Done(Err(Error::Decode("internal: unexpected token".into())))
    }

    fn on_response(&mut self, cx: &mut Ctx, res: Result<Envelope, Error>) -> Step;

    /// Whether a lost session should be restored by logging in again
    /// before this flow goes on (when the credentials are known).
    fn relogin_when_lost(&self) -> bool {
        true
    }

    /// The session is lost and cannot be restored by logging in again.
    fn on_session_lost(&mut self, cx: &mut Ctx) -> Step {
        cx.lost();
        Step::Done(Err(Error::SessionLost(SESSION_LOST.into())))
    }

    /// What to send after a backoff; `None` resends the last request.
    fn retry(&mut self, _cx: &mut Ctx) -> Option<Step> {
        None
    }

    /// The token types a fetch asks for.
    fn fetch_types(&self) -> Vec<TokenType> {
        Vec::new()
    }
}

/// An API error saying the wiki has no such module becomes
/// [`Error::Unsupported`] with `what`.
fn unsupported_if_unknown(res: Result<Envelope, Error>, what: &str) -> Result<Envelope, Error> {
    match res {
        Err(Error::Api(e)) if e.is_unknown_action() => Err(Error::Unsupported(what.into())),
        other => other,
    }
}

fn done<T>(res: Result<T, Error>, f: impl FnOnce(T) -> Output) -> Step {
    Step::Done(res.map(f))
}

// ---- token fetch (internal) ----

pub(crate) struct FetchTokens {
    types: Vec<TokenType>,
}

impl FetchTokens {
    pub fn new(types: Vec<TokenType>) -> Self {
        FetchTokens { types }
    }

    fn legacy_request(&self, cx: &Ctx) -> Step {
        let mappable: Vec<TokenType> = self
            .types
            .iter()
            .filter(|t| t.legacy_name().is_some())
            .cloned()
            .collect();
        if mappable.is_empty() {
            let names: Vec<&str> = self.types.iter().map(TokenType::as_str).collect();
            return Step::Fetched(Fetched::failed(Error::Unsupported(format!(
                "no {} token on a wiki without meta=tokens",
                names.join("|")
            ))));
        }
        match legacy_tokens::request(&mappable) {
            Ok(req) => Step::Send(Target::Home, self.decorate(cx, req)),
            Err(e) => Step::Fetched(Fetched::failed(e)),
        }
    }

    /// `maxlag`, and `assert` unless the fetch is for a login (which must
    /// work on a lost session).
    fn decorate(&self, cx: &Ctx, req: ActionRequest) -> ActionRequest {
        if self.types.iter().any(|t| !t.is_user_bound()) {
            cx.with_maxlag(req)
        } else {
            cx.decorate(req)
        }
    }

    fn fetched(&self, cx: &Ctx, mut tokens: BTreeMap<TokenType, Token>) -> Step {
        // Every token of meta=tokens and action=tokens ends in `+\` (the
        // login tokens without it come from action=login's NeedToken of
        // MediaWiki <=1.26, not from here). One that does not, or whose
        // `+` became a space, was altered on the way and would be refused
        // (or worse, match nothing silently): it is never used.
        let mut mangled = Vec::new();
        let mut lost = Vec::new();
        let mut too_long = Vec::new();
        let logged_in = cx.user.is_some();
        tokens.retain(|ty, token| {
            if !self.types.contains(ty) {
                // Only what was asked for is cached (and saved).
                false
            } else if token.secret().len() > MAX_TOKEN_LEN {
                too_long.push(ty.clone());
                false
            } else if token.is_mangled() {
                mangled.push(ty.clone());
                false
            } else if logged_in && ty.is_user_bound() && token.is_anonymous() {
                lost.push(ty.clone());
                false
            } else {
                true
            }
        });
        Step::Fetched(Fetched {
            tokens,
            lost,
            mangled,
            too_long,
            error: None,
        })
    }
}

impl Flow for FetchTokens {
    fn start(&mut self, cx: &mut Ctx) -> Step {
        match cx.token_api {
            TokenApi::ActionTokens => self.legacy_request(cx),
            _ => Step::Send(
                Target::Home,
                self.decorate(cx, tokens::request(&self.types)),
            ),
        }
    }

    fn on_response(&mut self, cx: &mut Ctx, res: Result<Envelope, Error>) -> Step {
        let env = match res {
            Ok(env) => env,
            Err(e) => {
                return Step::Fetched(Fetched::failed(e));
            }
        };
        let parsed = if cx.token_api == TokenApi::ActionTokens {
            legacy_tokens::parse(&env)
        } else {
            tokens::parse(&env)
        };
        match parsed {
            Ok(set) if cx.token_api != TokenApi::ActionTokens && !set.meta_tokens_available => {
                cx.set_token_api(TokenApi::ActionTokens);
                self.legacy_request(cx)
            }
            Ok(set) => {
                if cx.token_api == TokenApi::Unknown {
                    cx.set_token_api(TokenApi::MetaTokens);
                }
                self.fetched(cx, set.tokens)
            }
            Err(e) => Step::Fetched(Fetched::failed(e)),
        }
    }

    fn on_session_lost(&mut self, _cx: &mut Ctx) -> Step {
        Step::Fetched(Fetched::lost(self.types.clone()))
    }

    /// A lost session is for the waiters to restore (each logs in again
    /// once), not for the fetch.
    fn relogin_when_lost(&self) -> bool {
        false
    }

    fn fetch_types(&self) -> Vec<TokenType> {
        self.types.clone()
    }
}

// ---- login ----

enum LoginStage {
    FetchToken,
    Post { followed_need_token: bool },
}

pub(crate) struct Login {
    creds: Credentials,
    remember: bool,
    stage: LoginStage,
}

impl Login {
    pub fn new(creds: Credentials, remember: bool) -> Self {
        Login {
            creds,
            remember,
            stage: LoginStage::FetchToken,
        }
    }

    fn post(&mut self, token: Option<&Token>, followed_need_token: bool) -> Step {
        self.stage = LoginStage::Post {
            followed_need_token,
        };
        Step::Send(
            Target::Home,
            login::request(&self.creds.username, &self.creds.password, token),
        )
    }
}

impl Flow for Login {
    fn start(&mut self, cx: &mut Ctx) -> Step {
        if cx.token_api == TokenApi::ActionTokens {
            return self.post(None, false);
        }
        self.stage = LoginStage::FetchToken;
        Step::Send(
            Target::Home,
            cx.with_maxlag(tokens::request(&[TokenType::LOGIN])),
        )
    }

    fn on_response(&mut self, cx: &mut Ctx, res: Result<Envelope, Error>) -> Step {
        let env = match res {
            Ok(env) => env,
            Err(e) => return Step::Done(Err(e)),
        };
        match self.stage {
            LoginStage::FetchToken => match tokens::parse(&env) {
                Ok(set) if !set.meta_tokens_available => {
                    cx.set_token_api(TokenApi::ActionTokens);
                    self.post(None, false)
                }
                Ok(set) => {
                    cx.set_token_api(TokenApi::MetaTokens);
                    // 1.24–1.26 have meta=tokens but no login type: post
                    // without a token and follow NeedToken.
                    let token = set.get(&TokenType::LOGIN).cloned();
                    self.post(token.as_ref(), false)
                }
                Err(e) => Step::Done(Err(e)),
            },
            LoginStage::Post {
                followed_need_token,
            } => match login::parse(&env) {
                Ok(login::LoginResponse::Success { user_id, username }) => {
                    let name = if username.is_empty() {
                        self.creds
                            .username
                            .split('@')
                            .next()
                            .unwrap_or_default()
                            .to_owned()
                    } else {
                        username
                    };
                    let user = User { name, id: user_id };
                    cx.logged_in(user.clone());
                    if self.remember {
                        cx.credentials = Some(self.creds.clone());
                    }
                    Step::Done(Ok(Output::LoggedIn(user)))
                }
                Ok(login::LoginResponse::NeedToken { token: Some(token) })
                    if !followed_need_token =>
                {
                    self.post(Some(&token), true)
                }
                Ok(login::LoginResponse::NeedToken { .. }) => Step::Done(Err(Error::Login {
                    result: "NeedToken".into(),
                    reason: Some(
                        "the server did not accept the login token (are its cookies kept?)".into(),
                    ),
                    wait: None,
                })),
                Err(e) => Step::Done(Err(e)),
            },
        }
    }
}

// ---- clientlogin ----

enum ClientLoginKind {
    Start {
        username: String,
        password: Password,
        return_url: String,
    },
    Continue {
        fields: Vec<(String, String)>,
    },
}

pub(crate) struct ClientLogin {
    kind: ClientLoginKind,
}

impl ClientLogin {
    pub fn start(username: &str, password: Password, return_url: &str) -> Self {
        ClientLogin {
            kind: ClientLoginKind::Start {
                username: username.to_owned(),
                password,
                return_url: return_url.to_owned(),
            },
        }
    }

    pub fn resume(fields: Vec<(String, String)>) -> Self {
        ClientLogin {
            kind: ClientLoginKind::Continue { fields },
        }
    }
}

impl Flow for ClientLogin {
    fn start(&mut self, _cx: &mut Ctx) -> Step {
        Step::NeedToken(TokenType::LOGIN)
    }

    fn on_token(&mut self, _cx: &mut Ctx, token: Token) -> Step {
        let req = match &self.kind {
            ClientLoginKind::Start {
                username,
                password,
                return_url,
            } => clientlogin::start_request(username, password, return_url, &token),
            ClientLoginKind::Continue { fields } => clientlogin::continue_request(fields, &token),
        };
        Step::Send(Target::Home, req)
    }

    fn on_response(&mut self, cx: &mut Ctx, res: Result<Envelope, Error>) -> Step {
        let resp = match res.and_then(|env| clientlogin::parse(&env)) {
            Ok(resp) => resp,
            Err(e) => return Step::Done(Err(e)),
        };
        match &resp.status {
            clientlogin::ClientLoginStatus::Pass { username } => {
                let user = User {
                    name: username.clone(),
                    id: None,
                };
                cx.logged_in(user.clone());
                Step::Done(Ok(Output::LoggedIn(user)))
            }
            clientlogin::ClientLoginStatus::Fail => Step::Done(Err(Error::Login {
                result: "FAIL".into(),
                reason: resp.message.clone(),
                wait: None,
            })),
            _ => Step::Done(Ok(Output::ClientLogin(resp))),
        }
    }
}

// ---- tokens, checktoken, call ----

pub(crate) struct GetToken {
    pub ty: TokenType,
}

impl Flow for GetToken {
    fn start(&mut self, _cx: &mut Ctx) -> Step {
        Step::NeedToken(self.ty.clone())
    }

    fn on_token(&mut self, _cx: &mut Ctx, token: Token) -> Step {
        Step::Done(Ok(Output::Token(token)))
    }

    fn on_response(&mut self, _cx: &mut Ctx, res: Result<Envelope, Error>) -> Step {
        Step::Done(res.map(Output::Response))
    }
}

pub(crate) struct CheckToken {
    pub ty: TokenType,
    pub token: Token,
    pub max_age_secs: Option<u64>,
}

impl Flow for CheckToken {
    fn start(&mut self, cx: &mut Ctx) -> Step {
        let req = checktoken::request(&self.ty, &self.token, self.max_age_secs);
        Step::Send(Target::Home, cx.decorate(req))
    }

    fn on_response(&mut self, _cx: &mut Ctx, res: Result<Envelope, Error>) -> Step {
        let res = unsupported_if_unknown(
            res,
            "action=checktoken needs MediaWiki 1.25 or later, and this wiki does not have it",
        );
        done(
            res.and_then(|env| checktoken::parse(&env)),
            Output::TokenCheck,
        )
    }
}

pub(crate) struct Call {
    call: ActionCall,
}

impl Call {
    pub fn new(call: ActionCall) -> Self {
        Call { call }
    }
}

impl Flow for Call {
    fn start(&mut self, cx: &mut Ctx) -> Step {
        match &self.call.token {
            Some((ty, _)) if ty.is_user_bound() && cx.user.is_none() => {
                if self.call.anonymous || cx.config.allow_anonymous {
                    Step::NeedToken(ty.clone())
                } else if cx.can_relogin() {
                    // Credentials without a user (a resumed session whose
                    // file had none): log in first.
                    Step::NeedRelogin
                } else {
                    Step::Done(Err(not_logged_in(&self.call.request, ty)))
                }
            }
            Some((ty, _)) => Step::NeedToken(ty.clone()),
            None => Step::Send(Target::Home, cx.decorate(self.call.request.clone())),
        }
    }

    fn on_token(&mut self, cx: &mut Ctx, token: Token) -> Step {
        let param = self
            .call
            .token
            .as_ref()
            .map_or("token", |(_, p)| p.as_str());
        let req = self.call.request.clone().token(param, token);
        Step::Send(Target::Home, cx.decorate(req))
    }

    fn on_response(&mut self, _cx: &mut Ctx, res: Result<Envelope, Error>) -> Step {
        done(res, Output::Response)
    }
}

/// The error for a write with a user-bound token and no user.
fn not_logged_in(req: &ActionRequest, ty: &TokenType) -> Error {
    Error::NotLoggedIn(format!(
        "action={} needs a {ty} token of a logged-in user, and this session has none (never \
         logged in, or logged out); nothing was sent. Log in first; to write anonymously (as the \
         machine's IP address), allow it with allow_anonymous",
        req.action()
    ))
}

// ---- logout ----

/// Logs out. Whether the session was logged in is known from what was
/// sent: the anonymous csrf token `+\\`, or (on wikis whose logout takes
/// no token) no user, means it was not, on every version; 1.45's
/// `notloggedin` warning only says the same (and is dropped: the client's
/// own call caused it).
#[derive(Default)]
pub(crate) struct Logout {
    anonymous: bool,
}

impl Flow for Logout {
    fn start(&mut self, cx: &mut Ctx) -> Step {
        if cx.logout_without_token {
            // Before 1.33 (and 1.32.2) logout took no token.
            self.anonymous = cx.user.is_none();
            return Step::Send(Target::Home, cx.decorate(logout::request(None)));
        }
        Step::NeedToken(TokenType::CSRF)
    }

    fn on_token(&mut self, cx: &mut Ctx, token: Token) -> Step {
        self.anonymous = token.is_anonymous();
        Step::Send(Target::Home, cx.decorate(logout::request(Some(&token))))
    }

    fn on_response(&mut self, cx: &mut Ctx, res: Result<Envelope, Error>) -> Step {
        let outcome = res.and_then(|env| logout::parse(&env)).map(|outcome| {
            if self.anonymous {
                logout::LogoutOutcome::NotLoggedIn
            } else {
                outcome
            }
        });
        if outcome.is_ok() {
            cx.logged_out();
        }
        done(outcome, Output::LoggedOut)
    }

    /// Logging in again only to log out would be pointless.
    fn relogin_when_lost(&self) -> bool {
        false
    }

    /// A lost session is already logged out: forget it.
    fn on_session_lost(&mut self, cx: &mut Ctx) -> Step {
        cx.logged_out();
        Step::Done(Ok(Output::LoggedOut(logout::LogoutOutcome::NotLoggedIn)))
    }
}
