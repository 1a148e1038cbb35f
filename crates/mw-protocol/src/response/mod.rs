//! The response envelope every module shares: errors, warnings,
//! `servedby`, `requestid`, in `formatversion=1` and `2`, the bc error
//! format and `errorformat=plaintext|wikitext|html|raw|none`.

mod api_error;
mod body_check;
mod bounded;
mod envelope;
mod error_kind;
mod head_messages;
mod message;
pub(crate) mod reply;
mod retry_after;
pub(crate) mod scan;
mod scan_bytes;
pub(crate) mod scan_read;
pub(crate) mod shared;
mod warning;
pub(crate) mod wire;
pub(crate) mod word;

pub use api_error::ApiError;
pub use envelope::{Envelope, borrow_envelope, parse_envelope, take_envelope};
pub use error_kind::ErrorKind;
pub use reply::Reply;

pub use retry_after::parse_retry_after;
pub use warning::Warning;

/// The text of a message object in any non-bc error format.
pub(crate) fn message_text_of(v: &serde_json::Value) -> Option<String> {
    message::from_list_item(v).map(|m| m.text)
}
