//! The AuthManager commands of a [`Session`]: `clientlogin` and account
//! creation.

use super::{ClientLoginOutcome, CreateAccountOutcome, Op, Session, flows};
use crate::Password;

impl Session {
    /// Logs in with `action=clientlogin` (main accounts). A `PASS` ends in
    /// [`ClientLoginOutcome::LoggedIn`]; `UI`/`REDIRECT`/`RESTART` in
    /// [`ClientLoginOutcome::NeedsInput`], to continue with
    /// [`client_login_continue`](Self::client_login_continue); `FAIL` in
    /// [`Error::Login`](crate::Error::Login).
    ///
    /// A `FAIL` `wrongpassword` may mean that the wiki wanted a login
    /// captcha (ConfirmEdit, after failed logins), which it lists only in
    /// `meta=authmanagerinfo`: the session then asks that once, and when
    /// it lists a captcha the login ends in
    /// [`ClientLoginOutcome::NeedsInput`] with it
    /// ([`AuthStep::captcha`](crate::actions::auth_step::AuthStep::captcha);
    /// the step's `message_code` stays `wrongpassword`, as the wiki does
    /// not say whether the password or the captcha failed). The name and
    /// password are kept in memory (never in a snapshot) for the
    /// continuation. A login that passes asks nothing more.
    pub fn client_login(
        &mut self,
        username: &str,
        password: Password,
        return_url: &str,
    ) -> Op<ClientLoginOutcome> {
        let flow = flows::ClientLogin::start(username, password, return_url);
        self.command(Box::new(flow))
    }

    /// Continues a client login with the fields the previous step asked
    /// for (`OATHToken` for a second factor). A refused code ends in
    /// [`Error::SecondFactor`](crate::Error::SecondFactor); the login is
    /// still pending on the wiki, so continue again with another code.
    ///
    /// After a login captcha (`captchaWord`; the captcha's hidden
    /// `captchaId` is added by itself), a fresh `clientlogin` is sent with
    /// the kept name and password and the answer, not `logincontinue`. A
    /// wrong answer (or a wrong password) ends in `NeedsInput` again with
    /// a fresh captcha: one login per call, never a loop.
    pub fn client_login_continue(
        &mut self,
        fields: Vec<(String, String)>,
    ) -> Op<ClientLoginOutcome> {
        self.command(Box::new(flows::ClientLogin::continue_with(fields)))
    }

    /// Creates an account with `action=createaccount` (AuthManager):
    /// asks the wiki which fields a creation needs
    /// (`meta=authmanagerinfo&amirequestsfor=create`), then, with a
    /// `createaccount` token, sends the name, the password (twice, as
    /// `password` and `retype`) and `fields` (`email`, `realname`, a
    /// captcha's `captchaWord`, …; the captcha's hidden id is added
    /// by itself). `return_url` must be absolute.
    ///
    /// A `PASS` ends in [`CreateAccountOutcome::Created`] (the session is
    /// not logged in to the new account); a wiki that wants more (a
    /// captcha) in [`CreateAccountOutcome::NeedsInput`], to continue with
    /// [`create_account_continue`](Self::create_account_continue); `FAIL`
    /// in [`Error::CreateAccount`](crate::Error::CreateAccount).
    ///
    /// ```
    /// use std::time::Instant;
    /// use mw_protocol::{Config, CreateAccountOutcome, Password, Session};
    /// let mut s = Session::new("https://w.example/w/api.php", Config::new("Doc/1.0 (doc@example.org)"))?;
    /// let op = s.create_account("alice", Password::new("a long password"), "https://w.example/", vec![]);
    /// let mut sent = Vec::new();
    /// let done = loop {
    ///     while let Some(t) = s.poll_transmit() {
    ///         let url = t.request.uri().to_string();
    ///         let body = if url.contains("authmanagerinfo") {
    ///             r#"{"query":{"authmanagerinfo":{"cancreateaccounts":true,"requests":[]}}}"#
    ///         } else if url.contains("meta=tokens") {
    ///             r#"{"query":{"tokens":{"createaccounttoken":"0123456789abcdef0123456789abcdef01234567+\\"}}}"#
    ///         } else {
    ///             r#"{"createaccount":{"status":"PASS","username":"Alice"}}"#
    ///         };
    ///         sent.push(url);
    ///         s.handle_response(t.id, http::Response::new(body.into()), Instant::now());
    ///     }
    ///     if let Some(done) = s.take(op) { break done; }
    /// };
    /// assert_eq!(done.result?, CreateAccountOutcome::Created { username: "Alice".into() });
    /// assert_eq!(sent.len(), 3); // authmanagerinfo, the token, the creation
    /// assert!(sent.iter().all(|u| !u.contains("long")));
    /// # Ok::<(), mw_protocol::Error>(())
    /// ```
    pub fn create_account(
        &mut self,
        username: &str,
        password: Password,
        return_url: &str,
        fields: Vec<(String, String)>,
    ) -> Op<CreateAccountOutcome> {
        let flow = flows::CreateAccount::start(username, password, return_url, fields);
        self.command(Box::new(flow))
    }

    /// Continues an account creation with the fields its
    /// [`NeedsInput`](CreateAccountOutcome::NeedsInput) step asked for
    /// (a captcha's answer as `captchaWord`): a creation that stopped
    /// before it was sent is sent now with them; one the wiki answered
    /// with a `UI` step goes on with `createcontinue=1`.
    pub fn create_account_continue(
        &mut self,
        fields: Vec<(String, String)>,
    ) -> Op<CreateAccountOutcome> {
        self.command(Box::new(flows::CreateAccount::continue_with(fields)))
    }
}
