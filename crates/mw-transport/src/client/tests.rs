//! The client's unit tests: `Send`, `Sync` and cheap to clone; request
//! records without secrets; no runtime is an error, not a panic.

use super::*;

fn assert_send_sync<T: Send + Sync + Clone + 'static>() {}

#[test]
fn clients_are_send_sync_and_cheap_to_clone() {
    assert_send_sync::<Client>();
    assert_send_sync::<ForeignWiki>();
}

#[test]
fn request_records_hold_no_secret() {
    let request = http::Request::post("https://w.example/w/api.php?centralauthtoken=sekrit")
        .body(
            b"action=login&format=json&lgname=A%40b&lgpassword=hunter2&lgtoken=abc%2B%5C".to_vec(),
        )
        .expect("request");
    let record = RequestRecord::of(&request);
    assert_eq!(record.action, "login");
    assert!(record.centralauthtoken);
    let shown = format!("{record:?}");
    assert!(!shown.contains("sekrit") && !shown.contains("hunter2") && !shown.contains("abc"));
}

#[tokio::test]
async fn outside_a_runtime_is_an_error_not_a_panic() {
    let client = Client::builder("http://127.0.0.1:9/api.php")
        .user_agent("mw-transport-tests/0.1 (test@example.org)")
        .build()
        .expect("client");
    let result = std::thread::spawn(move || futures_lite_block_on(client.token(TokenType::LOGIN)))
        .join()
        .expect("thread");
    assert!(matches!(result, Err(Error::NoRuntime)));
}

/// A minimal executor, to poll a future outside any Tokio runtime.
fn futures_lite_block_on<F: std::future::Future>(future: F) -> F::Output {
    use std::task::{Context, Poll, Wake, Waker};
    struct Noop;
    impl Wake for Noop {
        fn wake(self: Arc<Self>) {}
    }
    let waker = Waker::from(Arc::new(Noop));
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        std::thread::yield_now();
    }
}
