//! The client's public API: [`Client`] and [`ForeignWiki`]. The driver
//! loop is in `client/driver.rs`, the test hooks in `client/record.rs`.

mod accounts;
mod driver;
mod inline;
mod record;
mod run;
#[cfg(test)]
mod size;

use std::path::Path;
use std::sync::Arc;

use mw_protocol::actions::checktoken::TokenCheck;
use mw_protocol::actions::logout::LogoutOutcome;
use mw_protocol::{
    ActionCall, ClientLoginOutcome, Completed, Password, Session, Token, TokenType, User, Warning,
};
use tokio::runtime::Handle;
use url::Url;

use crate::builder::{ClientBuilder, Parts};
use crate::cookies::Jar;
use crate::http::Http;
use crate::outcome::{Response, WithWarnings};
use crate::persist;
use crate::{Error, Result};
use driver::Shared;
#[doc(hidden)]
pub use record::RequestRecord;

/// An async MediaWiki API client: one session (user, token cache, cookies)
/// shared by every clone, usable from many tasks at once.
///
/// It drives an [`mw_protocol::Session`] over HTTP/1.1 with keep-alive
/// (hyper-util's pooling client, rustls for HTTPS; one pool shared by the
/// clients of the process with the same runtime and TLS settings:
/// [`ClientBuilder::max_idle_connections`]). Its methods need a
/// Tokio runtime with its time driver (`#[tokio::main]`, or
/// `Builder::enable_all`); outside any runtime they fail with
/// [`Error::NoRuntime`].
///
/// ```no_run
/// use mw_transport::{ActionCall, ActionRequest, Client, Password, TokenType};
/// # async fn demo() -> mw_transport::Result<()> {
/// let client = Client::builder("https://test.wikipedia.org/w/api.php")
///     .user_agent("MyBot/1.0 (https://example.org/mybot; mybot@example.org)")
///     .build()?;
/// client.login("MyBot@tool", Password::new("0123456789abcdefghijklmnopqrstuv")).await?;
/// let edit = ActionCall::new(
///     ActionRequest::post("edit").param("title", "Sandbox").param("appendtext", "\nhi"),
/// )
/// .with_token(TokenType::CSRF);
/// let response = client.call(edit).await?;
/// assert_eq!(response.get(&["edit", "result"]).and_then(|v| v.as_str()), Some("Success"));
/// client.logout().await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.shared.endpoint.as_str())
            .field("session", &self.shared.lock().session)
            .field("http", &self.shared.http)
            .field("cookies", &self.shared.jar)
            .finish()
    }
}

impl Client {
    /// A builder for a client of the wiki whose `api.php` is at `api_url`.
    pub fn builder(api_url: impl Into<String>) -> ClientBuilder {
        ClientBuilder::new(api_url)
    }

    pub(crate) fn from_parts(parts: Parts, mut session: Session, jar: Jar) -> Result<Client> {
        if let Some((username, password)) = &parts.credentials {
            session.set_credentials(username, password.clone());
        }
        let jar = Arc::new(jar);
        let http = Http::new(parts.http, Arc::clone(&jar)).map_err(Error::InvalidConfig)?;
        Ok(Client {
            shared: Arc::new(Shared::new(
                session,
                http,
                jar,
                parts.endpoint,
                parts.record_requests,
            )),
        })
    }

    /// Resumes a session saved by [`save`](Self::save):
    /// the user, the token cache and the cookies, for the wiki of
    /// `builder`. Makes no request: a resumed session does not log in. If
    /// the wiki has forgotten the session meanwhile and the builder has
    /// [`credentials`](ClientBuilder::credentials), the next call logs in
    /// again by itself.
    ///
    /// Fails, without a half-restored client, when the file is unreadable,
    /// readable by other users, truncated or corrupt, of an unknown
    /// version, or saved for another wiki.
    ///
    /// ```no_run
    /// use mw_transport::{Client, Password};
    /// # async fn demo() -> mw_transport::Result<()> {
    /// let builder = Client::builder("https://test.wikipedia.org/w/api.php")
    ///     .user_agent("MyBot/1.0 (https://example.org/mybot; mybot@example.org)")
    ///     .credentials("MyBot@tool", Password::new("0123456789abcdefghijklmnopqrstuv"));
    /// let client = Client::restore("session.json", builder)?;
    /// println!("resumed as {:?}", client.user());
    /// # Ok(()) }
    /// ```
    pub fn restore(path: impl AsRef<Path>, builder: ClientBuilder) -> Result<Client> {
        let path = path.as_ref();
        let parts = builder.validate()?;
        let saved = persist::load(path, &parts.endpoint)?;
        let session =
            Session::from_snapshot(saved.snapshot, parts.config.clone()).map_err(|e| {
                Error::session_file(path, crate::SessionFileProblem::Corrupt(e.to_string()))
            })?;
        Client::from_parts(parts, session, Jar::from_saved(saved.cookies))
    }

