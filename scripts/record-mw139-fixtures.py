#!/usr/bin/env python3
"""Record real MediaWiki 1.39 API responses as fixture files.

Starts throw-away wikis with scripts/test-wiki.sh, talks to them with curl
(one cookie jar per simulated client) and writes
crates/mw-protocol/tests/fixtures/<group>/mw139-<name>.http in the format

    # comment lines (origin, what the case is)
    # request: <method and parameters, secrets replaced by <token>/<password>>
    HTTP/1.1 <status> <reason>
    <lowercase header>: <value>      (only a few headers; cookie values REDACTED)

    <body exactly as received>

Usage: scripts/record-mw139-fixtures.py [WORK_DIR]   (default /tmp/mw139-fixtures)
Not used by the tests themselves; it documents how the fixtures were made.
"""
import datetime
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(REPO, "scripts", "test-wiki.sh")
FIXTURES = os.path.join(REPO, "crates", "mw-protocol", "tests", "fixtures")
WORK = sys.argv[1] if len(sys.argv) > 1 else "/tmp/mw139-fixtures"
KEEP_HEADERS = ["content-type", "mediawiki-api-error", "retry-after", "x-database-lag",
                "set-cookie", "date", "cache-control"]
TODAY = datetime.date.today().isoformat()
MW_VERSION = "?"
DEB_VERSION = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "mediawiki"],
                             capture_output=True, text=True).stdout.strip() or "?"
WRITTEN = []


def start_wiki(name, extra_php=None):
    d = os.path.join(WORK, name)
    args = [SCRIPT, "start", d]
    if extra_php is not None:
        f = os.path.join(WORK, name + "-extra.php")
        with open(f, "w") as fh:
            fh.write("<?php\n" + extra_php)
        args.append(f)
    out = subprocess.run(args, check=True, capture_output=True, text=True)
    env_path = out.stdout.strip().splitlines()[-1]
    env = {}
    with open(env_path) as fh:
        for line in fh:
            k, _, v = line.strip().partition("=")
            env[k] = v
    env["_name"] = name
    env["_extra"] = extra_php
    return env


def stop_wiki(env):
    subprocess.run([SCRIPT, "stop", env["MW_WIKI_DIR"]], check=True)


def enc(pairs):
    return "&".join(urllib.parse.quote(k, safe="") + "=" + urllib.parse.quote(v, safe="")
                    for k, v in pairs)


class Client:
    """One HTTP client = one cookie jar."""
    counter = 0

    def __init__(self, wiki):
        Client.counter += 1
        self.wiki = wiki
        self.jar = os.path.join(WORK, "jar-%d.txt" % Client.counter)
        if os.path.exists(self.jar):
            os.unlink(self.jar)
        self.secrets = {}  # real value -> placeholder
        for k in ("MW_BOT_PASSWORD", "MW_MAIN_PASSWORD", "MW_ADMIN_PASSWORD"):
            self.secrets[wiki[k]] = "<password>"

    def request(self, method, query=(), body=None, raw_body=None, raw_query=None,
                headers=(), path="/api.php", content_type=True):
        url = self.wiki["MW_SERVER_URL"] + path
        q = raw_query if raw_query is not None else enc(query)
        if q:
            url += "?" + q
        hdr_file = tempfile.NamedTemporaryFile(delete=False, dir=WORK)
        body_file = tempfile.NamedTemporaryFile(delete=False, dir=WORK)
        hdr_file.close()
        body_file.close()
        cmd = ["curl", "-s", "-S", "-X", method, "-D", hdr_file.name, "-o", body_file.name,
               "-b", self.jar, "-c", self.jar, "-H", "Expect:", "--max-time", "60"]
        for h in headers:
            cmd += ["-H", h]
        data = None
        if raw_body is not None:
            data = raw_body
        elif body is not None:
            data = enc(body)
        if data is not None:
            if content_type:
                cmd += ["-H", "Content-Type: application/x-www-form-urlencoded"]
            else:
                cmd += ["-H", "Content-Type:"]
            cmd += ["--data-binary", "@-"]
        cmd.append(url)
        subprocess.run(cmd, input=(data or "").encode(), check=True)
        with open(hdr_file.name, "rb") as fh:
            raw_headers = fh.read().decode("iso-8859-1")
        with open(body_file.name, "rb") as fh:
            resp_body = fh.read()
        os.unlink(hdr_file.name)
        os.unlink(body_file.name)
        blocks = [b for b in re.split(r"\r?\n\r?\n", raw_headers) if b.strip()]
        lines = blocks[-1].splitlines()
        status = lines[0].strip()
        hdrs = []
        for line in lines[1:]:
            name, _, value = line.partition(":")
            hdrs.append((name.strip().lower(), value.strip()))
        return Response(self, method, path, q, data, status, hdrs, resp_body, content_type)

    def json(self, method, params, **kw):
        if method == "GET":
            r = self.request("GET", query=params, **kw)
        else:
            r = self.request("POST", body=params, **kw)
        return json.loads(r.body)

    def token(self, typ="csrf"):
        t = self.json("GET", [("action", "query"), ("meta", "tokens"), ("type", typ),
                               ("format", "json"), ("formatversion", "2")])["query"]["tokens"][typ + "token"]
        if t != "+\\":
            self.secrets[t] = "<token>"
        return t

    def login_bot(self):
        lt = self.token("login")
        r = self.json("POST", [("action", "login"), ("lgname", self.wiki["MW_BOT_USER"]),
                               ("lgpassword", self.wiki["MW_BOT_PASSWORD"]), ("lgtoken", lt),
                               ("format", "json"), ("formatversion", "2")])
        assert r["login"]["result"] == "Success", r
        return self

    def clientlogin_main(self):
        lt = self.token("login")
        r = self.json("POST", [("action", "clientlogin"), ("username", self.wiki["MW_MAIN_USER"]),
                               ("password", self.wiki["MW_MAIN_PASSWORD"]), ("logintoken", lt),
                               ("loginreturnurl", "http://127.0.0.1/"),
                               ("format", "json"), ("formatversion", "2")])
        assert r["clientlogin"]["status"] == "PASS", r
        return self

    def cookie_names(self):
        names = []
        if os.path.exists(self.jar):
            with open(self.jar) as fh:
                for line in fh:
                    parts = line.rstrip("\n").split("\t")
                    if len(parts) == 7:
                        names.append(parts[5])
        return names


