//! `action=login` (bot passwords; main accounts with a deprecation warning).

use serde::Deserialize;

use crate::response::scan::{Res, Scan};
use crate::response::scan_read::{FromScan, number, small_u64};
use crate::response::wire::{Kept, Object, Scalar};
use crate::response::word::{Word, Words};
use crate::response::{Envelope, Reply};
use crate::{ActionRequest, Error, Password, Token, Warning};

use super::{Module, message_text, required};

/// `action=login` as a POST: `lgname`, then `lgpassword`, then `lgtoken`
/// last. Without a token, MediaWiki answers `NeedToken` (the two-step flow
/// of wikis before 1.27, which had no login token in `meta=tokens`).
///
/// ```
/// use mw_protocol::{actions::login, Password, Token};
/// let req = login::request("Bot@app", &Password::new("secret"), Some(&Token::new("t+\\")));
/// let http = req.to_http(&"https://w.example/w/api.php".parse().unwrap(), "demo/1.0")?;
/// let body = std::str::from_utf8(http.body()).unwrap();
/// assert!(body.ends_with("&lgname=Bot%40app&lgpassword=secret&lgtoken=t%2B%5C"));
/// assert!(!http.uri().to_string().contains("secret"));
/// # Ok::<(), mw_protocol::Error>(())
/// ```
pub fn request(username: &str, password: &Password, token: Option<&Token>) -> ActionRequest {
    // A login changes nothing a second attempt could double: it may be
    // sent again when the connection failed before the answer.
    let req = ActionRequest::post("login")
        .param("lgname", username)
        .password("lgpassword", password.clone())
        .repeatable();
    match token {
        Some(t) => req.token("lgtoken", t.clone()),
        None => req,
    }
}

/// A login response that is not a failure.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum LoginResponse {
    /// Logged in.
    Success {
        /// The user id (`lguserid`).
        user_id: Option<u64>,
        /// The canonical user name (`lgusername`).
        username: String,
    },
    /// Send the login again with this token: when no token was sent; up to
    /// 1.26 whenever the session holds no login token (even if one was
    /// sent); on 1.28–1.34 on a new session (cookies lost). 1.35+ answer a
    /// new session that sent a token with `Failed` (`sessionlost`) instead.
    NeedToken {
        /// The token to send, when the server gave one.
        token: Option<Token>,
    },
}

/// Reads `login.result`. Every result other than `Success` and `NeedToken`
/// (`WrongToken`, `Failed`, `Aborted`, and before 1.28 `NoName`,
/// `Illegal`, `NotExists`, `WrongPass`, `WrongPluginPass`, `EmptyPass`,
/// `Throttled`, `Blocked`, `CreateBlocked`) is an [`Error::Login`] with
/// the server's reason and `wait`.
pub fn parse(env: &Envelope<impl AsRef<str>>) -> Result<LoginResponse, Error> {
    Login::parse(env)
}

/// [`parse`] straight from the response, in one pass (what a
/// [`Session`](crate::Session) does).
pub fn parse_response(response: &http::Response<Vec<u8>>) -> Result<Reply<LoginResponse>, Error> {
    Login::parse_response(response)
}

/// The parser of `login`.
pub(crate) struct Login;

impl Module for Login {
    const KEY: &'static str = "login";
    type Member = Object<Box<Fields>>;
    type Output = LoginResponse;

    fn finish(obj: Object<Box<Fields>>, _: &[Warning]) -> Result<LoginResponse, Error> {
        finish(obj)
    }
}

fn finish(obj: Object<Box<Fields>>) -> Result<LoginResponse, Error> {
    // Moved out of the box member by member (not copied out whole).
    let Fields {
        result,
        lguserid,
        lgusername,
        token,
        reason,
        wait,
    } = *required(obj, "login")?;
    match &*result.required_str("result")? {
        "Success" => Ok(LoginResponse::Success {
            user_id: lguserid.0,
            username: lgusername.into_string().unwrap_or_default(),
        }),
        "NeedToken" => Ok(LoginResponse::NeedToken {
            token: token.into_string().map(Token::new),
        }),
        other => Err(Error::Login {
            result: other.to_owned(),
            reason: reason.0.as_ref().and_then(message_text),
            wait: wait.as_u64(),
        }),
    }
}

