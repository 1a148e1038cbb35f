//! Decoding a response into an [`Envelope`] or an [`Error`], straight from
//! the body bytes: only the members every response shares (errors,
//! warnings, `servedby`, `requestid`) are read, in bounded number and size;
//! the rest is skipped without being built, for the module parsers to read
//! typed from the same bytes.

use std::sync::OnceLock;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::Warning;
use super::body_check::{as_text, into_text};
use super::reply::{Reader, bad_body, no_member, read_member, read_text};
use super::shared::{self, Member, Nothing};
use crate::Error;

/// The body of a successful API response, with its warnings.
///
/// The body is kept as the bytes the server sent: the module parsers read
/// what they need from them typed ([`read`](Self::read)), and the generic
/// JSON tree of [`body`](Self::body) is only built when someone asks.
///
/// `B` holds the body's text: an `Envelope` owns it (a `String`, what
/// [`parse_envelope`] and [`take_envelope`] give and a
/// [`Session`](crate::Session)'s `call` returns); an `Envelope<&str>`
/// borrows it from the response ([`borrow_envelope`]), for a parse whose
/// typed result is all that is kept.
#[non_exhaustive]
pub struct Envelope<B = String> {
    /// The body, checked to be UTF-8 once (serde_json does not check the
    /// strings it skips), so that every pass reads it as a `&str`.
    raw: B,
    value: OnceLock<Value>,
    /// Every warning, one per message, in order (at most 64 messages are
    /// kept).
    pub warnings: Vec<Warning>,
    /// The `servedby` host, when the wiki shows host names.
    pub servedby: Option<String>,
    /// The echoed `requestid`.
    pub requestid: Option<String>,
}

impl<B: AsRef<str> + Clone> Clone for Envelope<B> {
    fn clone(&self) -> Self {
        Envelope {
            raw: self.raw.clone(),
            value: self.value.clone(),
            warnings: self.warnings.clone(),
            servedby: self.servedby.clone(),
            requestid: self.requestid.clone(),
        }
    }
}

impl<B: AsRef<str>, C: AsRef<str>> PartialEq<Envelope<C>> for Envelope<B> {
    fn eq(&self, other: &Envelope<C>) -> bool {
        self.raw.as_ref() == other.raw.as_ref()
            && self.warnings == other.warnings
            && self.servedby == other.servedby
            && self.requestid == other.requestid
    }
}

impl<B: AsRef<str>> std::fmt::Debug for Envelope<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Envelope")
            .field("body", &format_args!("<{} bytes>", self.raw.as_ref().len()))
            .field("warnings", &self.warnings)
            .field("servedby", &self.servedby)
            .field("requestid", &self.requestid)
            .finish()
    }
}

impl<B: AsRef<str>> Envelope<B> {
    /// The body as the server sent it (a JSON object, or PHP's empty
    /// array `[]` of old logouts).
    pub fn raw(&self) -> &[u8] {
        self.raw.as_ref().as_bytes()
    }

    /// The whole JSON body as a tree, built on the first call (a large
    /// answer costs several times its size as a tree: prefer
    /// [`read`](Self::read) or [`raw`](Self::raw) for those).
    pub fn body(&self) -> &Value {
        self.value.get_or_init(|| {
            // The envelope was read from these bytes: they are JSON.
            serde_json::from_str(self.raw.as_ref()).unwrap_or(Value::Null)
        })
    }

    /// The value at a path of object keys (`["query", "tokens"]`), from
    /// [`body`](Self::body).
    pub fn get(&self, path: &[&str]) -> Option<&Value> {
        path.iter().try_fold(self.body(), |v, k| v.get(*k))
    }

    /// Reads the body typed, straight from its bytes: members `T` does not
    /// name are skipped without being built.
    ///
    /// ```
    /// use mw_protocol::response::parse_envelope;
    /// #[derive(serde::Deserialize)]
    /// struct Edit { edit: EditResult }
    /// #[derive(serde::Deserialize)]
    /// struct EditResult { result: String }
    /// let res = http::Response::new(br#"{"edit":{"result":"Success","pageid":1}}"#.to_vec());
    /// let edit: Edit = parse_envelope(&res)?.read()?;
    /// assert_eq!(edit.edit.result, "Success");
    /// # Ok::<(), mw_protocol::Error>(())
    /// ```
    pub fn read<T: DeserializeOwned>(&self) -> Result<T, Error> {
        self.read_borrowed()
    }

    /// [`read`](Self::read), borrowing from the body where `T` does.
    pub(crate) fn read_borrowed<'a, T: Deserialize<'a>>(&'a self) -> Result<T, Error> {
        serde_json::from_str(self.raw.as_ref()).map_err(malformed)
    }

    /// Reads one top-level member for its parser, from the body (a
    /// second pass: [`Reply`](super::Reply) reads it in the first);
    /// `T::default()` when the body has no such member.
    pub(crate) fn member<T: Member>(&self, name: &'static str) -> Result<T, Error> {
        read_member(self.raw.as_ref(), name)
    }

    /// A parser's result from its member `name`, with the warnings.
    pub(crate) fn parsed<T: Member, U>(
        &self,
        name: &'static str,
        finish: impl FnOnce(T, &[Warning]) -> Result<U, Error>,
    ) -> Result<U, Error> {
        finish(self.member(name)?, &self.warnings)
    }

