//! Every request builder, rendered as text and snapshotted, plus explicit
//! checks of where secrets go: never in a URL (except CentralAuth's
//! `centralauthtoken`), always last in a POST body, and percent-encoded.

mod common;

use common::{ENDPOINT, FOREIGN, USER_AGENT, raw_form_fields, render_request};
use mw_protocol::actions::{
    centralauth, checktoken, clientlogin, legacy_tokens, login, logout, tokens,
};
use mw_protocol::{ActionRequest, Error, Password, Token, TokenType};

/// A timestamped token of MediaWiki 1.27+ (32 hex, 8 hex, `+\`).
const CSRF: &str = "d41d8cd98f00b204e9800998ecf8427e6b021575+\\";
const LOGIN_TOKEN: &str = "9ed1499d99c0c34c73faa07157b3b6076b021573+\\";
/// A password with every character that needs encoding in a form body.
const PASSWORD: &str = "p@ss w+rd\\&=%;x";
/// A `centralauthtoken` (32 random hex + the central user id in hex).
const CENTRAL: &str = "138aa2df87605832076ac89c207f37ed1c3b01b";

fn http(req: &ActionRequest) -> http::Request<Vec<u8>> {
    http_at(req, ENDPOINT)
}

fn http_at(req: &ActionRequest, endpoint: &str) -> http::Request<Vec<u8>> {
    let url = endpoint.parse().expect("valid endpoint");
    req.to_http(&url, USER_AGENT).expect("renders")
}

fn snap(name: &str, req: &ActionRequest) -> http::Request<Vec<u8>> {
    let rendered = http(req);
    insta::assert_snapshot!(name, render_request(&rendered));
    rendered
}

fn body(req: &http::Request<Vec<u8>>) -> &str {
    std::str::from_utf8(req.body()).expect("form bodies are ASCII")
}

fn form(req: &http::Request<Vec<u8>>) -> Vec<(String, String)> {
    form_urlencoded::parse(req.body()).into_owned().collect()
}

/// Neither the raw nor the encoded secret is anywhere in the URL.
fn assert_not_in_url(req: &http::Request<Vec<u8>>, secret: &str) {
    let url = req.uri().to_string();
    for form in common::secret_forms(secret) {
        assert!(!url.contains(&form), "secret {form:?} in URL {url}");
    }
}

/// The last body fields are exactly `expected` (name, decoded value), in order.
fn assert_body_ends_with(req: &http::Request<Vec<u8>>, expected: &[(&str, &str)]) {
    let fields = form(req);
    assert!(fields.len() >= expected.len(), "{fields:?}");
    let tail = &fields[fields.len() - expected.len()..];
    let tail: Vec<(&str, &str)> = tail.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    assert_eq!(tail, expected, "body: {}", body(req));
}

fn assert_post_form(req: &http::Request<Vec<u8>>) {
    assert_eq!(req.method(), http::Method::POST);
    assert_eq!(
        req.headers()[http::header::CONTENT_TYPE],
        "application/x-www-form-urlencoded"
    );
    assert_eq!(req.uri().to_string(), ENDPOINT, "a POST keeps its URL bare");
}

fn assert_get(req: &http::Request<Vec<u8>>) {
    assert_eq!(req.method(), http::Method::GET);
    assert!(req.body().is_empty());
    assert!(req.headers().get(http::header::CONTENT_TYPE).is_none());
}

// ---- meta=tokens ----

#[test]
fn tokens_one_type() {
    let req = snap("tokens_one_type", &tokens::request(&[TokenType::CSRF]));
    assert_get(&req);
}

#[test]
fn tokens_several_types_with_extension_types() {
    let types = [
        TokenType::CSRF,
        TokenType::WATCH,
        TokenType::PATROL,
        TokenType::ROLLBACK,
        TokenType::USER_RIGHTS,
        TokenType::LOGIN,
        TokenType::CREATE_ACCOUNT,
        TokenType::SET_GLOBAL_ACCOUNT_STATUS,
        TokenType::DELETE_GLOBAL_ACCOUNT,
        TokenType::new("oauth_consumer-x").expect("valid extension type name"),
    ];
    let req = snap("tokens_several_types", &tokens::request(&types));
    assert_get(&req);
    let query: Vec<(String, String)> = url::Url::parse(&req.uri().to_string())
        .expect("url")
        .query_pairs()
        .into_owned()
        .collect();
    let ty = query.iter().find(|(n, _)| n == "type").expect("type");
    assert_eq!(
        ty.1,
        "csrf|watch|patrol|rollback|userrights|login|createaccount|setglobalaccountstatus|deleteglobalaccount|oauth_consumer-x"
    );
}