class Response:
    def __init__(self, client, method, path, query, data, status, headers, body, content_type):
        self.client, self.method, self.path, self.query, self.data = client, method, path, query, data
        self.status, self.headers, self.body, self.content_type = status, headers, body, content_type

    def json(self):
        return json.loads(self.body)

    def header(self, name):
        return [v for k, v in self.headers if k == name]

    def redact(self, text):
        for secret, placeholder in sorted(self.client.secrets.items(), key=lambda kv: -len(kv[0])):
            text = text.replace(secret, placeholder)
        return text

    def request_line(self, note=None):
        def show(qs):
            # values shown percent-decoded for readability
            parts = []
            for item in qs.split("&"):
                k, eq, v = item.partition("=")
                parts.append(urllib.parse.unquote(k) + eq + urllib.parse.unquote(v))
            out = self.redact("&".join(parts))
            return out.replace("\r", "\\r").replace("\n", "\\n")
        s = "%s %s" % (self.method, self.path)
        if self.query:
            s += "?" + show(self.query)
        if self.data is not None:
            ct = "application/x-www-form-urlencoded" if self.content_type else "no Content-Type header"
            s += "  body (%s): %s" % (ct, show(self.data))
        if note:
            s += "  " + note
        return s

    def save(self, group, name, comment, note=None):
        lines = ["# recorded from MediaWiki %s (Debian bookworm package mediawiki %s, PHP %s "
                 "built-in server, sqlite) on loopback, %s"
                 % (MW_VERSION, DEB_VERSION, PHP_VERSION, TODAY)]
        for c in comment.strip().splitlines():
            lines.append("# " + c.strip())
        w = self.client.wiki
        if w.get("_extra"):
            for c in w["_extra"].strip().splitlines():
                lines.append("# extra LocalSettings.php: " + c.strip())
        lines.append("# request: " + self.request_line(note))
        lines.append(self.status)
        for k, v in self.headers:
            if k not in KEEP_HEADERS:
                continue
            if k == "set-cookie":
                cname, _, rest = v.partition("=")
                _, semi, attrs = rest.partition(";")
                v = cname + "=REDACTED" + (";" + attrs if semi else "")
            lines.append("%s: %s" % (k, v))
        text = "\n".join(lines) + "\n\n"
        data = text.encode("utf-8") + self.body
        for secret in (w["MW_BOT_PASSWORD"], w["MW_MAIN_PASSWORD"], w["MW_ADMIN_PASSWORD"]):
            assert secret.encode() not in data, "secret leaked into %s/%s" % (group, name)
        d = os.path.join(FIXTURES, group)
        os.makedirs(d, exist_ok=True)
        fn = os.path.join(d, "mw139-%s.http" % name)
        with open(fn, "wb") as fh:
            fh.write(data)
        WRITTEN.append((group, name, comment.strip().splitlines()[0]))
        return self


FV = {"fv1": [("format", "json")], "fv2": [("format", "json"), ("formatversion", "2")]}
ERRFMTS = ["bc", "plaintext", "wikitext", "html", "raw", "none"]


def fmt(fv, errorformat=None):
    p = list(FV[fv])
    if errorformat and errorformat != "bc":
        p.append(("errorformat", errorformat))
    return p


def q(*pairs):
    return list(pairs)


# ======================================================================== cases
def record_tokens(w):
    for fv in FV:
        c = Client(w)
        c.request("GET", q(("action", "query"), ("meta", "tokens")) + fmt(fv)).save(
            "tokens", "anon-csrf-" + fv, "meta=tokens while anonymous, default type (csrf): the logged-out token +\\")
        c = Client(w)
        r = c.request("GET", q(("action", "query"), ("meta", "tokens"), ("type", "login")) + fmt(fv))
        r.save("tokens", "anon-login-" + fv,
               "meta=tokens&type=login while anonymous: a real token, and the session cookie is set")
        c = Client(w)
        c.request("GET", q(("action", "query"), ("meta", "tokens"),
                           ("type", "csrf|watch|patrol|rollback|userrights|login|createaccount")) + fmt(fv)).save(
            "tokens", "anon-multi-" + fv,
            "meta=tokens with several types while anonymous: string-salt types are +\\, login/createaccount real")
        c = Client(w).login_bot()
        c.request("GET", q(("action", "query"), ("meta", "tokens"),
                           ("type", "csrf|watch|patrol|rollback|userrights|login|createaccount")) + fmt(fv)).save(
            "tokens", "bot-multi-" + fv,
            "meta=tokens with several types, logged in with a bot password (TestBot@client)\n"
            "tokens are real (throw-away wiki); output keys follow the request order (only type=* is ksorted)")
        c.request("GET", q(("action", "query"), ("meta", "tokens"), ("type", "*")) + fmt(fv)).save(
            "tokens", "bot-all-" + fv, "meta=tokens&type=* (PARAM_ALL) logged in with a bot password: every type")
        c.request("POST", body=q(("action", "query"), ("meta", "tokens")) + fmt(fv)).save(
            "tokens", "bot-csrf-post-" + fv, "meta=tokens default type (csrf) via POST, bot-password session")
        c = Client(w)
        c.request("GET", q(("action", "query"), ("meta", "tokens"), ("type", "foo")) + fmt(fv)).save(
            "tokens", "unknown-type-" + fv, "meta=tokens&type=foo: unknown type dropped with a warning, empty tokens")
        c.request("GET", q(("action", "query"), ("meta", "tokens"), ("type", "csrf|foo")) + fmt(fv)).save(
            "tokens", "mixed-type-" + fv, "meta=tokens&type=csrf|foo: known type returned, warning for foo")
        c.request("GET", q(("action", "query"), ("meta", "tokens"), ("type", "*")) + fmt(fv)).save(
            "tokens", "anon-all-" + fv, "meta=tokens&type=* while anonymous")
        c = Client(w).login_bot()
        c.request("GET", q(("action", "query"), ("meta", "tokens"), ("type", "csrf|login"), ("origin", "*"))
                  + fmt(fv)).save(
            "tokens", "origin-star-" + fv,
            "meta=tokens with origin=* (anonymous CORS mode), bot-password session cookies sent:\n"
            "no tokens at all, warning apiwarn-tokens-origin")
        c.request("GET", q(("action", "query"), ("meta", "tokens"), ("type", "csrf"), ("callback", "cb")) + fmt(fv)
                  ).save("tokens", "callback-" + fv,
                         "meta=tokens with callback=cb (JSONP), bot-password session: no tokens, warning")
    for ef in ERRFMTS[1:]:
        for fv in FV:
            c = Client(w)
            c.request("GET", q(("action", "query"), ("meta", "tokens"), ("type", "csrf|foo")) + fmt(fv, ef)).save(
                "tokens", "mixed-type-%s-%s" % (ef, fv), "meta=tokens&type=csrf|foo with errorformat=%s" % ef)
    c = Client(w)
    c.request("GET", q(("action", "query"), ("meta", "tokens"), ("type", "csrf"), ("origin", "*")) +
              fmt("fv2", "plaintext")).save(
        "tokens", "origin-star-plaintext-fv2", "meta=tokens with origin=*, errorformat=plaintext")


