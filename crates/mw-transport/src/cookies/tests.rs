//! The jar's rules, as `cookie_store` gives them, and its limits.

use super::*;

fn url(s: &str) -> Url {
    Url::parse(s).expect("test URL")
}

fn set(jar: &Jar, from: &str, cookies: &[&str]) {
    let mut headers = HeaderMap::new();
    for c in cookies {
        headers.append(
            http::header::SET_COOKIE,
            HeaderValue::from_str(c).expect("test header"),
        );
    }
    jar.store_from(&headers, &url(from));
}

fn header(jar: &Jar, to: &str) -> Option<String> {
    jar.header_for(&url(to))
        .map(|h| h.to_str().unwrap_or_default().to_owned())
}

#[test]
fn cookies_stay_on_their_host() {
    let jar = Jar::new();
    set(
        &jar,
        "https://a.example.org/w/api.php",
        &["s=1; path=/; HttpOnly", "t=2; path=/"],
    );
    assert_eq!(
        header(&jar, "https://a.example.org/w/api.php").as_deref(),
        Some("s=1; t=2")
    );
    assert_eq!(header(&jar, "https://b.example.org/w/api.php"), None);
    assert_eq!(header(&jar, "https://example.org/w/api.php"), None);
    assert_eq!(header(&jar, "https://a.example.org.evil/w/api.php"), None);
}

#[test]
fn domain_cookies_follow_the_rules() {
    let jar = Jar::new();
    set(
        &jar,
        "https://en.example.org/w/api.php",
        &[
            "central=1; domain=.example.org; path=/",
            "foreign=2; domain=other.org; path=/",
            "super=3; domain=org; path=/",
        ],
    );
    assert_eq!(
        header(&jar, "https://meta.example.org/w/api.php").as_deref(),
        Some("central=1")
    );
    assert_eq!(header(&jar, "https://other.org/w/api.php"), None);
    assert_eq!(header(&jar, "https://wiki.org/w/api.php"), None);
}

#[test]
fn secure_cookies_are_not_sent_in_clear_and_expired_ones_are_removed() {
    let jar = Jar::new();
    set(
        &jar,
        "https://w.example/w/api.php",
        &["sec=1; Secure; path=/", "gone=2; path=/"],
    );
    assert_eq!(
        header(&jar, "http://w.example/w/api.php").as_deref(),
        Some("gone=2")
    );
    set(
        &jar,
        "https://w.example/w/api.php",
        &["gone=deleted; path=/; expires=Thu, 01 Jan 1970 00:00:01 GMT"],
    );
    assert_eq!(
        header(&jar, "https://w.example/w/api.php").as_deref(),
        Some("sec=1")
    );
}

#[test]
fn saved_cookies_round_trip_with_session_cookies() {
    let jar = Jar::new();
    set(
        &jar,
        "http://127.0.0.1:8080/api.php",
        &["wiki_session=abc; path=/; HttpOnly"],
    );
    let saved = jar.saved();
    let json = serde_json::to_string(&saved).unwrap_or_default();
    let back: Vec<cookie_store::Cookie<'static>> = serde_json::from_str(&json).unwrap_or_default();
    let jar = Jar::from_saved(back);
    assert_eq!(
        header(&jar, "http://127.0.0.1:9090/api.php").as_deref(),
        Some("wiki_session=abc")
    );
    assert!(!format!("{jar:?}").contains("abc"));
}

fn count(jar: &Jar) -> usize {
    jar.lock().cookies.len()
}

#[test]
fn the_same_set_cookie_again_is_the_same_cookie_unless_relative() {
    let jar = Jar::new();
    let api = "https://w.example/w/api.php";
    set(&jar, api, &["s=1; path=/", "m=1; Max-Age=3600; path=/"]);
    let before = jar.saved();
    set(&jar, api, &["s=1; path=/"]);
    // From another path, the same text is another cookie (its default
    // path is another).
    set(&jar, "https://w.example/x/api.php", &["d=1"]);
    set(&jar, api, &["d=1"]);
    assert_eq!(count(&jar), 4);
    assert_eq!(jar.saved()[..2], before[..]);
    assert_eq!(header(&jar, api).as_deref(), Some("d=1; m=1; s=1"));
    assert!(jar.lock().cookies.iter().any(|h| h.from == 0));
}

#[test]
fn a_cookie_replaces_the_one_with_its_name_domain_and_path() {
    let jar = Jar::new();
    let api = "https://w.example/w/api.php";
    set(&jar, api, &["s=1; path=/", "s=2; path=/w", "t=1; path=/"]);
    assert_eq!(header(&jar, api).as_deref(), Some("s=1; s=2; t=1"));
    set(&jar, api, &["s=3; path=/"]);
    assert_eq!(header(&jar, api).as_deref(), Some("s=2; s=3; t=1"));
    assert_eq!(count(&jar), 3);
    // A host-only cookie and a domain cookie of the same domain are the
    // same cookie (as in `CookieStore`): the later one is kept.
    set(&jar, api, &["t=2; domain=w.example; path=/"]);
    assert_eq!(count(&jar), 3);
    // (`s` is host-only.)
    assert_eq!(
        header(&jar, "https://sub.w.example/api.php").as_deref(),
        Some("t=2")
    );
}

#[test]
fn an_expired_cookie_removes_its_namesake_only() {
    let jar = Jar::new();
    let api = "https://w.example/w/api.php";
    set(&jar, api, &["s=1; path=/", "s=2; path=/w", "u=1; path=/"]);
    set(&jar, api, &["s=deleted; path=/; Max-Age=0"]);
    assert_eq!(header(&jar, api).as_deref(), Some("s=2; u=1"));
    set(
        &jar,
        api,
        &[
            "u=deleted; path=/; expires=Thu, 01 Jan 1970 00:00:01 GMT",
            "v=0; Max-Age=0",
        ],
    );
    assert_eq!(header(&jar, api).as_deref(), Some("s=2"));
    assert_eq!(count(&jar), 1);
}