    /// The envelope with its body owned (without a copy when it was
    /// owned already).
    ///
    /// ```
    /// use mw_protocol::response::borrow_envelope;
    /// let res = http::Response::new(br#"{"batchcomplete":true}"#.to_vec());
    /// let env = borrow_envelope(&res)?.into_owned();
    /// drop(res);
    /// assert_eq!(env.raw(), br#"{"batchcomplete":true}"#);
    /// # Ok::<(), mw_protocol::Error>(())
    /// ```
    pub fn into_owned(self) -> Envelope
    where
        B: Into<String>,
    {
        Envelope {
            raw: self.raw.into(),
            value: self.value,
            warnings: self.warnings,
            servedby: self.servedby,
            requestid: self.requestid,
        }
    }
}

fn malformed(e: serde_json::Error) -> Error {
    Error::Decode(format!("malformed JSON: {e}"))
}

/// Decodes a response: HTTP status, then content, then JSON, then the
/// envelope.
///
/// * An API error, in any format, becomes [`Error::Api`] (with
///   `Retry-After` and the HTTP status).
/// * An HTTP error status without an API error becomes [`Error::Http`].
/// * An empty, truncated, non-JSON or non-object body becomes
///   [`Error::Decode`], with a short description of what was received.
///
/// ```
/// use mw_protocol::response::parse_envelope;
/// let res = http::Response::new(br#"{"batchcomplete":true,"warnings":{"main":{"warnings":"a\nb"}}}"#.to_vec());
/// let env = parse_envelope(&res)?;
/// assert_eq!(env.warnings.len(), 2);
/// let res = http::Response::new(br#"{"error":{"code":"badtoken","info":"Invalid CSRF token."}}"#.to_vec());
/// assert_eq!(parse_envelope(&res).unwrap_err().code(), Some("badtoken"));
/// # Ok::<(), mw_protocol::Error>(())
/// ```
pub fn parse_envelope(response: &http::Response<Vec<u8>>) -> Result<Envelope, Error> {
    parse_body(
        response.status(),
        response.headers(),
        response.body().clone(),
    )
}

/// [`parse_envelope`] taking the response's body (the response is left
/// with an empty one): the body becomes the envelope's without a copy,
/// as in the [`Session`](crate::session::Session), and the status and
/// headers stay with the caller.
///
/// ```
/// use mw_protocol::response::take_envelope;
/// let mut res = http::Response::new(br#"{"batchcomplete":true}"#.to_vec());
/// assert!(take_envelope(&mut res)?.warnings.is_empty());
/// assert!(res.body().is_empty());
/// # Ok::<(), mw_protocol::Error>(())
/// ```
pub fn take_envelope(response: &mut http::Response<Vec<u8>>) -> Result<Envelope, Error> {
    let body = std::mem::take(response.body_mut());
    parse_body(response.status(), response.headers(), body)
}

/// [`parse_envelope`] borrowing the response's body: for a parse whose
/// typed result is all that is kept (the module parsers of
/// [`actions`](crate::actions) read an `Envelope<&str>` as they read an
/// `Envelope`), as the [`Session`](crate::session::Session) does for every
/// operation but `call`.
///
/// ```
/// use mw_protocol::{actions::checktoken, response::borrow_envelope};
/// let res = http::Response::new(br#"{"checktoken":{"result":"valid"}}"#.to_vec());
/// let check = checktoken::parse(&borrow_envelope(&res)?)?;
/// assert_eq!(check.result, checktoken::TokenValidity::Valid);
/// # Ok::<(), mw_protocol::Error>(())
/// ```
pub fn borrow_envelope(response: &http::Response<Vec<u8>>) -> Result<Envelope<&str>, Error> {
    let (status, headers) = (response.status(), response.headers());
    // The member-less answers of a logout are text without a check.
    let text = match response.body().as_slice() {
        b"{}" => Ok("{}"),
        b"[]" => Ok("[]"),
        body => as_text(body),
    };
    match text {
        Ok(text) => parse_text(status, headers, text, shared::read::<Nothing>),
        Err(err) => Err(bad_body(status, headers, response.body(), err)),
    }
}

fn parse_body(
    status: http::StatusCode,
    headers: &http::HeaderMap,
    raw: Vec<u8>,
) -> Result<Envelope, Error> {
    parse_with(status, headers, raw, shared::read::<Nothing>)
}

/// [`parse_body`] with the shared members read by `read` (the tests
/// compare the scanner's pass with serde's).
fn parse_with(
    status: http::StatusCode,
    headers: &http::HeaderMap,
    raw: Vec<u8>,
    read: Reader<Nothing>,
) -> Result<Envelope, Error> {
    match into_text(raw) {
        Ok(text) => parse_text(status, headers, text, read),
        Err((raw, err)) => Err(bad_body(status, headers, &raw, err)),
    }
}

/// The envelope of a body checked to be UTF-8.
fn parse_text<B: AsRef<str>>(
    status: http::StatusCode,
    headers: &http::HeaderMap,
    raw: B,
    read: Reader<Nothing>,
) -> Result<Envelope<B>, Error> {
    let reply = read_text(status, headers, raw.as_ref(), None, read, no_member)?;
    Ok(Envelope {
        raw,
        value: OnceLock::new(),
        warnings: reply.warnings,
        servedby: reply.servedby,
        requestid: reply.requestid,
    })
}

#[cfg(test)]
#[path = "fast_path_tests.rs"]
mod fast_path_tests;