def record_checktoken(w):
    for fv in FV:
        c = Client(w).login_bot()
        t = c.token("csrf")
        c.request("POST", body=q(("action", "checktoken"), ("type", "csrf"), ("token", t)) + fmt(fv)).save(
            "checktoken", "valid-" + fv, "checktoken on a valid csrf token (bot-password session), token in POST body")
        bad = "0123456789abcdef0123456789abcdef" + t[32:]  # right shape and timestamp, wrong HMAC
        c.request("POST", body=q(("action", "checktoken"), ("type", "csrf"), ("token", bad)) + fmt(fv)).save(
            "checktoken", "invalid-" + fv,
            "checktoken on a well-formed but wrong token (HMAC part replaced, timestamp kept)",
            note="(token sent: 0123456789abcdef0123456789abcdef + real timestamp + \"+\\\")")
        t = c.token("csrf")
        time.sleep(2.2)
        c.request("POST", body=q(("action", "checktoken"), ("type", "csrf"), ("token", t), ("maxtokenage", "1"))
                  + fmt(fv)).save("checktoken", "expired-" + fv,
                                  "checktoken with maxtokenage=1 on a csrf token fetched 2.2 s earlier")
        a = Client(w)
        a.request("POST", body=q(("action", "checktoken"), ("type", "csrf"), ("token", "+\\")) + fmt(fv)).save(
            "checktoken", "anon-csrf-" + fv, "checktoken type=csrf token=+\\ while anonymous: valid, no generated")
        lt = a.token("login")
        a.request("POST", body=q(("action", "checktoken"), ("type", "login"), ("token", lt)) + fmt(fv)).save(
            "checktoken", "anon-login-" + fv, "checktoken type=login with a login token while anonymous")
        a.request("POST", body=q(("action", "checktoken"), ("type", "csrf"), ("token", lt)) + fmt(fv)).save(
            "checktoken", "wrong-type-" + fv, "checktoken type=csrf given a login token (anonymous): invalid, with generated")
        c.request("POST", body=q(("action", "checktoken"), ("token", t)) + fmt(fv)).save(
            "checktoken", "missing-type-" + fv, "checktoken without type")
        c.request("POST", body=q(("action", "checktoken"), ("type", "csrf")) + fmt(fv)).save(
            "checktoken", "missing-token-" + fv, "checktoken without token")
        c.request("POST", body=q(("action", "checktoken"), ("type", "foo"), ("token", t)) + fmt(fv)).save(
            "checktoken", "unknown-type-" + fv, "checktoken with type=foo")
        # '+' sent unencoded: PHP decodes it to a space, so the token ends in " \"
        t = c.token("csrf")
        raw = "action=checktoken&type=csrf&token=%s%s&%s" % (t[:-2], "+\\", enc(fmt(fv)))
        c.request("POST", raw_body=raw).save(
            "checktoken", "plus-as-space-" + fv,
            "checktoken with the token's \"+\\\" sent unencoded in the POST body (the + arrives as a space)",
            note="(the body held the real token with its suffix written literally as +\\ , not as %2B%5C:"
                 " form decoding turns the + into a space, so the server saw <32 hex><8 hex><space>\\)")
        rq = "action=checktoken&type=csrf&token=%s%s&%s" % (t[:-2], "+%5C", enc(fmt(fv)))
        c.request("GET", raw_query=rq).save(
            "checktoken", "plus-as-space-get-" + fv,
            "checktoken via GET with the token's + not percent-encoded in the URL (decoded as space)",
            note="(URL held <32 hex><8 hex>+%5C: the + is not percent-encoded, so the server saw"
                 " <32 hex><8 hex><space>\\)")
    c = Client(w).login_bot()
    t = c.token("csrf")
    c.request("GET", q(("action", "checktoken"), ("type", "csrf"), ("token", t)) + fmt("fv2")).save(
        "checktoken", "valid-get-fv2", "checktoken via GET with the token in the URL (works; the client never does this)")
    for ef in ERRFMTS[1:]:
        c.request("POST", body=q(("action", "checktoken"), ("type", "csrf")) + fmt("fv2", ef)).save(
            "checktoken", "missing-token-%s-fv2" % ef, "checktoken without token, errorformat=%s" % ef)