    /// Writes the session (user, token cache, cookies) to `path`, to
    /// [`restore`](Self::restore) it later. The file is written atomically
    /// (a temporary file in the same directory, mode 0600, synced, then
    /// renamed over `path`). Save while no operation is running, so that
    /// the cookies and the session match.
    pub async fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let snapshot = self.shared.lock().session.snapshot();
        let cookies = self.shared.jar.saved();
        let path = path.as_ref().to_path_buf();
        let bytes = persist::encode(&snapshot, &cookies)
            .map_err(|e| Error::session_file(&path, crate::SessionFileProblem::Corrupt(e)))?;
        let handle = Handle::try_current().map_err(|_| Error::NoRuntime)?;
        let target = path.clone();
        handle
            .spawn_blocking(move || persist::write_atomic(&target, &bytes))
            .await
            .map_err(|_| Error::NoRuntime)?
            .map_err(|e| Error::session_file(&path, crate::SessionFileProblem::Unwritable(e)))
    }

    /// The wiki's `api.php` URL.
    pub fn endpoint(&self) -> &Url {
        &self.shared.endpoint
    }

    /// The logged-in user, if any.
    pub fn user(&self) -> Option<User> {
        self.shared.lock().session.user().cloned()
    }

    /// Logs in with `action=login`: a bot password (`User@App`), or a main
    /// account (which works with a deprecation warning; prefer
    /// [`client_login`](Self::client_login)). The credentials stay in
    /// memory to log in again if the wiki forgets the session.
    ///
    /// ```no_run
    /// # async fn demo(client: mw_transport::Client) -> mw_transport::Result<()> {
    /// let user = client.login("MyBot@tool", mw_transport::Password::new("0123456789abcdefghijklmnopqrstuv")).await?;
    /// println!("logged in as {} (id {:?})", user.name, user.id);
    /// # Ok(()) }
    /// ```
    pub async fn login(&self, username: &str, password: Password) -> Result<WithWarnings<User>> {
        finished(self.run(|s| Ok(s.login(username, password))).await?)
    }

    /// Logs in a main account with `action=clientlogin`. `return_url` must
    /// be absolute; it only matters for `REDIRECT` flows.
    ///
    /// ```no_run
    /// use mw_transport::{ClientLoginOutcome, Password};
    /// # async fn demo(client: mw_transport::Client) -> mw_transport::Result<()> {
    /// let step = client
    ///     .client_login("Alice", Password::new("a long password"), "https://example.org/")
    ///     .await?;
    /// match step.into_value() {
    ///     ClientLoginOutcome::LoggedIn(user) => println!("hello {}", user.name),
    ///     ClientLoginOutcome::NeedsInput(more) => {
    ///         // e.g. a second factor: ask the user, then continue.
    ///         println!("the wiki asks for {:?}", more.fields().map(|f| &f.name).collect::<Vec<_>>());
    ///         let code = "123456".to_owned();
    ///         client.client_login_continue(vec![("OATHToken".into(), code)]).await?;
    ///     }
    ///     _ => {}
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn client_login(
        &self,
        username: &str,
        password: Password,
        return_url: &str,
    ) -> Result<WithWarnings<ClientLoginOutcome>> {
        let done = self
            .run(|s| Ok(s.client_login(username, password, return_url)))
            .await?;
        finished(done)
    }

    /// Continues a client login with the fields the previous step asked
    /// for (sent as secrets, in the POST body). A refused second-factor
    /// code is [`mw_protocol::Error::SecondFactor`] (inside
    /// [`Error::Protocol`](crate::Error::Protocol)); the login is still
    /// pending, so continue again with a new code.
    pub async fn client_login_continue(
        &self,
        fields: Vec<(String, String)>,
    ) -> Result<WithWarnings<ClientLoginOutcome>> {
        finished(self.run(|s| Ok(s.client_login_continue(fields))).await?)
    }

    /// A token of any type, from the cache or with one request (shared by
    /// every caller that needs a missing type at the same time).
    ///
    /// ```no_run
    /// # async fn demo(client: mw_transport::Client) -> mw_transport::Result<()> {
    /// let csrf = client.token(mw_transport::TokenType::CSRF).await?;
    /// let watch = client.token("watch".parse()?).await?;
    /// # let _ = (csrf, watch); Ok(()) }
    /// ```
    pub async fn token(&self, ty: TokenType) -> Result<WithWarnings<Token>> {
        finished(self.run(|s| Ok(s.token(ty))).await?)
    }

    /// Gets tokens of several types at once: those not cached come from a
    /// single `meta=tokens` request (`type=a|b|…`). The result is in the
    /// order asked; warnings are merged without duplicates.
    ///
    /// ```no_run
    /// use mw_transport::TokenType;
    /// # async fn demo(client: mw_transport::Client) -> mw_transport::Result<()> {
    /// let tokens = client.tokens(&[TokenType::CSRF, TokenType::WATCH]).await?;
    /// for (ty, token) in tokens.iter() {
    ///     println!("{ty}: {token}"); // Display is redacted
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn tokens(
        &self,
        types: &[TokenType],
    ) -> Result<WithWarnings<Vec<(TokenType, Token)>>> {
        let done = self
            .run_many(|s| Ok(types.iter().map(|ty| s.token(ty.clone())).collect()))
            .await?;
        let mut tokens = Vec::with_capacity(types.len());
        let mut warnings: Vec<Warning> = Vec::new();
        for (ty, completion) in types.iter().zip(done) {
            let token = finished(completion)?;
            for w in token.warnings {
                if !warnings.contains(&w) {
                    warnings.push(w);
                }
            }
            tokens.push((ty.clone(), token.value));
        }
        Ok(WithWarnings::new(tokens, warnings))
    }

    /// Checks a token with `action=checktoken` (optionally no older than
    /// `max_age_secs`).
    ///
    /// ```no_run
    /// use mw_transport::{TokenType, TokenValidity};
    /// # async fn demo(client: mw_transport::Client) -> mw_transport::Result<()> {
    /// let csrf = client.token(TokenType::CSRF).await?;
    /// let check = client.check_token(TokenType::CSRF, &csrf, Some(3600)).await?;
    /// assert_eq!(check.result, TokenValidity::Valid);
    /// # Ok(()) }
    /// ```
    pub async fn check_token(
        &self,
        ty: TokenType,
        token: &Token,
        max_age_secs: Option<u64>,
    ) -> Result<WithWarnings<TokenCheck>> {
        let token = token.clone();
        let done = self
            .run(|s| Ok(s.check_token(ty, token, max_age_secs)))
            .await?;
        finished(done)
    }

    /// Calls any module. With [`ActionCall::with_token`], the token comes
    /// from the cache and a `badtoken` answer is cured once with a fresh
    /// token.
    ///
    /// ```no_run
    /// use mw_transport::{ActionCall, ActionRequest};
    /// # async fn demo(client: mw_transport::Client) -> mw_transport::Result<()> {
    /// let info = client
    ///     .call(ActionCall::new(ActionRequest::get("query").param("meta", "userinfo")))
    ///     .await?;
    /// println!("{}", info.get(&["query", "userinfo", "name"]).unwrap_or(&serde_json::Value::Null));
    /// # Ok(()) }
    /// ```
    pub async fn call(&self, call: ActionCall) -> Result<Response> {
        let done = self.run(|s| Ok(s.call(call))).await?;
        response(done)
    }

    /// Logs out (`action=logout`, a POST with a csrf token) and forgets the
    /// user, the credentials and the token cache.
    pub async fn logout(&self) -> Result<WithWarnings<LogoutOutcome>> {
        finished(self.run(|s| Ok(s.logout())).await?)
    }

    /// A wiki of the same CentralAuth single sign-on (say, Commons for a
    /// session on Wikipedia). Each of its calls is authenticated by a
    /// fresh `centralauthtoken` from this wiki, which CentralAuth gives
    /// only to a main-account login ([`client_login`](Self::client_login)):
    /// after a bot-password login the calls fail with
    /// [`mw_protocol::Error::CentralAuthSession`].
    ///
    /// ```no_run
    /// use mw_transport::{ActionCall, ActionRequest};
    /// # async fn demo(client: mw_transport::Client) -> mw_transport::Result<()> {
    /// let commons = client.foreign("https://commons.wikimedia.org/w/api.php")?;
    /// let me = commons
    ///     .call(ActionCall::new(ActionRequest::get("query").param("meta", "userinfo")))
    ///     .await?;
    /// # let _ = me; Ok(()) }
    /// ```
    pub fn foreign(&self, api_url: &str) -> Result<ForeignWiki> {
        let endpoint = mw_protocol::request::parse_endpoint(api_url)?;
        Ok(ForeignWiki {
            client: self.clone(),
            endpoint,
        })
    }
}