// ---- deprecated token APIs ----

#[test]
fn legacy_tokens_one_type() {
    let req = legacy_tokens::request(&[TokenType::CSRF]).expect("csrf maps to edit");
    let req = snap("legacy_tokens_one_type", &req);
    assert_get(&req);
}

#[test]
fn legacy_tokens_several_types() {
    let req = legacy_tokens::request(&[
        TokenType::CSRF,
        TokenType::WATCH,
        TokenType::PATROL,
        TokenType::SET_GLOBAL_ACCOUNT_STATUS,
        TokenType::DELETE_GLOBAL_ACCOUNT,
    ])
    .expect("all have legacy names");
    snap("legacy_tokens_several_types", &req);
}

#[test]
fn legacy_tokens_rejects_types_the_old_api_never_had() {
    for ty in [
        TokenType::LOGIN,
        TokenType::CREATE_ACCOUNT,
        TokenType::ROLLBACK,
        TokenType::USER_RIGHTS,
    ] {
        let err = legacy_tokens::request(&[TokenType::CSRF, ty.clone()])
            .expect_err("the operation must fail");
        assert!(matches!(err, Error::Unsupported(_)), "{ty}: {err:?}");
    }
}

#[test]
fn legacy_intoken_request() {
    let req = legacy_tokens::intoken_request("Main Page|Sandbox", &["edit", "watch"]);
    let req = snap("legacy_intoken", &req);
    assert_get(&req);
}

// ---- checktoken ----

#[test]
fn checktoken_without_maxtokenage() {
    let req = checktoken::request(&TokenType::CSRF, &Token::new(CSRF), None);
    let req = snap("checktoken", &req);
    assert_post_form(&req);
    assert_not_in_url(&req, CSRF);
    assert_body_ends_with(&req, &[("token", CSRF)]);
    assert!(!form(&req).iter().any(|(n, _)| n == "maxtokenage"));
}

#[test]
fn checktoken_with_maxtokenage() {
    let req = checktoken::request(&TokenType::LOGIN, &Token::new(LOGIN_TOKEN), Some(60));
    let req = snap("checktoken_maxtokenage", &req);
    assert_post_form(&req);
    assert_not_in_url(&req, LOGIN_TOKEN);
    assert_body_ends_with(&req, &[("token", LOGIN_TOKEN)]);
    assert!(form(&req).contains(&("maxtokenage".into(), "60".into())));
}

#[test]
fn checktoken_of_the_anonymous_token() {
    let req = http(&checktoken::request(
        &TokenType::CSRF,
        &Token::new("+\\"),
        None,
    ));
    assert!(body(&req).ends_with("&token=%2B%5C"), "{}", body(&req));
}

// ---- login ----

#[test]
fn login_with_token() {
    let req = login::request(
        "Example@bot",
        &Password::new(PASSWORD),
        Some(&Token::new(LOGIN_TOKEN)),
    );
    let req = snap("login_with_token", &req);
    assert_post_form(&req);
    assert_not_in_url(&req, PASSWORD);
    assert_not_in_url(&req, LOGIN_TOKEN);
    assert_body_ends_with(&req, &[("lgpassword", PASSWORD), ("lgtoken", LOGIN_TOKEN)]);
}

#[test]
fn login_without_token() {
    let req = login::request("Example@bot", &Password::new(PASSWORD), None);
    let req = snap("login_without_token", &req);
    assert_post_form(&req);
    assert_not_in_url(&req, PASSWORD);
    assert_body_ends_with(&req, &[("lgpassword", PASSWORD)]);
    assert!(!form(&req).iter().any(|(n, _)| n == "lgtoken"));
}

