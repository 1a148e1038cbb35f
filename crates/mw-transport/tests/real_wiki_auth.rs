//! AuthManager flows against real MediaWiki 1.39 wikis (from
//! `scripts/test-wiki.sh`, started by `tests/wiki/run.sh`):
//!
//! * `MW_TEST_ENV_OATH`: OATHAuth (`tests/wiki/oath.php`, enrolled by
//!   `oath-setup.sh`): two-factor `clientlogin` with RFC 6238 codes;
//! * `MW_TEST_ENV`: `createaccount` (success, a taken name, the password
//!   policy);
//! * `MW_TEST_ENV_THROTTLE`: `$wgAccountCreationThrottle` (`accountthrottle.php`);
//! * `MW_TEST_ENV_CAPTCHA`: ConfirmEdit's QuestyCaptcha on account
//!   creation (`captcha.php`).
//!
//! Without the variables the tests FAIL (set `MW_SKIP_REAL_WIKI=1` to
//! skip them on purpose). Each test checks the wiki's own state
//! (`meta=userinfo`, `list=users`), not only the client's answer.

use mw_test_support::totp;
use mw_transport::mw_protocol::Error as ProtocolError;
use mw_transport::mw_protocol::actions::auth_step::{CAPTCHA_ANSWER_FIELD, TWO_FACTOR_FIELD};
use mw_transport::{Client, ClientLoginOutcome, CreateAccountOutcome, Error, Password};

#[macro_use]
mod live;
use live::{RETURN_URL, Wiki, account_exists, client, unique, wiki, wiki_user};

async fn start_two_factor(w: &Wiki, c: &Client) {
    let step = c
        .client_login(
            w.get("MW_OATH_USER"),
            Password::new(w.get("MW_OATH_PASSWORD")),
            RETURN_URL,
        )
        .await
        .expect("clientlogin")
        .into_value();
    match step {
        ClientLoginOutcome::NeedsInput(step) => {
            assert!(step.asks_for_two_factor(), "{step:?}");
            assert_eq!(step.message_code.as_deref(), Some("oathauth-auth-ui"));
            let field = step.field(TWO_FACTOR_FIELD).expect("OATHToken");
            assert!(field.label.is_some());
        }
        other => panic!("the password alone logged in: {other:?}"),
    }
    assert!(
        wiki_user(c).await.starts_with("127.0.0.1"),
        "not logged in yet"
    );
}

fn refused(e: Error) -> Option<String> {
    match e {
        Error::Protocol(ProtocolError::SecondFactor { code, .. }) => code,
        other => panic!("not a refused second factor: {other:?}"),
    }
}

#[tokio::test]
async fn two_factor_login_with_a_computed_code() {
    let w = wiki!("MW_TEST_ENV_OATH");
    let c = client(&w);
    start_two_factor(&w, &c).await;
    let turn = totp::fresh_code(w.get("MW_OATH_SECRET"), &w.dir());
    let done = c
        .client_login_continue(vec![(TWO_FACTOR_FIELD.into(), turn.code.clone())])
        .await
        .expect("continue")
        .into_value();
    assert!(
        matches!(done, ClientLoginOutcome::LoggedIn(ref u) if u.name == w.get("MW_OATH_USER")),
        "{done:?}"
    );
    assert_eq!(wiki_user(&c).await, w.get("MW_OATH_USER"));
}

#[tokio::test]
async fn a_wrong_code_is_refused_and_the_login_can_be_retried() {
    let w = wiki!("MW_TEST_ENV_OATH");
    let c = client(&w);
    start_two_factor(&w, &c).await;
    let err = c
        .client_login_continue(vec![(TWO_FACTOR_FIELD.into(), "000000".into())])
        .await
        .expect_err("a wrong code");
    assert!(!err.to_string().contains("000000"), "{err}");
    assert_eq!(refused(err).as_deref(), Some("oathauth-login-failed"));
    assert!(wiki_user(&c).await.starts_with("127.0.0.1"));
    // The same pending login, with a good code.
    let turn = totp::fresh_code(w.get("MW_OATH_SECRET"), &w.dir());
    let done = c
        .client_login_continue(vec![(TWO_FACTOR_FIELD.into(), turn.code.clone())])
        .await
        .expect("retry")
        .into_value();
    assert!(matches!(done, ClientLoginOutcome::LoggedIn(_)), "{done:?}");
    assert_eq!(wiki_user(&c).await, w.get("MW_OATH_USER"));
}

#[tokio::test]
async fn a_code_from_an_expired_window_is_refused() {
    let w = wiki!("MW_TEST_ENV_OATH");
    let c = client(&w);
    start_two_factor(&w, &c).await;
    let err = c
        .client_login_continue(vec![(
            TWO_FACTOR_FIELD.into(),
            totp::expired_code(w.get("MW_OATH_SECRET")),
        )])
        .await
        .expect_err("an expired code");
    assert_eq!(refused(err).as_deref(), Some("oathauth-login-failed"));
    assert!(wiki_user(&c).await.starts_with("127.0.0.1"));
}

#[tokio::test]
async fn a_bot_password_logs_in_without_the_second_factor() {
    let w = wiki!("MW_TEST_ENV_OATH");
    // The bot password of MW_MAIN_USER; enroll-free by design: MediaWiki
    // never asks a bot password for a second factor.
    let c = client(&w);
    let user = c
        .login(
            w.get("MW_BOT_USER"),
            Password::new(w.get("MW_BOT_PASSWORD")),
        )
        .await
        .expect("bot password login")
        .into_value();
    assert_eq!(user.name, w.get("MW_MAIN_USER"));
    assert_eq!(wiki_user(&c).await, w.get("MW_MAIN_USER"));
}

