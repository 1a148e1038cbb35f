//! The scanner's reading of the per-module tokens gives what the walk of
//! the pruned tree gives.

use super::super::module_tokens::{PrunedQuery, QueryTokens};
use super::*;
use crate::actions::legacy_tokens::{parse_module_tokens, parse_module_tokens_response, walk};
use crate::response::parse_envelope;
use crate::response::shared::read_slow;

/// Every legacy key is one [`TokenType::from_legacy_name`] knows, and
/// every name it knows has its key.
#[test]
fn legacy_keys_are_the_legacy_names() {
    for key in LEGACY_KEYS {
        assert!(legacy_key(key).is_some(), "{key}");
    }
    // In alphabetical order.
    for name in [
        "",
        "block",
        "createaccount",
        "csrf",
        "delete",
        "deleteglobalaccount",
        "edit",
        "email",
        "import",
        "login",
        "move",
        "options",
        "patrol",
        "preferences",
        "protect",
        "rollback",
        "setglobalaccountstatus",
        "token",
        "unblock",
        "userrights",
        "watch",
        "x",
    ] {
        let key = format!("{name}token");
        assert_eq!(
            legacy_key(&key).map(|k| k.1),
            TokenType::from_legacy_name(name),
            "{key}"
        );
    }
}

/// The module tokens of `body`, read by the scanner (which it does when
/// `ahead`), agree with the walk of what serde's pass reads, and with
/// both parsers' (from an envelope, and in one pass).
fn agree(body: &str, ahead: bool) {
    let res = http::Response::new(body.as_bytes().to_vec());
    let env = parse_envelope(&res).expect(body);
    let first = match env.member::<QueryTokens>("query") {
        Ok(QueryTokens::Read(tokens)) => {
            assert!(ahead, "read by the scanner: {body}");
            tokens.map_or_else(|| Ok(BTreeMap::new()), |t| t.into_tokens())
        }
        Ok(QueryTokens::Pruned(_)) | Err(_) => {
            assert!(!ahead, "not read by the scanner: {body}");
            return;
        }
    };
    let mut slow = QueryTokens::default();
    let read = read_slow(body, Some("query"), None, &mut slow);
    assert!(read.is_ok(), "serde reads {body}");
    let QueryTokens::Pruned(PrunedQuery(query)) = slow else {
        panic!("serde's pass prunes: {body}");
    };
    assert_eq!(first, walk(query.as_ref()), "{body}");
    assert_eq!(first, parse_module_tokens(&env), "{body}");
    let reply = parse_module_tokens_response(&res).map(|r| r.value);
    assert_eq!(first, reply, "{body}");
}

#[test]
fn read_ahead_agrees_with_the_walk() {
    for body in [
        r#"{"query":{"pages":{"1":{"pageid":1,"edittoken":"e+\\","title":"A"}}}}"#,
        r#"{"query":{"pages":[{"pageid":1,"edittoken":"e+\\"},{"pageid":2,"edittoken":"f+\\","watchtoken":"w+\\"}]}}"#,
        r#"{"query":{"pages":{"2":{"edittoken":"two"},"10":{"edittoken":"ten"},"-1":{"missing":true,"edittoken":"m"}}}}"#,
        r#"{"query":{"pages":{"1":{"edittoken":"a"},"1":{"x":1}}}}"#,
        r#"{"query":{"pages":{"1":{"edittoken":"a"},"2":{"edittoken":"b"},"1":{"deletetoken":"c"}}}}"#,
        r#"{"query":{"pages":{"1":{"edittoken":"a","deletetoken":"d","protecttoken":"p"}}}}"#,
        r#"{"query":{"pages":{"1":{"edittoken":"a","edittoken":"b"}}}}"#,
        r#"{"query":{"pages":{"1":{"edittoken":1,"edittoken":"b"}}}}"#,
        r#"{"query":{"pages":{"1":{"edittoken":"b","edittoken":null}}}}"#,
        r#"{"query":{"pages":{"1":{"edittoken":"a","watchtoken":{"x":[1]}}}}}"#,
        r#"{"query":{"pages":{"1":{"deletetoken":7,"edittoken":"a"}}}}"#,
        r#"{"query":{"pages":{"1":{"edit\u0074oken":"a\u00e9\n+\\","csrftoken":"c"}}}}"#,
        r#"{"query":{"pages":[{"title":"A","revisions":[{"revid":1,"rollbacktoken":"r1"},{"rollbacktoken":"r2"}]}]}}"#,
        r#"{"query":{"pages":{"1":{"revisions":{"5":{"rollbacktoken":"five"},"40":{"rollbacktoken":"forty"}},"edittoken":"e"}}}}"#,
        r#"{"query":{"pages":[{"revisions":[{"rollbacktoken":"a"}],"revisions":[{"x":1}]}]}}"#,
        r#"{"query":{"pages":[{"revisions":[{"rollbacktoken":false}]},{"edittoken":"e"}]}}"#,
        r#"{"query":{"pages":[1,"x",null,[{"edittoken":"no"}],{"edittoken":"yes"}]}}"#,
        r#"{"query":{"pages":"none","users":[{"userrightstoken":"u"}]}}"#,
        r#"{"query":{"recentchanges":[{"patroltoken":"p1"},{"patroltoken":"p2"}],"users":{"b":{"userrightstoken":"ub"},"a":{"userrightstoken":"ua"}}}}"#,
        r#"{"query":{"userinfo":{"id":1,"preferencestoken":"pref","optionstoken":"opt"},"pages":[{"edittoken":"e"}]}}"#,
        r#"{"query":{"userinfo":[{"preferencestoken":"p"}],"recentchanges":{"1":5}}}"#,
        r#"{"query":{"userinfo":{"preferencestoken":["p"]}}}"#,
        r#"{"query":{"tokens":{"csrftoken":"c"},"pages":[{"logintoken":"l","token":"t","edittokens":"x"}]}}"#,
        r#"{"query":{"pages":[{"setglobalaccountstatustoken":"s","deleteglobalaccounttoken":"d","unblocktoken":"u"}]}}"#,
        r#"{"query":{}}"#,
        r#"{"query":{"pages":[],"users":{}}}"#,
        r#"{"query":1}"#,
        r#"{"batchcomplete":"","query":{"pages":{"1":{"pageid":1,"ns":0,"title":"Main Page","starttimestamp":"2014","edittoken":"aa+\\"}}}}"#,
    ] {
        agree(body, true);
    }
    // The scanner gives up on these (serde decides): read from the body.
    for body in [
        r#"{"query":{"pages":[{"edittoken":"a"}],"pages":[{"edittoken":"b"}]}}"#,
        r#"{"query":{"pages":[{"edittoken":1e400}]}}"#,
        r#"{"query":{"pages":[{"edittoken":"\ud800"}]}}"#,
        r#"{"batchcomplete":true}"#,
    ] {
        agree(body, false);
    }
}