/// The members of `login` the parser reads.
#[derive(Deserialize, Default)]
#[cfg_attr(test, derive(Debug, PartialEq))]
pub(crate) struct Fields {
    #[serde(default)]
    result: Word<Results>,
    #[serde(default)]
    lguserid: UserId,
    #[serde(default)]
    lgusername: Scalar,
    #[serde(default)]
    token: Scalar,
    #[serde(default)]
    reason: Kept,
    #[serde(default)]
    wait: Scalar,
}

/// `lguserid` as [`Scalar::number_u64`] reads it: a non-negative integer
/// (not a string of one), read without building a number when it is a
/// few digits.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct UserId(Option<u64>);

impl<'de> Deserialize<'de> for UserId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Scalar::deserialize(d).map(|v| UserId(v.number_u64()))
    }
}

impl FromScan for UserId {
    fn scan(s: &mut Scan<'_>) -> Res<Self> {
        if !s.peek()?.is_ascii_digit() {
            return Scalar::scan(s).map(|v| UserId(v.number_u64()));
        }
        let text = s.span()?;
        match small_u64(text) {
            Some(n) => Ok(UserId(Some(n))),
            None => number(text).map(|n| UserId(n.as_u64())),
        }
    }
}

/// The results [`parse`] reads (the others are failures).
pub(crate) struct Results;

impl Words for Results {
    const ALL: &'static [&'static str] = &["Success", "NeedToken"];
}

// The envelope pass keeps it boxed, read straight into its box.
crate::response::scan_read::boxed_from_scan!(Fields {
    "result" => result,
    "lguserid" => lguserid,
    "lgusername" => lgusername,
    "token" => token,
    "reason" => reason,
    "wait" => wait,
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_members_read_as_serde_reads_them() {
        for login in [
            r#"{"result":"Success","lguserid":3,"lgusername":"TestBot"}"#,
            r#"{"result":"NeedToken","token":"a+\\"}"#,
            r#"{"result":"Failed","reason":{"code":"x","text":"y"},"wait":"5"}"#,
            r#"{"result":"Su\u0063cess","lguserid":-1,"lgusername":"\u00e9"}"#,
            r#"{"result":"Success","result":"x"}"#,
            r#"{"result":7,"lguserid":1e400,"reason":"r","other":[1]}"#,
            r#"{"lguserid":0,"lgusername":null,"token":1}"#,
            r#"{"lguserid":123456789012345678}"#,
            r#"{"lguserid":1234567890123456789}"#,
            r#"{"lguserid":18446744073709551615}"#,
            r#"{"lguserid":18446744073709551616}"#,
            r#"{"lguserid":"3"}"#,
            r#"{"lguserid":-0}"#,
            r#"{"lguserid":3.0}"#,
            r#"{"lguserid":3e2}"#,
            r#"{"lguserid":01}"#,
            r#"{"lguserid":[3]}"#,
            r#"{"lguserid":true}"#,
            r#"{}"#,
        ] {
            let mut s = Scan::new(login);
            let fast = <Box<Fields>>::scan(&mut s).and_then(|f| s.end().map(|()| f));
            let slow = serde_json::from_str::<Box<Fields>>(login).ok();
            if let Ok(fast) = fast {
                assert_eq!(Some(fast), slow, "{login}");
            }
        }
    }

    #[test]
    fn a_user_id_reads_as_a_scalar_number() {
        for text in [
            "0",
            "3",
            "-0",
            "-3",
            "007",
            "3.0",
            "3e2",
            "1e400",
            "123456789012345678",
            "1234567890123456789",
            "18446744073709551615",
            "18446744073709551616",
            r#""3""#,
            "null",
            "true",
            "[1]",
            r#"{"a":1}"#,
        ] {
            let mut s = Scan::new(text);
            let fast = UserId::scan(&mut s).and_then(|v| s.end().map(|()| v)).ok();
            let slow = serde_json::from_str::<UserId>(text).ok();
            let scalar = serde_json::from_str::<Scalar>(text).ok();
            assert_eq!(slow, scalar.map(|v| UserId(v.number_u64())), "{text}");
            if fast.is_some() {
                assert_eq!(fast, slow, "{text}");
            }
        }
        let mut s = Scan::new("42");
        assert_eq!(UserId::scan(&mut s), Ok(UserId(Some(42))));
    }
}