def record_login(w):
    bot, bpw = w["MW_BOT_USER"], w["MW_BOT_PASSWORD"]
    main, mpw = w["MW_MAIN_USER"], w["MW_MAIN_PASSWORD"]
    wrong_bot_pw = "0123456789abcdefghijklmnopqrstuv"  # bot-password shaped, wrong
    for fv in FV:
        c = Client(w)
        lt = c.token("login")
        c.request("POST", body=q(("action", "login"), ("lgname", bot), ("lgpassword", bpw), ("lgtoken", lt))
                  + fmt(fv)).save("login", "botpw-success-" + fv,
                                  "action=login with a bot password (TestBot@client): Success, wiki_BPsession set")
        c = Client(w)
        c.request("POST", body=q(("action", "login"), ("lgname", bot), ("lgpassword", bpw)) + fmt(fv)).save(
            "login", "needtoken-" + fv, "action=login without lgtoken (fresh client): NeedToken + deprecation warning")
        c = Client(w)
        c.token("login")
        c.request("POST", body=q(("action", "login"), ("lgname", bot), ("lgpassword", bpw),
                                 ("lgtoken", "0123456789abcdef0123456789abcdef65000000+\\")) + fmt(fv)).save(
            "login", "wrongtoken-" + fv, "action=login with a wrong lgtoken (session has a login token): WrongToken",
            note="(lgtoken sent: 0123456789abcdef0123456789abcdef65000000+\\)")
        c = Client(w)
        lt = c.token("login")
        r = c.request("POST", body=q(("action", "login"), ("lgname", bot), ("lgpassword", wrong_bot_pw),
                                     ("lgtoken", lt)) + fmt(fv))
        r.save("login", "botpw-failed-" + fv, "action=login TestBot@client with a wrong bot password: Failed",
               note="(lgpassword: a wrong 32-char [0-9a-w] string)")
        c = Client(w)
        lt = c.token("login")
        c.request("POST", body=q(("action", "login"), ("lgname", main), ("lgpassword", "Wrong-password-1234"),
                                 ("lgtoken", lt)) + fmt(fv)).save(
            "login", "main-failed-" + fv, "action=login with the main account name and a wrong password: Failed")
        c = Client(w)
        lt = c.token("login")
        c.request("POST", body=q(("action", "login"), ("lgname", main), ("lgpassword", mpw), ("lgtoken", lt))
                  + fmt(fv)).save("login", "main-success-" + fv,
                                  "action=login with the MAIN account password: Success + deprecation warnings")
        c = Client(w)
        lt = c.token("login")
        c.request("POST", query=q(("action", "login"), ("lgpassword", bpw)) + fmt(fv),
                  body=q(("lgname", bot), ("lgtoken", lt))).save(
            "login", "password-in-query-" + fv, "action=login POST with lgpassword in the query string: mustpostparams")
        c = Client(w)
        c.request("GET", q(("action", "login"), ("lgname", bot)) + fmt(fv)).save(
            "login", "get-" + fv, "action=login via GET (no password/token): mustbeposted")
        c = Client(w)
        c.request("POST", body=q(("action", "login"), ("lgname", bot), ("lgpassword", bpw),
                                 ("lgtoken", "0123456789abcdef0123456789abcdef65000000+\\")) + fmt(fv)).save(
            "login", "sessionlost-" + fv,
            "action=login with an lgtoken but no session cookie (login token secret new): Failed/sessionlost",
            note="(lgtoken sent: 0123456789abcdef0123456789abcdef65000000+\\)")
        c = Client(w)
        lt = c.token("login")
        c.request("POST", body=q(("action", "login"), ("lgname", bot), ("lgpassword", bpw), ("lgtoken", lt),
                                 ("origin", "*")) + fmt(fv)).save(
            "login", "origin-star-" + fv, "action=login with origin=*: Aborted (same-origin policy)")
    c = Client(w)
    c.request("GET", q(("action", "login"), ("lgname", bot), ("lgpassword", bpw)) + fmt("fv2")).save(
        "login", "get-password-in-query-fv2",
        "action=login via GET with lgpassword in the URL: mustbeposted wins (checked before execute)")
    for ef in ERRFMTS[1:]:
        for fv in FV:
            c = Client(w)
            lt = c.token("login")
            c.request("POST", body=q(("action", "login"), ("lgname", bot), ("lgpassword", wrong_bot_pw),
                                     ("lgtoken", lt)) + fmt(fv, ef)).save(
                "login", "botpw-failed-%s-%s" % (ef, fv), "action=login wrong bot password, errorformat=%s" % ef,
                note="(lgpassword: a wrong 32-char [0-9a-w] string)")
        c = Client(w)
        lt = c.token("login")
        c.request("POST", body=q(("action", "login"), ("lgname", main), ("lgpassword", mpw), ("lgtoken", lt))
                  + fmt("fv2", ef)).save("login", "main-success-%s-fv2" % ef,
                                         "action=login main account Success, errorformat=%s" % ef)
        c = Client(w)
        c.request("POST", body=q(("action", "login"), ("lgname", bot), ("lgpassword", bpw)) + fmt("fv2", ef)).save(
            "login", "needtoken-%s-fv2" % ef, "action=login NeedToken, errorformat=%s" % ef)


def record_clientlogin(w):
    main, mpw = w["MW_MAIN_USER"], w["MW_MAIN_PASSWORD"]
    for fv in FV:
        c = Client(w)
        lt = c.token("login")
        c.request("POST", body=q(("action", "clientlogin"), ("username", main), ("password", mpw),
                                 ("logintoken", lt), ("loginreturnurl", "http://127.0.0.1/")) + fmt(fv)).save(
            "clientlogin", "pass-" + fv, "action=clientlogin with the main account: PASS")
        c = Client(w)
        lt = c.token("login")
        c.request("POST", body=q(("action", "clientlogin"), ("username", main), ("password", "Wrong-password-1234"),
                                 ("logintoken", lt), ("loginreturnurl", "http://127.0.0.1/")) + fmt(fv)).save(
            "clientlogin", "fail-" + fv, "action=clientlogin with a wrong password: FAIL")
        c = Client(w)
        c.request("POST", body=q(("action", "clientlogin"), ("username", main), ("password", mpw),
                                 ("loginreturnurl", "http://127.0.0.1/")) + fmt(fv)).save(
            "clientlogin", "missing-token-" + fv, "action=clientlogin without logintoken")
        c = Client(w)
        c.token("login")
        c.request("POST", body=q(("action", "clientlogin"), ("username", main), ("password", mpw),
                                 ("logintoken", "0123456789abcdef0123456789abcdef65000000+\\"),
                                 ("loginreturnurl", "http://127.0.0.1/")) + fmt(fv)).save(
            "clientlogin", "bad-token-" + fv, "action=clientlogin with a wrong logintoken",
            note="(logintoken sent: 0123456789abcdef0123456789abcdef65000000+\\)")
    c = Client(w)
    lt = c.token("login")
    c.request("POST", query=q(("action", "clientlogin"), ("password", mpw)) + fmt("fv2"),
              body=q(("username", main), ("logintoken", lt), ("loginreturnurl", "http://127.0.0.1/"))).save(
        "clientlogin", "password-in-query-fv2", "action=clientlogin with password in the query string")
    c = Client(w)
    lt = c.token("login")
    c.request("POST", body=q(("action", "clientlogin"), ("username", main), ("password", mpw),
                             ("logintoken", lt)) + fmt("fv2")).save(
        "clientlogin", "missing-returnurl-fv2", "action=clientlogin without loginreturnurl/logincontinue")
    c = Client(w)
    lt = c.token("login")
    c.request("POST", body=q(("action", "clientlogin"), ("username", w["MW_BOT_USER"]),
                             ("password", w["MW_BOT_PASSWORD"]), ("logintoken", lt),
                             ("loginreturnurl", "http://127.0.0.1/")) + fmt("fv2")).save(
        "clientlogin", "botpw-fail-fv2", "action=clientlogin with the bot password (not supported there): FAIL")
    for ef in ("plaintext", "raw", "none"):
        c = Client(w)
        lt = c.token("login")
        c.request("POST", body=q(("action", "clientlogin"), ("username", main), ("password", "Wrong-password-1234"),
                                 ("logintoken", lt), ("loginreturnurl", "http://127.0.0.1/")) + fmt("fv2", ef)).save(
            "clientlogin", "fail-%s-fv2" % ef, "action=clientlogin wrong password, errorformat=%s" % ef)
    for fmtname in ("html", "raw", "none"):
        c = Client(w)
        lt = c.token("login")
        c.request("POST", body=q(("action", "clientlogin"), ("username", main), ("password", "Wrong-password-1234"),
                                 ("logintoken", lt), ("loginreturnurl", "http://127.0.0.1/"),
                                 ("loginmessageformat", fmtname)) + fmt("fv2")).save(
            "clientlogin", "fail-messageformat-%s-fv2" % fmtname,
            "action=clientlogin wrong password, loginmessageformat=%s" % fmtname)
    for fv in FV:
        c = Client(w)
        c.request("GET", q(("action", "query"), ("meta", "authmanagerinfo"), ("amirequestsfor", "login"))
                  + fmt(fv)).save("clientlogin", "authmanagerinfo-login-" + fv,
                                  "meta=authmanagerinfo&amirequestsfor=login while anonymous")