// ---- clientlogin ----

#[test]
fn clientlogin_start() {
    let req = clientlogin::start_request(
        "Example",
        &Password::new(PASSWORD),
        "https://w.example/wiki/Special:BlankPage?x=1&y=2",
        &Token::new(LOGIN_TOKEN),
    );
    let req = snap("clientlogin_start", &req);
    assert_post_form(&req);
    assert_not_in_url(&req, PASSWORD);
    assert_not_in_url(&req, LOGIN_TOKEN);
    assert_body_ends_with(&req, &[("password", PASSWORD), ("logintoken", LOGIN_TOKEN)]);
}

#[test]
fn clientlogin_continue() {
    let fields = vec![
        ("OATHToken".to_owned(), "123456".to_owned()),
        ("rememberMe".to_owned(), "1".to_owned()),
    ];
    let req = clientlogin::continue_request(&fields, &Token::new(LOGIN_TOKEN));
    let req = snap("clientlogin_continue", &req);
    assert_post_form(&req);
    assert_not_in_url(&req, LOGIN_TOKEN);
    assert!(!req.uri().to_string().contains("123456"));
    assert_body_ends_with(
        &req,
        &[
            ("OATHToken", "123456"),
            ("rememberMe", "1"),
            ("logintoken", LOGIN_TOKEN),
        ],
    );
}

// ---- logout ----

#[test]
fn logout_with_token() {
    let req = snap(
        "logout_with_token",
        &logout::request(Some(&Token::new(CSRF))),
    );
    assert_post_form(&req);
    assert_not_in_url(&req, CSRF);
    assert_body_ends_with(&req, &[("token", CSRF)]);
}

#[test]
fn logout_without_token() {
    let req = snap("logout_without_token", &logout::request(None));
    assert_post_form(&req);
    assert!(!form(&req).iter().any(|(n, _)| n == "token"));
}

// ---- CentralAuth ----

#[test]
fn centralauthtoken_request() {
    let req = snap("centralauth_request", &centralauth::request());
    assert_get(&req);
    assert!(!req.uri().to_string().contains("centralauthtoken="));
}

#[test]
fn centralauth_foreign_get_puts_the_token_in_the_url() {
    let call = ActionRequest::get("query")
        .param("meta", "userinfo")
        .param("uiprop", "rights|groups");
    let req = centralauth::foreign_request(call, &Token::new(CENTRAL));
    let rendered = http_at(&req, FOREIGN);
    insta::assert_snapshot!("centralauth_foreign_get", render_request(&rendered));
    assert_get(&rendered);
    assert!(
        rendered
            .uri()
            .to_string()
            .ends_with(&format!("&centralauthtoken={CENTRAL}"))
    );
}

#[test]
fn centralauth_foreign_post_keeps_the_token_in_the_url_and_the_csrf_in_the_body() {
    let call = ActionRequest::post("edit")
        .param("title", "Sandbox")
        .param("appendtext", "hi")
        .token("token", Token::new(CSRF));
    // A JWT-style centralauthtoken holds characters that need encoding.
    let jwt = "eyJhbGciOi+JIUzI1NiJ9.eyJDQVRva2VuIjoi/MTM4YSJ9.sig_=";
    let req = centralauth::foreign_request(call, &Token::new(jwt));
    let rendered = http_at(&req, FOREIGN);
    insta::assert_snapshot!("centralauth_foreign_post", render_request(&rendered));
    assert_eq!(rendered.method(), http::Method::POST);
    let url = url::Url::parse(&rendered.uri().to_string()).expect("url");
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    assert_eq!(
        pairs,
        vec![("centralauthtoken".to_owned(), jwt.to_owned())],
        "only the centralauthtoken is in a POST's URL"
    );
    assert_not_in_url(&rendered, CSRF);
    assert_body_ends_with(&rendered, &[("token", CSRF)]);
    assert!(!body(&rendered).contains("centralauthtoken"));
}

// ---- generic calls ----

