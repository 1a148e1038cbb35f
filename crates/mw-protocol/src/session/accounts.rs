//! The account-creation commands of a [`Session`].

use super::{CreateAccountOutcome, Op, Session, flows};
use crate::Password;

impl Session {
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