def record_logout(w):
    for fv in FV:
        c = Client(w).login_bot()
        t = c.token("csrf")
        c.request("POST", body=q(("action", "logout"), ("token", t)) + fmt(fv)).save(
            "logout", "botpw-success-" + fv, "action=logout (POST, csrf token) of a bot-password session: {}")
        c.request("POST", body=q(("action", "logout"), ("token", t)) + fmt(fv)).save(
            "logout", "botpw-again-" + fv, "action=logout again with the old csrf token after a bot-password logout")
        c.request("GET", q(("action", "query"), ("meta", "userinfo")) + fmt(fv)).save(
            "logout", "botpw-after-userinfo-" + fv, "meta=userinfo after the bot-password logout (same cookie jar)")
        c = Client(w).clientlogin_main()
        t = c.token("csrf")
        c.request("POST", body=q(("action", "logout"), ("token", t)) + fmt(fv)).save(
            "logout", "main-success-" + fv,
            "action=logout (POST, csrf token) of a main-account session (clientlogin): {} and cookies cleared")
        c.request("POST", body=q(("action", "logout"), ("token", t)) + fmt(fv)).save(
            "logout", "main-again-" + fv, "action=logout again with the old csrf token: badtoken")
        c = Client(w).login_bot()
        t = c.token("csrf")
        c.request("POST", query=q(("action", "logout"), ("token", t)) + fmt(fv), body=[]).save(
            "logout", "token-in-query-" + fv, "action=logout POST with the token in the query string")
        c.request("GET", q(("action", "logout"), ("token", t)) + fmt(fv)).save(
            "logout", "get-token-in-query-" + fv, "action=logout GET with the token in the query string")
        c.request("GET", q(("action", "logout"),) + fmt(fv)).save(
            "logout", "get-no-token-" + fv, "action=logout GET without token")
        c.request("POST", body=q(("action", "logout"),) + fmt(fv)).save(
            "logout", "post-no-token-" + fv, "action=logout POST without token while logged in (bot password)")
        c.request("POST", body=q(("action", "logout"), ("token", "+\\")) + fmt(fv)).save(
            "logout", "loggedin-anon-token-" + fv, "action=logout POST with token +\\ while logged in: badtoken")
        a = Client(w)
        a.request("POST", body=q(("action", "logout"), ("token", "+\\")) + fmt(fv)).save(
            "logout", "anon-" + fv, "action=logout POST with token +\\ while anonymous")
    for ef in ERRFMTS[1:]:
        c = Client(w).login_bot()
        c.request("POST", body=q(("action", "logout"),) + fmt("fv2", ef)).save(
            "logout", "post-no-token-%s-fv2" % ef, "action=logout POST without token, errorformat=%s" % ef)


def record_legacy(w):
    for fv in FV:
        c = Client(w)
        c.request("GET", q(("action", "tokens")) + fmt(fv)).save(
            "legacy_tokens", "action-tokens-" + fv, "action=tokens (removed in 1.37)")
        c.request("GET", q(("action", "tokens"), ("type", "edit")) + fmt(fv)).save(
            "legacy_tokens", "action-tokens-edit-" + fv, "action=tokens&type=edit")
        c = Client(w).login_bot()
        c.request("GET", q(("action", "query"), ("prop", "info"), ("intoken", "edit"), ("titles", "Main Page"))
                  + fmt(fv)).save("legacy_tokens", "intoken-" + fv,
                                  "prop=info&intoken=edit (removed parameter), bot-password session")
        c.request("GET", q(("action", "query"), ("meta", "userinfo"), ("uiprop", "preferencestoken"))
                  + fmt(fv)).save("legacy_tokens", "uiprop-preferencestoken-" + fv,
                                  "meta=userinfo&uiprop=preferencestoken, bot-password session")
        c.request("GET", q(("action", "query"), ("prop", "revisions"), ("rvtoken", "rollback"),
                           ("titles", "Main Page")) + fmt(fv)).save(
            "legacy_tokens", "rvtoken-" + fv, "prop=revisions&rvtoken=rollback, bot-password session")
        c.request("GET", q(("action", "query"), ("list", "users"), ("ususers", w["MW_MAIN_USER"]),
                           ("ustoken", "userrights")) + fmt(fv)).save(
            "legacy_tokens", "ustoken-" + fv, "list=users&ustoken=userrights, bot-password session")
        c.request("GET", q(("action", "query"), ("list", "recentchanges"), ("rctoken", "patrol"), ("rclimit", "1"))
                  + fmt(fv)).save("legacy_tokens", "rctoken-" + fv,
                                  "list=recentchanges&rctoken=patrol, bot-password session")
    for ef in ERRFMTS[1:]:
        c = Client(w)
        c.request("GET", q(("action", "query"), ("prop", "info"), ("intoken", "edit"), ("titles", "Main Page"))
                  + fmt("fv2", ef)).save("legacy_tokens", "intoken-%s-fv2" % ef,
                                         "prop=info&intoken=edit, errorformat=%s" % ef)
        c.request("GET", q(("action", "tokens"),) + fmt("fv2", ef)).save(
            "legacy_tokens", "action-tokens-%s-fv2" % ef, "action=tokens, errorformat=%s" % ef)