#[test]
fn generic_get() {
    let req = ActionRequest::get("query")
        .param("meta", "userinfo")
        .param("uiprop", "rights|groups")
        .param("titles", "Ünïcode & spaces");
    let req = snap("generic_get", &req);
    assert_get(&req);
}

#[test]
fn generic_post_with_token() {
    let req = ActionRequest::post("edit")
        .param("title", "Sandbox")
        .token("token", Token::new(CSRF))
        // Parameters added after the token still come before it.
        .param("appendtext", "a+b\\c")
        .param("summary", "test");
    let req = snap("generic_post_with_token", &req);
    assert_post_form(&req);
    assert_not_in_url(&req, CSRF);
    assert_body_ends_with(&req, &[("token", CSRF)]);
}

#[test]
fn a_token_makes_a_get_a_post() {
    let req = ActionRequest::get("watch")
        .param("titles", "Sandbox")
        .token("token", Token::new(CSRF));
    let req = http(&req);
    assert_post_form(&req);
    assert_not_in_url(&req, CSRF);
    assert_body_ends_with(&req, &[("token", CSRF)]);
}

#[test]
fn passwords_go_before_tokens_whatever_the_order_of_calls() {
    let req = ActionRequest::post("login")
        .token("lgtoken", Token::new(LOGIN_TOKEN))
        .password("lgpassword", Password::new(PASSWORD))
        .param("lgname", "Example");
    let req = http(&req);
    assert_body_ends_with(
        &req,
        &[
            ("lgname", "Example"),
            ("lgpassword", PASSWORD),
            ("lgtoken", LOGIN_TOKEN),
        ],
    );
}

// ---- encoding ----

#[test]
fn plus_and_backslash_are_percent_encoded_in_bodies() {
    let req = http(&logout::request(Some(&Token::new(CSRF))));
    let raw = raw_form_fields(req.body());
    let last = raw.last().expect("a field");
    assert_eq!(last, "token=d41d8cd98f00b204e9800998ecf8427e6b021575%2B%5C");
    assert!(!body(&req).contains('\\'));
    assert!(
        !body(&req).contains("5+"),
        "a raw + would arrive as a space"
    );

    let req = http(&login::request(
        "Example",
        &Password::new(PASSWORD),
        Some(&Token::new(LOGIN_TOKEN)),
    ));
    let raw = raw_form_fields(req.body());
    assert!(
        raw.contains(&"lgpassword=p%40ss+w%2Brd%5C%26%3D%25%3Bx".to_owned()),
        "{raw:?}"
    );
    assert_eq!(
        raw.last().map(String::as_str),
        Some("lgtoken=9ed1499d99c0c34c73faa07157b3b6076b021573%2B%5C")
    );
}

#[test]
fn plus_and_backslash_are_percent_encoded_in_urls() {
    let req = centralauth::foreign_request(
        ActionRequest::get("query").param("titles", "C++ \\o/"),
        &Token::new("ab+\\"),
    );
    let req = http_at(&req, FOREIGN);
    let url = req.uri().to_string();
    assert!(url.contains("titles=C%2B%2B+%5Co%2F"), "{url}");
    assert!(url.ends_with("centralauthtoken=ab%2B%5C"), "{url}");
}

#[test]
fn every_builder_keeps_secrets_out_of_urls() {
    let csrf = Token::new(CSRF);
    let login_token = Token::new(LOGIN_TOKEN);
    let pw = Password::new(PASSWORD);
    let builders = vec![
        checktoken::request(&TokenType::CSRF, &csrf, None),
        checktoken::request(&TokenType::CSRF, &csrf, Some(1)),
        login::request("Example", &pw, Some(&login_token)),
        login::request("Example", &pw, None),
        clientlogin::start_request("Example", &pw, "https://w.example/", &login_token),
        clientlogin::continue_request(&[("password".into(), PASSWORD.into())], &login_token),
        logout::request(Some(&csrf)),
        ActionRequest::get("edit").token("token", csrf.clone()),
        centralauth::foreign_request(
            ActionRequest::post("edit").token("token", csrf.clone()),
            &Token::new(CENTRAL),
        ),
    ];
    for req in builders {
        let rendered = http(&req);
        assert_not_in_url(&rendered, CSRF);
        assert_not_in_url(&rendered, LOGIN_TOKEN);
        assert_not_in_url(&rendered, PASSWORD);
        assert_eq!(rendered.method(), http::Method::POST);
        // The Debug of a builder never shows a password or a token either.
        let debug = format!("{req:?}");
        common::assert_no_secret("ActionRequest Debug", &debug, CSRF);
        common::assert_no_secret("ActionRequest Debug", &debug, LOGIN_TOKEN);
        common::assert_no_secret("ActionRequest Debug", &debug, PASSWORD);
    }
}