#[tokio::test]
async fn create_an_account() {
    let w = wiki!("MW_TEST_ENV");
    let c = client(&w);
    let name = unique("Created");
    assert!(!account_exists(&c, &name).await);
    let password = format!("{name}-not-common-9!x");
    let done = c
        .create_account(&name, Password::new(password.clone()), RETURN_URL, vec![])
        .await
        .expect("createaccount")
        .into_value();
    assert_eq!(
        done,
        CreateAccountOutcome::Created {
            username: name.clone()
        }
    );
    assert!(account_exists(&c, &name).await, "list=users shows {name}");
    assert!(
        wiki_user(&c).await.starts_with("127.0.0.1"),
        "not logged in"
    );
    // And the new account logs in.
    let login = c
        .client_login(&name, Password::new(password), RETURN_URL)
        .await
        .expect("clientlogin")
        .into_value();
    assert!(
        matches!(login, ClientLoginOutcome::LoggedIn(_)),
        "{login:?}"
    );
}

fn create_failure(e: Error) -> Option<String> {
    match e {
        Error::Protocol(ProtocolError::CreateAccount { code, .. }) => code,
        other => panic!("not a createaccount FAIL: {other:?}"),
    }
}

#[tokio::test]
async fn create_account_refusals_are_typed() {
    let w = wiki!("MW_TEST_ENV");
    let c = client(&w);
    let taken = w.get("MW_MAIN_USER");
    let err = c
        .create_account(
            taken,
            Password::new("Some-long-unique-pass-771"),
            RETURN_URL,
            vec![],
        )
        .await
        .expect_err("a taken name");
    assert_eq!(create_failure(err).as_deref(), Some("userexists"));

    let name = unique("Weak");
    let err = c
        .create_account(&name, Password::new("password"), RETURN_URL, vec![])
        .await
        .expect_err("a common password");
    assert!(!err.to_string().contains("password\""), "{err}");
    assert_eq!(create_failure(err).as_deref(), Some("passwordincommonlist"));
    let err = c
        .create_account(&name, Password::new(name.clone()), RETURN_URL, vec![])
        .await
        .expect_err("the name as password");
    assert_eq!(
        create_failure(err).as_deref(),
        Some("password-substring-username-match")
    );
    assert!(!account_exists(&c, &name).await, "no account was made");
}

#[tokio::test]
async fn the_account_creation_throttle() {
    let w = wiki!("MW_TEST_ENV_THROTTLE");
    let c = client(&w);
    // At most 2 a day from 127.0.0.1; earlier runs (Python, the CLI) may
    // have used them.
    let mut last = None;
    for _ in 0..3 {
        let name = unique("Throttled");
        match c
            .create_account(
                &name,
                Password::new(format!("{name}-long-9x")),
                RETURN_URL,
                vec![],
            )
            .await
        {
            Ok(done) => {
                assert!(account_exists(&c, &name).await);
                last = Some(Ok(done.into_value()));
            }
            Err(e) => {
                assert!(!account_exists(&c, &name).await);
                last = Some(Err(create_failure(e)));
                break;
            }
        }
    }
    assert_eq!(
        last,
        Some(Err(Some("acct_creation_throttle_hit".to_owned()))),
        "the third creation is refused"
    );
}

#[tokio::test]
async fn create_account_with_the_captcha() {
    let w = wiki!("MW_TEST_ENV_CAPTCHA");
    let c = client(&w);
    let name = unique("Captcha");
    let password = Password::new(format!("{name}-long-9x"));
    let step = match c
        .create_account(&name, password.clone(), RETURN_URL, vec![])
        .await
        .expect("createaccount")
        .into_value()
    {
        CreateAccountOutcome::NeedsInput(step) => step,
        other => panic!("no captcha asked: {other:?}"),
    };
    let captcha = step.captcha().expect("a captcha");
    assert_eq!(captcha.info.as_deref(), Some(w.get("MW_CAPTCHA_QUESTION")));
    assert!(step.inputs().any(|f| f.name == CAPTCHA_ANSWER_FIELD));
    assert!(!account_exists(&c, &name).await, "nothing created yet");

    // A wrong answer: the wiki's FAIL.
    let err = c
        .create_account_continue(vec![(CAPTCHA_ANSWER_FIELD.into(), "wrong".into())])
        .await
        .expect_err("a wrong answer");
    assert_eq!(
        create_failure(err).as_deref(),
        Some("captcha-createaccount-fail")
    );
    assert!(!account_exists(&c, &name).await);

    // Start again (a captcha is used once), with the right answer.
    let again = c
        .create_account(&name, password, RETURN_URL, vec![])
        .await
        .expect("createaccount")
        .into_value();
    assert!(matches!(again, CreateAccountOutcome::NeedsInput(ref s) if s.captcha().is_some()));
    let done = c
        .create_account_continue(vec![(
            CAPTCHA_ANSWER_FIELD.into(),
            w.get("MW_CAPTCHA_ANSWER").into(),
        )])
        .await
        .expect("createaccount with the answer")
        .into_value();
    assert_eq!(
        done,
        CreateAccountOutcome::Created {
            username: name.clone()
        }
    );
    assert!(account_exists(&c, &name).await);
}