def record_envelope(w):
    for ef in ERRFMTS:
        for fv in FV:
            c = Client(w)
            c.request("POST", body=q(("action", "logout"), ("token", "0123456789abcdef0123456789abcdef65000000+\\"))
                      + fmt(fv, ef)).save(
                "envelope", "badtoken-%s-%s" % (ef, fv),
                "badtoken error (anonymous action=logout with a wrong token), errorformat=%s" % ef,
                note="(token sent: 0123456789abcdef0123456789abcdef65000000+\\)")
            c.request("GET", q(("action", "query"), ("meta", "tokens"), ("type", "csrf|foo"), ("bogus", "1"))
                      + fmt(fv, ef)).save(
                "envelope", "warnings-%s-%s" % (ef, fv),
                "two warnings from two modules (main: unrecognized parameter; tokens: unrecognized value),"
                " errorformat=%s" % ef)
            c.request("POST", body=q(("action", "logout"), ("token", "0123456789abcdef0123456789abcdef65000000+\\"),
                                     ("bogus", "1")) + fmt(fv, ef)).save(
                "envelope", "error-and-warning-%s-%s" % (ef, fv),
                "badtoken error with an unrecognized parameter: the unrecognized-parameter warning is NOT\n"
                "in error responses (it is only added after the module ran), errorformat=%s" % ef,
                note="(token sent: 0123456789abcdef0123456789abcdef65000000+\\)")
    m = Client(w).clientlogin_main()
    t = m.token("csrf")
    for ef in ERRFMTS:
        for fv in (FV if ef in ("bc", "plaintext") else ["fv2"]):
            m.request("POST", body=q(("action", "edit"), ("title", "Main Page"), ("watch", "1"), ("token", t))
                      + fmt(fv, ef)).save(
                "envelope", "error-with-warnings-%s-%s" % (ef, fv),
                "error raised after warnings were added (edit: deprecated watch=1, no text): warnings kept,\n"
                "main-account session; errorformat=%s" % ef)
    for fv in FV:
        a = Client(w)
        a.request("GET", q(("action", "query"), ("meta", "userinfo"), ("assert", "user")) + fmt(fv)).save(
            "envelope", "assertuserfailed-" + fv, "assert=user while anonymous")
        a.request("GET", q(("action", "query"), ("meta", "userinfo"), ("assert", "bot")) + fmt(fv)).save(
            "envelope", "assertbotfailed-" + fv, "assert=bot while anonymous")
        b = Client(w).login_bot()
        b.request("GET", q(("action", "query"), ("meta", "userinfo"), ("assert", "anon")) + fmt(fv)).save(
            "envelope", "assertanonfailed-" + fv, "assert=anon while logged in (bot password)")
        b.request("GET", q(("action", "query"), ("meta", "userinfo"), ("assertuser", "Somebody Else")) + fmt(fv)
                  ).save("envelope", "assertnameduserfailed-" + fv, "assertuser=Somebody Else while logged in as TestBot")
        b.request("GET", q(("action", "query"), ("meta", "userinfo"), ("assert", "bot"), ("assertuser", "TestBot"))
                  + fmt(fv)).save("envelope", "assert-ok-" + fv,
                                  "assert=bot&assertuser=TestBot while logged in with the bot password: passes")
        m = Client(w).clientlogin_main()
        m.request("GET", q(("action", "query"), ("meta", "userinfo"), ("assert", "bot")) + fmt(fv)).save(
            "envelope", "assertbot-main-" + fv, "assert=bot while logged in with the main account (clientlogin)")
        a.request("GET", q(("action", "query"), ("meta", "siteinfo"), ("siprop", "general"),
                           ("requestid", "req-42 ü")) + fmt(fv)).save(
            "envelope", "requestid-ok-" + fv, "requestid echoed in a successful response")
        a.request("POST", body=q(("action", "logout"), ("token", "bad"), ("requestid", "req-43")) + fmt(fv)).save(
            "envelope", "requestid-error-" + fv, "requestid echoed in an error response (badtoken)")
        a.request("GET", q(("action", "nosuchaction"),) + fmt(fv)).save(
            "envelope", "unknown-action-" + fv, "unknown action")
        a.request("GET", q(("action", "föö"),) + fmt(fv)).save(
            "envelope", "unknown-action-nonascii-" + fv, "unknown non-ASCII action, default (\\u escapes)")
        a.request("GET", q(("action", "föö"), ("utf8", "1")) + fmt(fv)).save(
            "envelope", "unknown-action-nonascii-utf8-" + fv, "unknown non-ASCII action, utf8=1")
        a.request("GET", q(("action", "föö"), ("ascii", "1")) + fmt(fv)).save(
            "envelope", "unknown-action-nonascii-ascii-" + fv, "unknown non-ASCII action, ascii=1")
        a.request("GET", q(("action", "query"), ("meta", "tokens"), ("maxlag", "-1")) + fmt(fv)).save(
            "envelope", "maxlag-minus1-" + fv,
            "maxlag=-1 on a single sqlite server: LoadBalancer::getMaxLag() returns lag -1, -1 > -1 is false: no error")
        a.request("GET", q(("action", "query"), ("meta", "tokens"), ("maxlag", "-2")) + fmt(fv)).save(
            "envelope", "maxlag-minus2-" + fv,
            "maxlag=-2 on a single sqlite server: lag -1 > -2, so a REAL maxlag error (lag -1, host \"\")")
        a.request("GET", q(("action", "query"), ("meta", "tokens"), ("maxlag", "0")) + fmt(fv)).save(
            "envelope", "maxlag-zero-" + fv, "maxlag=0 on a single sqlite server: no error")
        a.request("GET", q(("action", "query"), ("meta", "tokens"), ("maxlag", "abc")) + fmt(fv)).save(
            "envelope", "maxlag-notint-" + fv, "maxlag=abc: badinteger")
        a.request("POST", query=q(("action", "query"), ("meta", "tokens")) + fmt(fv), raw_body="x=1",
                  content_type=False).save(
            "envelope", "post-without-content-type-" + fv,
            "POST without a Content-Type header (parameters in the URL; PHP does not parse such a body:\n"
            "with the parameters in the body, api.php would see no action and print its HTML help page)")
        a.request("PUT", q(("action", "query"), ("meta", "tokens")) + fmt(fv)).save(
            "envelope", "put-method-" + fv, "HTTP PUT: invalid method")
        a.request("GET", q(("action", "query"), ("meta", "tokens"), ("format", "xml"))
                  + ([("formatversion", "2")] if fv == "fv2" else [])).save(
            "envelope", "xml-ok-" + fv, "format=xml success")
        a.request("POST", body=q(("action", "logout"), ("token", "bad"), ("format", "xml"))
                  + ([("formatversion", "2")] if fv == "fv2" else [])).save(
            "envelope", "xml-badtoken-" + fv, "format=xml badtoken error")
    for ef in ("plaintext", "raw"):
        a = Client(w)
        a.request("GET", q(("action", "query"), ("meta", "tokens"), ("maxlag", "-2")) + fmt("fv2", ef)).save(
            "envelope", "maxlag-minus2-%s-fv2" % ef, "maxlag=-2 (real maxlag error on sqlite), errorformat=%s" % ef)
    a = Client(w)
    a.request("GET", q(("action", "query"), ("meta", "tokens"), ("format", "jsonfm"))).save(
        "envelope", "jsonfm-html", "format=jsonfm: HTML page instead of JSON")
    a.request("POST", body=q(("action", "logout"), ("token", "bad"), ("format", "jsonfm"))).save(
        "envelope", "jsonfm-badtoken-html", "format=jsonfm error: HTML page with the error inside")
    a.request("GET", q(("action", "query"), ("meta", "tokens"), ("format", "json")), path="/nonexistent.php").save(
        "envelope", "notfound-html", "a non-existent PHP page (404 from the PHP built-in server, not MediaWiki)")
    a.request("GET", q(("title", "Special:BlankPage"),), path="/index.php").save(
        "envelope", "index-php-html",
        "index.php instead of api.php (misconfigured endpoint): an HTML wiki page, status 200")
    a.request("GET", q(("action", "query"), ("meta", "tokens"), ("callback", "cb"), ("format", "json"))).save(
        "envelope", "callback-error-free", "JSONP callback response (text/javascript)")
    a.request("POST", body=q(("action", "logout"), ("token", "bad"), ("format", "json"), ("callback", "cb"))).save(
        "envelope", "callback-badtoken", "JSONP callback with an error")