/// A finished operation's value with its warnings, or its error.
fn finished<T>(done: Completed<T>) -> Result<WithWarnings<T>> {
    Ok(WithWarnings::new(done.result?, done.warnings))
}

fn response(done: Completed<mw_protocol::Envelope>) -> Result<Response> {
    Ok(Response {
        envelope: done.result?,
        warnings: done.warnings,
    })
}

/// A wiki of the same CentralAuth single sign-on as the client's, called
/// with a fresh, single-use `centralauthtoken` per request (the one token
/// that travels in a URL, as CentralAuth requires). Made by
/// [`Client::foreign`].
#[derive(Debug, Clone)]
pub struct ForeignWiki {
    client: Client,
    endpoint: Url,
}

impl ForeignWiki {
    /// The foreign wiki's `api.php` URL.
    pub fn endpoint(&self) -> &Url {
        &self.endpoint
    }

    /// Calls a module on the foreign wiki. With a token type, the token is
    /// fetched on the foreign wiki first (with its own `centralauthtoken`).
    pub async fn call(&self, call: ActionCall) -> Result<Response> {
        let url = self.endpoint.as_str();
        let done = self.client.run(|s| Ok(s.foreign(url)?.call(call))).await?;
        response(done)
    }
}

#[cfg(test)]
mod tests;
