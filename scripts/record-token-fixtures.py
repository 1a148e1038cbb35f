#!/usr/bin/env python3
"""Records the fixtures of crates/mw-protocol/tests/fixtures/token_modules (and
tokens/mw139-anon-createaccount-plaintext-fv2.http and
login/mw139-createaccount-token-*) from a test wiki, making the calls of
crates/mw-transport/tests/real_wiki_tokens.rs with `requests`, in the client's
request format (errorformat=plaintext, formatversion=2). Secrets are never
written: requests show <token> and <password>; answers hold no secret except
the throw-away createaccount token of meta=tokens, as the other tokens/
fixtures do.

    scripts/test-wiki.sh start DIR
    python3 scripts/record-token-fixtures.py DIR/env
    INSTA_UPDATE=always cargo test -p mw-protocol --test token_modules --test responses
    # then review the snapshots

The header line names the MediaWiki and PHP versions of this machine's Debian
packages: update HEAD when they change.
"""
import os, sys, time
import requests
env = dict(l.strip().split("=", 1) for l in open(sys.argv[1]) if "=" in l)
API = env["MW_API_URL"]
FIX = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "crates", "mw-protocol", "tests", "fixtures")
HEAD = "# recorded from MediaWiki 1.39.17 (Debian bookworm package mediawiki 1:1.39.17-1+deb12u2, PHP 8.2.36 built-in server, sqlite) on loopback, " + time.strftime("%Y-%m-%d", time.gmtime())
KEEP = ("date", "mediawiki-api-error", "content-type", "cache-control")
SECRET_PARAMS = ("token", "createtoken", "lgtoken", "lgpassword", "password", "retype")
def shown(params):
    return "&".join(f"{k}=<{ 'password' if 'pass' in k or k=='retype' else 'token'}>" if k in SECRET_PARAMS else f"{k}={str(v).replace(chr(10), '%0A')}" for k, v in params.items())
def save(path, r, note, params, method):
    with open(f"{FIX}/{path}", "w") as f:
        f.write(HEAD + "\n")
        for line in note.split("\n"):
            f.write(f"# {line}\n")
        if method == "POST":
            f.write(f"# request: POST /api.php  body (application/x-www-form-urlencoded): {shown(params)}\n")
        else:
            f.write(f"# request: GET /api.php?{shown(params)}\n")
        f.write(f"HTTP/1.1 {r.status_code} {r.reason}\n")
        for k, v in r.headers.items():
            if k.lower() in KEEP: f.write(f"{k.lower()}: {v}\n")
        f.write("\n" + r.text)
    print(path, r.text[:200])
def sess():
    s = requests.Session(); s.headers["User-Agent"] = "mw-auth-fixture-recorder/0.1 (tests@example.org)"; return s
FMT = dict(format="json", formatversion="2", errorformat="plaintext")
def tok(s, t):
    return s.get(API, params=dict(action="query", meta="tokens", type=t, **FMT)).json()["query"]["tokens"][t + "token"]
def post(s, path=None, note="", **p):
    params = dict(p); params.update(FMT)
    r = s.post(API, data=params)
    if path: save(path, r, note, params, "POST")
    return r
def get(s, path=None, note="", **p):
    params = dict(p); params.update(FMT)
    r = s.get(API, params=params)
    if path: save(path, r, note, params, "GET")
    return r