def record_readonly(w):
    # $wgReadOnly is set only for requests carrying the header X-Test-Readonly, so the
    # sessions can be logged in first (login itself is refused on a read-only wiki).
    ro = ["X-Test-Readonly: 1"]
    note = "(request header X-Test-Readonly: 1, which sets $wgReadOnly)"
    for fv in FV:
        b = Client(w).login_bot()
        t = b.token("csrf")
        b.request("POST", body=q(("action", "edit"), ("title", "Read only test"), ("text", "x"), ("token", t))
                  + fmt(fv), headers=ro).save("envelope", "readonly-edit-" + fv, "action=edit on a read-only wiki",
                                              note=note)
        b.request("GET", q(("action", "query"), ("meta", "tokens"), ("type", "csrf|login")) + fmt(fv),
                  headers=ro).save("envelope", "readonly-tokens-" + fv, "meta=tokens on a read-only wiki (bot session)",
                                   note=note)
        b.request("POST", body=q(("action", "logout"), ("token", t)) + fmt(fv), headers=ro).save(
            "envelope", "readonly-logout-" + fv, "action=logout on a read-only wiki (bot-password session)",
            note=note)
        m = Client(w).clientlogin_main()
        t = m.token("csrf")
        m.request("POST", body=q(("action", "logout"), ("token", t)) + fmt(fv), headers=ro).save(
            "envelope", "readonly-logout-main-" + fv, "action=logout on a read-only wiki (main-account session)",
            note=note)
        c = Client(w)
        lt = c.token("login")
        c.request("POST", body=q(("action", "login"), ("lgname", w["MW_BOT_USER"]),
                                 ("lgpassword", w["MW_BOT_PASSWORD"]), ("lgtoken", lt)) + fmt(fv),
                  headers=ro).save("envelope", "readonly-botlogin-" + fv,
                                   "action=login with the bot password on a read-only wiki", note=note)
        c = Client(w)
        lt = c.token("login")
        c.request("POST", body=q(("action", "clientlogin"), ("username", w["MW_MAIN_USER"]),
                                 ("password", w["MW_MAIN_PASSWORD"]), ("logintoken", lt),
                                 ("loginreturnurl", "http://127.0.0.1/")) + fmt(fv),
                  headers=ro).save("envelope", "readonly-clientlogin-" + fv,
                                   "action=clientlogin on a read-only wiki", note=note)
    for ef in ERRFMTS[1:]:
        b = Client(w).login_bot()
        t = b.token("csrf")
        b.request("POST", body=q(("action", "edit"), ("title", "Read only test"), ("text", "x"), ("token", t))
                  + fmt("fv2", ef), headers=ro).save("envelope", "readonly-edit-%s-fv2" % ef,
                                                     "action=edit on a read-only wiki, errorformat=%s" % ef, note=note)