/// Many id-keyed pages (kept by id past [`SEARCHED`]), with duplicate ids
/// replacing and removing earlier pages before and after that.
#[test]
fn many_pages_agree() {
    let mut members = Vec::new();
    for i in 0..(3 * SEARCHED) {
        members.push(format!(
            r#""{i}":{{"edittoken":"e{i}","watchtoken":"w{i}"}}"#
        ));
    }
    for i in [0, 5, SEARCHED + 2, 2 * SEARCHED] {
        members.push(format!(r#""{i}":{{"x":1}}"#));
        members.push(format!(r#""{}":{{"deletetoken":"d{i}"}}"#, i + 1));
    }
    members.push(r#""1":{"edittoken":"again"}"#.to_owned());
    let body = format!(r#"{{"query":{{"pages":{{{}}}}}}}"#, members.join(","));
    agree(&body, true);
    agree(&body.replace(r#""edittoken":"again""#, r#""x":1"#), true);
    // Only the first of each type is kept: the order of the ids decides.
    let few = members[..SEARCHED - 2].join(",");
    agree(
        &format!(r#"{{"query":{{"pages":{{{few},"0":{{"edittoken":1}}}}}}}}"#),
        true,
    );
    agree(
        &format!(
            r#"{{"query":{{"pages":{{{}}}}}}}"#,
            members
                .join(",")
                .replace(r#""1":{"edittoken":"again"}"#, r#""10":{"edittoken":null}"#)
        ),
        true,
    );
}

/// A long run of pages without tokens after many with them keeps nothing
/// for them (a hostile answer under the body cap must not cost memory
/// for each of its empty pages), and still removes an id it repeats.
#[test]
fn empty_pages_past_the_index_are_not_kept() {
    let mut members: Vec<String> = (0..=SEARCHED)
        .map(|i| format!(r#""{i}":{{"edittoken":"e{i}"}}"#))
        .collect();
    members.extend((1000..21_000).map(|i| format!(r#""{i}":{{"ns":0}}"#)));
    members.push(r#""3":{"ns":0}"#.to_owned());
    let text = format!("{{{}}}", members.join(","));
    let mut scan = crate::response::scan::Scan::new(&text);
    let Ok(Items(items)) = Items::<Page>::scan(&mut scan) else {
        panic!("the scanner reads the pages");
    };
    assert_eq!(items.len(), SEARCHED, "the token pages but the removed one");
    assert!(items.capacity() < 4 * SEARCHED, "{}", items.capacity());
    assert!(items.iter().all(|(id, _)| id != "3"));
    let body = format!(r#"{{"query":{{"pages":{text}}}}}"#);
    agree(&body, true);
}