TM = "token_modules/mw139-"
bot = sess(); post(bot, action="login", lgname=env["MW_BOT_USER"], lgpassword=env["MW_BOT_PASSWORD"], lgtoken=tok(bot, "login"))
other = sess(); post(other, action="clientlogin", username=env["MW_OTHER_USER"], password=env["MW_OTHER_PASSWORD"], loginreturnurl="http://127.0.0.1/", logintoken=tok(other, "login"))
u = str(int(time.time()))
page = f"Tokens fixture {u}"
post(other, action="edit", title=page, text="one", summary="fixture", token=tok(other, "csrf"))
bots = post(bot, TM + "edit-plaintext-fv2.http", "action=edit (appendtext) with the csrf token, logged in with a bot password", action="edit", title=page, appendtext="\ntwo", summary="fixture", token=tok(bot, "csrf")).json()["edit"]["newrevid"]
post(bot, TM + "edit-watch-token-badtoken-plaintext-fv2.http", "action=edit with a watch token (a valid token of the wrong type): badtoken, the csrf text", action="edit", title=page, appendtext="\nbad", token=tok(bot, "watch"))
post(other, action="edit", title=page, appendtext="\nthree", summary="fixture", token=tok(other, "csrf"))
post(bot, TM + "watch-plaintext-fv2.http", "action=watch titles=<page> with the watch token", action="watch", titles=page, token=tok(bot, "watch"))
post(bot, TM + "unwatch-plaintext-fv2.http", "action=watch unwatch=1 with the watch token", action="watch", titles=page, unwatch="1", token=tok(bot, "watch"))
post(bot, TM + "watch-missing-page-plaintext-fv2.http", "action=watch of a page that does not exist (it is watched all the same: missing, watched)", action="watch", titles=page + " missing", token=tok(bot, "watch"))
post(bot, TM + "watch-csrf-token-badtoken-plaintext-fv2.http", "action=watch with the csrf token: badtoken (its text still says CSRF)", action="watch", titles=page, token=tok(bot, "csrf"))
rc = get(bot, action="query", list="recentchanges", rctitle=page, rcuser=env["MW_OTHER_USER"], rcprop="ids|patrolled").json()["query"]["recentchanges"][0]["rcid"]
post(bot, TM + "patrol-csrf-token-badtoken-plaintext-fv2.http", "action=patrol rcid=<another user's change> with the csrf token: badtoken", action="patrol", rcid=str(rc), token=tok(bot, "csrf"))
post(bot, TM + "patrol-plaintext-fv2.http", "action=patrol rcid=<another user's change> with the patrol token ($wgUseRCPatrol, the bot group has patrol, the bot password the patrol grant)", action="patrol", rcid=str(rc), token=tok(bot, "patrol"))
post(bot, TM + "patrol-again-plaintext-fv2.http", "action=patrol of the same change again: no error, the same answer", action="patrol", rcid=str(rc), token=tok(bot, "patrol"))
post(bot, TM + "rollback-csrf-token-badtoken-plaintext-fv2.http", "action=rollback with the csrf token: badtoken", action="rollback", title=page, user=env["MW_OTHER_USER"], token=tok(bot, "csrf"))
post(bot, TM + "rollback-plaintext-fv2.http", f"action=rollback of OtherUser's edit (the page's revisions: OtherUser, TestBot r{bots}, OtherUser) with the rollback token", action="rollback", title=page, user=env["MW_OTHER_USER"], token=tok(bot, "rollback"))
post(bot, TM + "rollback-again-plaintext-fv2.http", "action=rollback again: OtherUser is no longer the last editor (an error, alreadyrolled)", action="rollback", title=page, user=env["MW_OTHER_USER"], token=tok(bot, "rollback"))
anon = sess()
name = f"Tokens fixture {u}"
pw = "Acc-" + os.urandom(12).hex()
save("tokens/mw139-anon-createaccount-plaintext-fv2.http", anon.get(API, params=dict(action="query", meta="tokens", type="createaccount", **FMT)), "meta=tokens&type=createaccount while anonymous: a full token (array salt), not +\\", dict(action="query", meta="tokens", type="createaccount", **FMT), "GET")
post(anon, TM + "createaccount-login-token-badtoken-plaintext-fv2.http", "action=createaccount anonymously with a login token as createtoken: badtoken", action="createaccount", username=name, password=pw, retype=pw, createreturnurl="http://127.0.0.1/", createtoken=tok(anon, "login"))
post(anon, TM + "createaccount-pass-plaintext-fv2.http", "action=createaccount anonymously with the createaccount token: PASS (the session stays anonymous)", action="createaccount", username=name, password=pw, retype=pw, createreturnurl="http://127.0.0.1/", createtoken=tok(anon, "createaccount"))
post(anon, TM + "createaccount-exists-plaintext-fv2.http", "action=createaccount of the same name again: FAIL, userexists", action="createaccount", username=name, password=pw, retype=pw, createreturnurl="http://127.0.0.1/", createtoken=tok(anon, "createaccount"))
post(bot, TM + "userrights-csrf-token-badtoken-plaintext-fv2.http", "action=userrights with the csrf token: badtoken", action="userrights", user=name, add="tokentest", token=tok(bot, "csrf"))
post(bot, TM + "userrights-add-plaintext-fv2.http", "action=userrights add=tokentest with the userrights token (the bot group may add it: $wgAddGroups)", action="userrights", user=name, add="tokentest", reason="fixture", token=tok(bot, "userrights"))
post(bot, TM + "userrights-remove-plaintext-fv2.http", "action=userrights remove=tokentest ($wgRemoveGroups)", action="userrights", user=name, remove="tokentest", token=tok(bot, "userrights"))
post(bot, TM + "userrights-not-allowed-plaintext-fv2.http", "action=userrights add=sysop, a group the bot may not add: no error and no warning, added is empty", action="userrights", user=name, add="sysop", token=tok(bot, "userrights"))
l = sess()
tok(l, "createaccount")
post(l, "login/mw139-createaccount-token-sessionlost-plaintext-fv2.http", "action=login with a createaccount token as lgtoken, on a session that never held a login token: Failed, sessionlost (not badtoken)", action="login", lgname=env["MW_BOT_USER"], lgpassword=env["MW_BOT_PASSWORD"], lgtoken=tok(l, "createaccount"))
tok(l, "login")
post(l, "login/mw139-createaccount-token-wrongtoken-plaintext-fv2.http", "action=login with a createaccount token as lgtoken, the session holding a login token: WrongToken (not badtoken)", action="login", lgname=env["MW_BOT_USER"], lgpassword=env["MW_BOT_PASSWORD"], lgtoken=tok(l, "createaccount"))
