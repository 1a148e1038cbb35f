//! A module's answer read in one pass, straight from the response's
//! bytes: the members every answer shares and the module's own member,
//! typed; nothing else is built, and nothing of the body is kept.

use super::body_check::{BadBody, as_text, describe_bad_body};
use super::head_messages::{parse_error, parse_warnings};
use super::shared::{self, Head, Member, Nothing};
use super::{Warning, parse_retry_after};
use crate::Error;

/// A module's typed result, with what every answer shares: what the
/// `parse_response` functions of [`actions`](crate::actions) give.
///
/// ```
/// use mw_protocol::actions::checktoken;
/// let res = http::Response::new(
///     br#"{"checktoken":{"result":"valid"},"warnings":{"main":{"*":"Unrecognized parameter: x."}}}"#.to_vec(),
/// );
/// let reply = checktoken::parse_response(&res)?;
/// assert_eq!(reply.value.result, checktoken::TokenValidity::Valid);
/// assert_eq!(reply.warnings[0].text, "Unrecognized parameter: x.");
/// # Ok::<(), mw_protocol::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Reply<T> {
    /// The module's result.
    pub value: T,
    /// Every warning, one per message, in order (at most 64 messages are
    /// kept).
    pub warnings: Vec<Warning>,
    /// The `servedby` host, when the wiki shows host names.
    pub servedby: Option<String>,
    /// The echoed `requestid`.
    pub requestid: Option<String>,
}

impl<T> Reply<T> {
    /// `value` alone: the reply of an answer without members.
    fn bare(value: T) -> Reply<T> {
        Reply {
            value,
            warnings: Vec::new(),
            servedby: None,
            requestid: None,
        }
    }

    /// The same reply with its value mapped.
    pub(crate) fn map<U>(self, f: impl FnOnce(T) -> U) -> Reply<U> {
        Reply {
            value: f(self.value),
            warnings: self.warnings,
            servedby: self.servedby,
            requestid: self.requestid,
        }
    }
}

/// Reads the answer in `response` to a module whose member is `key` (if
/// any), as `T` (`T::default()` when the body has no such member), with
/// the shared
/// members, in one pass: an API error, an HTTP error status or a body
/// that is no answer is the error [`parse_envelope`](super::parse_envelope)
/// gives for it.
#[inline]
pub(crate) fn read_reply<T: Member>(
    response: &http::Response<Vec<u8>>,
    key: Option<&'static str>,
) -> Result<Reply<T>, Error> {
    read_reply_then(response, key, |member, _| Ok(member))
}

/// [`read_reply`] with the member made into the reply's value by
/// `finish` (with the warnings) as the reply is built.
#[inline]
pub(crate) fn read_reply_then<T: Member, U>(
    response: &http::Response<Vec<u8>>,
    key: Option<&'static str>,
    finish: impl FnOnce(T, &[Warning]) -> Result<U, Error>,
) -> Result<Reply<U>, Error> {
    match response.body().as_slice() {
        // The member-less answers of a logout: nothing to read.
        b"{}" | b"[]" if response.status().is_success() => {
            Ok(Reply::bare(finish(T::default(), &[])?))
        }
        _ => read_body(response, key, finish),
    }
}

/// [`read_reply_then`] of a body with members.
#[inline(never)]
fn read_body<T: Member, U>(
    response: &http::Response<Vec<u8>>,
    key: Option<&'static str>,
    finish: impl FnOnce(T, &[Warning]) -> Result<U, Error>,
) -> Result<Reply<U>, Error> {
    let (status, headers) = (response.status(), response.headers());
    let text = as_text(response.body());
    match text {
        Ok(text) => read_text(status, headers, text, key, shared::read, finish),
        Err(err) => Err(bad_body(status, headers, response.body(), err)),
    }
}

/// What reads the shared members and one module member of a body.
pub(super) type Reader<T> =
    fn(&str, Option<&'static str>, Option<&mut Head>, &mut T) -> Result<(), BadBody>;

/// The reply of a body checked to be UTF-8, its member `key` read as `T`
/// by `read` (the tests compare the scanner's pass with serde's), made
/// the reply's value by `finish`.
pub(super) fn read_text<T: Member, U>(
    status: http::StatusCode,
    headers: &http::HeaderMap,
    text: &str,
    key: Option<&'static str>,
    read: Reader<T>,
    finish: impl FnOnce(T, &[Warning]) -> Result<U, Error>,
) -> Result<Reply<U>, Error> {
    // An answer without members (a logout's `{}`, `[]` before 1.25) has
    // nothing to read.
    if text == "{}" || text == "[]" {
        return match status.is_success() {
            true => Ok(Reply::bare(finish(T::default(), &[])?)),
            false => Err(bad_status(status, headers)),
        };
    }
    let mut head = Head::default();
    let mut value = T::default();
    if let Err(err) = read(text, key, Some(&mut head), &mut value) {
        return match key {
            None => Err(bad_body(status, headers, text.as_bytes(), err)),
            // What the envelope and then the parser say (a member given
            // twice is the parser's error, after the envelope's).
            Some(key) => {
                let reply = read_text(status, headers, text, None, shared::read, no_member)?;
                let value = finish(read_member::<T>(text, key)?, &reply.warnings)?;
                Ok(reply.map(|()| value))
            }
        };
    }
    let warnings = parse_warnings(head.warnings);
    let servedby = head.servedby.into_string();
    let requestid = head.requestid.into_text();
    if let Some(mut err) = parse_error(head.error, head.errors) {
        err.servedby = servedby;
        err.requestid = requestid;
        err.http_status = status.as_u16();
        err.retry_after = parse_retry_after(headers);
        err.warnings = warnings;
        return Err(Error::Api(err));
    }
    if !status.is_success() {
        return Err(bad_status(status, headers));
    }
    Ok(Reply {
        value: finish(value, &warnings)?,
        warnings,
        servedby,
        requestid,
    })
}

/// Reads the top-level member `key` of a JSON body already read as an
/// answer, as `T` (`T::default()` when absent), skipping every other
/// member: for a parser given an [`Envelope`](super::Envelope).
pub(crate) fn read_member<T: Member>(text: &str, key: &'static str) -> Result<T, Error> {
    let mut value = T::default();
    match shared::read(text, Some(key), None, &mut value) {
        Ok(()) => Ok(value),
        Err(BadBody::Json(e)) => Err(Error::Decode(format!("malformed JSON: {e}"))),
        // The envelope read this body: it is a JSON object (or `[]`).
        Err(_) => Ok(T::default()),
    }
}

/// The envelope's `finish`: no module member.
pub(super) fn no_member(_: Nothing, _: &[Warning]) -> Result<(), Error> {
    Ok(())
}

/// The error for a body that is no API answer: the HTTP status's when it
/// is an error, else what the body is.
pub(super) fn bad_body(
    status: http::StatusCode,
    headers: &http::HeaderMap,
    raw: &[u8],
    err: BadBody,
) -> Error {
    match status.is_success() {
        true => Error::Decode(describe_bad_body(headers, raw, err)),
        false => bad_status(status, headers),
    }
}

/// An HTTP error status with an answer that is no API error.
pub(super) fn bad_status(status: http::StatusCode, headers: &http::HeaderMap) -> Error {
    Error::Http {
        status: status.as_u16(),
        retry_after: parse_retry_after(headers),
        url: None,
    }
}