// ---- rendering errors ----

#[test]
fn invalid_endpoints_and_user_agents_are_rejected() {
    let req = tokens::request(&[TokenType::CSRF]);
    let ftp = "ftp://w.example/api.php".parse().expect("url");
    assert!(matches!(
        req.to_http(&ftp, USER_AGENT),
        Err(Error::InvalidInput(_))
    ));
    let ok = ENDPOINT.parse().expect("url");
    assert!(matches!(
        req.to_http(&ok, "bad\nagent"),
        Err(Error::InvalidInput(_))
    ));
}

#[test]
fn endpoint_query_is_kept_and_fragment_dropped() {
    let url = "https://w.example/w/api.php?wiki=x#frag"
        .parse()
        .expect("url");
    let get = tokens::request(&[TokenType::CSRF])
        .to_http(&url, USER_AGENT)
        .expect("renders");
    assert!(
        get.uri()
            .to_string()
            .starts_with("https://w.example/w/api.php?wiki=x&action=query")
    );
    assert!(!get.uri().to_string().contains('#'));
    let post = logout::request(Some(&Token::new(CSRF)))
        .to_http(&url, USER_AGENT)
        .expect("renders");
    assert_eq!(post.uri().to_string(), "https://w.example/w/api.php?wiki=x");
}

// ---- what the session sends ----

/// The seed flow (login token, login, csrf token, checktoken, logout) as a
/// [`Session`](mw_protocol::Session) sends it: with `maxlag`, `assert=user`
/// once logged in, and every secret last in a POST body.
#[test]
fn session_seed_flow_requests() {
    use common::{Driver, json_value};
    use serde_json::json;

    let session =
        mw_protocol::Session::new(ENDPOINT, mw_protocol::Config::new(USER_AGENT)).expect("session");
    let mut d = Driver::new(session, |r| {
        if r.is_meta_tokens() && r.param("type") == Some("login") {
            json_value(
                json!({"batchcomplete": true, "query": {"tokens": {"logintoken": LOGIN_TOKEN}}}),
            )
        } else if r.is_meta_tokens() {
            json_value(json!({"batchcomplete": true, "query": {"tokens": {"csrftoken": CSRF}}}))
        } else {
            match r.action() {
                "login" => json_value(
                    json!({"login": {"result": "Success", "lguserid": 42, "lgusername": "Example"}}),
                ),
                "checktoken" => json_value(
                    json!({"checktoken": {"result": "valid", "generated": "2026-11-21T22:04:37Z"}}),
                ),
                "edit" => json_value(json!({"edit": {"result": "Success"}})),
                "logout" => json_value(json!({})),
                other => panic!("unexpected {other}"),
            }
        }
    });
    let op = d.session.login("Example@bot", Password::new(PASSWORD));
    d.finish(op).expect("login");
    let op = d.session.token(TokenType::CSRF);
    d.finish(op).expect("csrf");
    let op = d
        .session
        .check_token(TokenType::CSRF, Token::new(CSRF), Some(3600));
    d.finish(op).expect("checktoken");
    let op = d.session.call(
        mw_protocol::ActionCall::new(
            ActionRequest::post("edit")
                .param("title", "Sandbox")
                .param("appendtext", "hi"),
        )
        .with_token(TokenType::CSRF),
    );
    d.finish(op).expect("edit");
    let op = d.session.logout();
    d.finish(op).expect("logout");
    let all: Vec<String> = d.sent.iter().map(|s| s.rendered.clone()).collect();
    insta::assert_snapshot!("session_seed_flow", all.join("\n----\n"));
}