#[test]
fn the_header_follows_a_cookie_that_expires() {
    let jar = Jar::new();
    let api = "https://w.example/api.php";
    set(
        &jar,
        api,
        &["brief=1; Max-Age=1; path=/", "long=1; Max-Age=3600; path=/"],
    );
    assert_eq!(header(&jar, api).as_deref(), Some("brief=1; long=1"));
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert_eq!(header(&jar, api).as_deref(), Some("long=1"));
    assert_eq!(jar.saved().len(), 1);
}

#[test]
fn paths_match_by_segment_and_default_to_the_directory() {
    let jar = Jar::new();
    set(
        &jar,
        "https://w.example/w/api.php",
        &["dir=1", "root=1; path=/", "x=1; path=/x"],
    );
    assert_eq!(
        header(&jar, "https://w.example/w/index.php").as_deref(),
        Some("dir=1; root=1")
    );
    assert_eq!(
        header(&jar, "https://w.example/api.php").as_deref(),
        Some("root=1")
    );
    assert_eq!(
        header(&jar, "https://w.example/wiki/api.php").as_deref(),
        Some("root=1")
    );
    assert_eq!(
        header(&jar, "https://w.example/x/y").as_deref(),
        Some("root=1; x=1")
    );
}

#[test]
fn secure_cookies_go_to_https_and_loopback_only() {
    let jar = Jar::new();
    set(
        &jar,
        "http://127.0.0.1:8080/api.php",
        &["sec=1; Secure; path=/"],
    );
    assert_eq!(
        header(&jar, "http://127.0.0.1:8080/api.php").as_deref(),
        Some("sec=1")
    );
    set(
        &jar,
        "http://w.example/api.php",
        &["sec=1; Secure; path=/", "plain=1; path=/"],
    );
    assert_eq!(
        header(&jar, "http://w.example/api.php").as_deref(),
        Some("plain=1")
    );
    assert_eq!(
        header(&jar, "https://w.example/api.php").as_deref(),
        Some("plain=1; sec=1")
    );
}

#[test]
fn the_jar_holds_fifty_cookies_of_4096_bytes_at_most() {
    let jar = Jar::new();
    let api = "https://w.example/api.php";
    let big = format!("big={}", "x".repeat(MAX_COOKIE_BYTES));
    let fits = format!("fits={}", "x".repeat(MAX_COOKIE_BYTES - 4));
    set(&jar, api, &[&big, &fits]);
    assert_eq!(count(&jar), 1);
    for i in 1..MAX_COOKIES {
        set(&jar, api, &[&format!("c{i}=1; path=/")]);
    }
    assert_eq!(count(&jar), MAX_COOKIES);
    set(&jar, api, &["extra=1; path=/"]);
    assert_eq!(count(&jar), MAX_COOKIES);
    assert!(!header(&jar, api).unwrap_or_default().contains("extra="));
    // Held ones can still change or go, and then there is room.
    set(&jar, api, &["c1=2; path=/", "c2=; path=/; Max-Age=0"]);
    let sent = header(&jar, api).unwrap_or_default();
    assert!(sent.contains("c1=2;") && !sent.contains("c2="), "{sent}");
    set(&jar, api, &["extra=1; path=/"]);
    assert!(header(&jar, api).unwrap_or_default().contains("extra=1"));
}

#[test]
fn a_kept_cookie_drops_its_set_cookie_text_but_not_its_rules() {
    let jar = Jar::new();
    set(
        &jar,
        "https://en.example.org/w/api.php",
        &[
            "s=v=1; domain=.example.org; path=/w; expires=Fri, 01 Jan 2100 00:00:00 GMT; Secure; HttpOnly; SameSite=Lax",
        ],
    );
    let saved = jar.saved();
    let [c] = saved.as_slice() else {
        panic!("one cookie: {}", saved.len())
    };
    assert_eq!(c.name_value(), ("s", "v=1"));
    assert_eq!(c.to_string(), "s=v=1; HttpOnly; Secure");
    assert_eq!((c.secure(), c.http_only()), (Some(true), Some(true)));
    assert_eq!(c.path.as_ref(), "/w");
    assert_eq!(
        c.domain,
        cookie_store::CookieDomain::Suffix("example.org".into())
    );
    assert!(c.is_persistent());
    assert_eq!(
        header(&jar, "https://meta.example.org/w/api.php").as_deref(),
        Some("s=v=1")
    );
    assert_eq!(header(&jar, "http://meta.example.org/w/api.php"), None);
}

#[test]
fn session_files_written_before_the_compact_jar_still_load() {
    // `CookieStore`'s cookies serialized the whole `Set-Cookie` text.
    let json = r#"[{"raw_cookie":"wiki_session=abc; HttpOnly; Path=/","path":["/",true],"domain":{"HostOnly":"127.0.0.1"},"expires":"SessionEnd"},
        {"raw_cookie":"old=1; Path=/","path":["/",true],"domain":{"HostOnly":"127.0.0.1"},"expires":{"AtUtc":"1999-01-01T00:00:00Z"}}]"#;
    let saved: Vec<cookie_store::Cookie<'static>> = serde_json::from_str(json).unwrap_or_default();
    assert_eq!(saved.len(), 2);
    let jar = Jar::from_saved(saved);
    assert_eq!(count(&jar), 1);
    assert_eq!(
        header(&jar, "http://127.0.0.1:9090/api.php").as_deref(),
        Some("wiki_session=abc")
    );
}