def record_ratelimit(w):
    # bot-password grants here (basic, editpage, highvolume) cannot create pages: edit Main Page
    b = Client(w).login_bot()
    t = b.token("csrf")
    b.request("POST", body=q(("action", "edit"), ("title", "Main Page"), ("appendtext", " one"),
                             ("token", t)) + fmt("fv2")).save(
        "envelope", "ratelimit-edit1-fv2", "first edit by the bot (limit: 1 edit per 60 s): Success")
    for fv in FV:
        b.request("POST", body=q(("action", "edit"), ("title", "Main Page"), ("appendtext", " two"),
                                 ("token", t)) + fmt(fv)).save(
            "envelope", "ratelimited-" + fv, "another edit by the bot within 60 s: ratelimited")
    for ef in ERRFMTS[1:]:
        b.request("POST", body=q(("action", "edit"), ("title", "Main Page"), ("appendtext", " three"),
                                 ("token", t)) + fmt("fv2", ef)).save(
            "envelope", "ratelimited-%s-fv2" % ef, "edit while rate limited, errorformat=%s" % ef)


def record_lag(w):
    # create jobs: edits with $wgJobRunRate = 0 leave jobs in the queue
    b = Client(w).clientlogin_main()
    t = b.token("csrf")
    for i in range(3):
        r = b.json("POST", [("action", "edit"), ("title", "Lag test %d" % i), ("text", "[[Link %d]]" % i),
                            ("token", t)] + fmt("fv2"))
        assert r.get("edit", {}).get("result") == "Success", r
    for fv in FV:
        a = Client(w)
        a.request("GET", q(("action", "query"), ("meta", "tokens"), ("maxlag", "5")) + fmt(fv),
                  headers=["X-Test-Lag: 7"]).save(
            "envelope", "maxlag-db-" + fv,
            "maxlag=5 while the ApiMaxLagInfo hook (test extra settings) reports db1.test lagged 7 s;\n"
            "$wgShowHostnames = true, so the message names the host and servedby is present",
            note="(request header X-Test-Lag: 7)")
        a.request("GET", q(("action", "query"), ("meta", "tokens"), ("maxlag", "0")) + fmt(fv)).save(
            "envelope", "maxlag-jobqueue-" + fv,
            "maxlag=0 with $wgJobQueueIncludeInMaxLagFactor = 1 and jobs waiting in the queue\n"
            "($wgJobRunRate = 0, three edits made before): a real maxlag error of type jobqueue")
        a.request("GET", q(("action", "query"), ("meta", "tokens"), ("maxlag", "5")) + fmt(fv),
                  headers=["X-Test-Lag: 3"]).save(
            "envelope", "maxlag-db-below-" + fv, "maxlag=5, reported db lag 3 s: no error (servedby is only added to errors)",
            note="(request header X-Test-Lag: 3)")
        a.request("POST", body=q(("action", "logout"), ("token", "bad")) + fmt(fv)).save(
            "envelope", "badtoken-servedby-" + fv, "badtoken error with $wgShowHostnames = true (servedby)")
    for ef in ("plaintext", "wikitext", "html", "raw", "none"):
        a = Client(w)
        a.request("GET", q(("action", "query"), ("meta", "tokens"), ("maxlag", "5")) + fmt("fv2", ef),
                  headers=["X-Test-Lag: 7"]).save(
            "envelope", "maxlag-db-%s-fv2" % ef, "maxlag db error, errorformat=%s" % ef,
            note="(request header X-Test-Lag: 7)")
    a = Client(w)
    a.request("GET", q(("action", "query"), ("meta", "tokens"), ("maxlag", "5")) + fmt("fv1", "plaintext"),
              headers=["X-Test-Lag: 7"]).save(
        "envelope", "maxlag-db-plaintext-fv1", "maxlag db error, errorformat=plaintext",
        note="(request header X-Test-Lag: 7)")


READONLY_PHP = ("if ( isset( $_SERVER['HTTP_X_TEST_READONLY'] ) ) { "
                "$wgReadOnly = 'Fixture recording: read-only test'; }\n")
RATELIMIT_PHP = ("$wgMainCacheType = CACHE_DB;\n"
                 "$wgRateLimits = [ 'edit' => [ '&can-bypass' => false, 'user' => [ 1, 60 ], "
                 "'newbie' => [ 1, 60 ] ] ];\n")
LAG_PHP = ("$wgShowHostnames = true;\n"
           "$wgJobQueueIncludeInMaxLagFactor = 1;\n"
           "$wgHooks['ApiMaxLagInfo'][] = static function ( &$lagInfo ) { "
           "if ( isset( $_SERVER['HTTP_X_TEST_LAG'] ) ) { $lagInfo = [ 'host' => 'db1.test', "
           "'lag' => (int)$_SERVER['HTTP_X_TEST_LAG'], 'type' => 'db' ]; } };\n")


def main():
    global MW_VERSION, PHP_VERSION
    os.makedirs(WORK, exist_ok=True)
    for g in ("tokens", "checktoken", "login", "clientlogin", "logout", "legacy_tokens", "envelope"):
        d = os.path.join(FIXTURES, g)
        if os.path.isdir(d):
            for f in os.listdir(d):
                if f.startswith("mw139-") and f.endswith(".http"):
                    os.unlink(os.path.join(d, f))
    PHP_VERSION = subprocess.run(["php", "-r", "echo PHP_VERSION;"], capture_output=True, text=True).stdout
    wikis = []
    try:
        plain = start_wiki("plain")
        wikis.append(plain)
        gen = Client(plain).json("GET", [("action", "query"), ("meta", "siteinfo"), ("format", "json")])
        MW_VERSION = gen["query"]["general"]["generator"].replace("MediaWiki ", "")
        record_tokens(plain)
        record_checktoken(plain)
        record_login(plain)
        record_clientlogin(plain)
        record_logout(plain)
        record_legacy(plain)
        record_envelope(plain)
        ro = start_wiki("readonly", READONLY_PHP)
        wikis.append(ro)
        record_readonly(ro)
        rl = start_wiki("ratelimit", RATELIMIT_PHP)
        wikis.append(rl)
        record_ratelimit(rl)
        lag = start_wiki("lag", LAG_PHP)
        wikis.append(lag)
        record_lag(lag)
        # cookie names actually seen
        c = Client(plain).login_bot()
        m = Client(plain).clientlogin_main()
        print("cookies after bot-password login:", sorted(set(c.cookie_names())))
        print("cookies after clientlogin:", sorted(set(m.cookie_names())))
    finally:
        for w in wikis:
            stop_wiki(w)
    for g, n, c in WRITTEN:
        print("%s/mw139-%s.http\t%s" % (g, n, c))
    print("%d fixture files" % len(WRITTEN))


if __name__ == "__main__":
    main()
