//! How much a client holds of its own: the parts' sizes (the heap they
//! point to aside), so that a field added to them is a choice. The
//! session is mw-protocol's; the pool is shared (`http/pool.rs`).

use std::mem::size_of;

use super::driver::{Shared, State};
use crate::cookies::Jar;
use crate::http::Http;

#[test]
fn the_client_parts_stay_small() {
    let sizes = [
        ("Shared", size_of::<Shared>()),
        ("State", size_of::<State>()),
        ("mw_protocol::Session", size_of::<mw_protocol::Session>()),
        ("Http", size_of::<Http>()),
        ("Jar", size_of::<Jar>()),
        ("url::Url", size_of::<url::Url>()),
    ];
    for (name, size) in sizes {
        eprintln!("{name}: {size} bytes");
    }
    // Without the session, what the client adds inline. Two choices made
    // for CPU: `Http` keeps the endpoint's `Host` header made once (88
    // bytes) and the jar its last rendered `Cookie` header (80 bytes).
    // One for keep-alive: the pools of runtimes other than the first one
    // (16 bytes, boxed until used: `http/pool.rs`).
    let own = size_of::<Shared>() - size_of::<mw_protocol::Session>();
    assert!(own <= 448, "the client's own state is {own} bytes");
    assert!(
        size_of::<Http>() <= 216,
        "Http is {} bytes",
        size_of::<Http>()
    );
}
