//! Account creation (`action=createaccount`) on a [`Client`].

use mw_protocol::{CreateAccountOutcome, Password};

use super::{Client, finished};
use crate::Result;
use crate::outcome::WithWarnings;

impl Client {
    /// Creates an account with `action=createaccount`: asks the wiki which
    /// fields it wants (`meta=authmanagerinfo`), then sends the name, the
    /// password (twice) and `fields` (`email`, `realname`, a captcha's
    /// answer as `captchaWord`) with a `createaccount` token, all secrets
    /// in the POST body. `return_url` must be absolute. The client is not
    /// logged in to the new account afterwards.
    ///
    /// A wiki with a captcha answers [`CreateAccountOutcome::NeedsInput`]
    /// before anything is sent: show [`captcha`](mw_protocol::actions::auth_step::AuthStep::captcha)
    /// and continue with [`create_account_continue`](Self::create_account_continue).
    /// A `FAIL` (a taken name, a password the wiki's policy refuses, the
    /// creation throttle, a wrong captcha) is
    /// [`mw_protocol::Error::CreateAccount`] with the wiki's message code.
    ///
    /// ```no_run
    /// use mw_transport::{CreateAccountOutcome, Password};
    /// # async fn demo(client: mw_transport::Client) -> mw_transport::Result<()> {
    /// let password = Password::new("a long, uncommon password");
    /// match client.create_account("Alice", password, "https://example.org/", vec![]).await?.into_value() {
    ///     CreateAccountOutcome::Created { username } => println!("created {username}"),
    ///     CreateAccountOutcome::NeedsInput(step) => {
    ///         if let Some(captcha) = step.captcha() {
    ///             println!("{}", captcha.info.unwrap_or_default());
    ///             let answer = "the answer".to_owned();
    ///             client.create_account_continue(vec![("captchaWord".into(), answer)]).await?;
    ///         }
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn create_account(
        &self,
        username: &str,
        password: Password,
        return_url: &str,
        fields: Vec<(String, String)>,
    ) -> Result<WithWarnings<CreateAccountOutcome>> {
        let done = self
            .run(|s| Ok(s.create_account(username, password, return_url, fields)))
            .await?;
        finished(done)
    }

    /// Continues an account creation with the fields its `NeedsInput` step
    /// asked for (a captcha's answer as `captchaWord`; its id is added by
    /// itself).
    pub async fn create_account_continue(
        &self,
        fields: Vec<(String, String)>,
    ) -> Result<WithWarnings<CreateAccountOutcome>> {
        finished(self.run(|s| Ok(s.create_account_continue(fields))).await?)
    }
}
