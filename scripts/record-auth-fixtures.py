#!/usr/bin/env python3
"""Record real MediaWiki 1.39 AuthManager answers (two-factor clientlogin,
createaccount, a captcha) as fixture files.

Talks to wikis already started by scripts/test-wiki.sh (as
crates/mw-transport/tests/wiki/run.sh starts them) and writes
crates/mw-protocol/tests/fixtures/{clientlogin,createaccount}/mw139-*.http in
the format of scripts/record-mw139-fixtures.py (comment lines, the request
with secrets replaced, the status line, a few headers with cookie values
REDACTED, the body exactly as received).

Usage: scripts/record-auth-fixtures.py MAIN_ENV OATH_ENV CAPTCHA_ENV THROTTLE_ENV
       scripts/record-auth-fixtures.py --login-captcha CAPTCHA_ENV   (only the login captcha)
Not used by the tests themselves; it documents how the fixtures were made.
"""
import base64
import datetime
import hashlib
import hmac
import http.cookiejar
import os
import random
import struct
import subprocess
import sys
import time
import urllib.parse
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(REPO, "crates", "mw-protocol", "tests", "fixtures")
KEEP_HEADERS = ["content-type", "mediawiki-api-error", "set-cookie", "cache-control"]
DEB_VERSION = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "mediawiki"],
                             capture_output=True, text=True).stdout.strip() or "?"
ORIGIN = ("# recorded from MediaWiki 1.39 (Debian bookworm package mediawiki %s, PHP built-in server, "
          "sqlite) on loopback, %s, by scripts/record-auth-fixtures.py" % (DEB_VERSION, datetime.date.today()))


def env(path):
    with open(path) as fh:
        return dict(line.rstrip("\n").split("=", 1) for line in fh if "=" in line)


def totp(secret, counter):
    """RFC 6238 (SHA-1, 6 digits) for a 30-second counter."""
    mac = hmac.new(base64.b32decode(secret), struct.pack(">Q", counter), hashlib.sha1).digest()
    off = mac[-1] & 15
    return "%06d" % ((struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF) % 1000000)


class Client:
    def __init__(self, wiki):
        self.api = wiki["MW_API_URL"]
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.secrets = {}

    def send(self, params, fv="2", get=False):
        params = list(params) + [("format", "json"), ("formatversion", fv)]
        data = urllib.parse.urlencode(params)
        if get:
            req = urllib.request.Request(self.api + "?" + data)
        else:
            req = urllib.request.Request(self.api, data.encode())
        with self.opener.open(req) as r:
            self.last = (r.status, r.reason, r.headers, r.read())
        shown = []
        for k, v in params:
            if k in self.secrets:
                v = self.secrets[k]
            shown.append("%s=%s" % (k, v))
        self.last_request = ("GET /api.php?" if get else "POST /api.php  body: ") + "&".join(shown)
        import json
        return json.loads(self.last[3])

    def token(self, ty):
        t = self.send([("action", "query"), ("meta", "tokens"), ("type", ty)], get=True)
        return t["query"]["tokens"][ty + "token"]

    def save(self, group, name, what):
        status, reason, headers, body = self.last
        lines = [ORIGIN, "# " + what, "# request: " + self.last_request,
                 "HTTP/1.1 %d %s" % (status, reason)]
        for h in KEEP_HEADERS:
            for v in headers.get_all(h) or []:
                if h == "set-cookie":
                    n, _, rest = v.partition("=")
                    v = n + "=REDACTED;" + rest.partition(";")[2]
                lines.append("%s: %s" % (h, v))
        path = os.path.join(FIXTURES, group, "mw139-%s.http" % name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as fh:
            fh.write(("\n".join(lines) + "\n\n").encode() + body)
        print("wrote", os.path.relpath(path, REPO))


SECRETS = {"password": "<password>", "retype": "<password>", "logintoken": "<token>",
           "createtoken": "<token>", "OATHToken": "<code>", "captchaWord": "<answer>"}


def record_oath(w):
    for fv in ("1", "2"):
        c = Client(w)
        c.secrets = SECRETS
        t = c.token("login")
        login = [("action", "clientlogin"), ("username", w["MW_OATH_USER"]),
                 ("password", w["MW_OATH_PASSWORD"]), ("loginreturnurl", "http://127.0.0.1/"),
                 ("logintoken", t)]
        c.send(login, fv)
        c.save("clientlogin", "oath-ui-fv" + fv,
               "action=clientlogin, OATHAuth (TOTP) enrolled: the password is right, UI asks for OATHToken")
        cont = [("action", "clientlogin"), ("logincontinue", "1"), ("logintoken", t)]
        c.send(cont + [("OATHToken", "000000")], fv)
        c.save("clientlogin", "oath-wrong-code-fv" + fv,
               "logincontinue with a wrong OATHToken: UI again, messagecode oathauth-login-failed")
        if fv == "2":
            now = int(time.time() // 30)
            c.send(cont + [("OATHToken", totp(w["MW_OATH_SECRET"], now - 6))], fv)
            c.save("clientlogin", "oath-expired-code-fv2",
                   "logincontinue with the code of 6 periods ago (outside $wgOATHAuthWindowRadius 4): "
                   "UI again, oathauth-login-failed")
            # A window no test uses: 3 periods ahead (inside the radius).
            c.send(cont + [("OATHToken", totp(w["MW_OATH_SECRET"], now + 3))], fv)
            c.save("clientlogin", "oath-pass-fv2", "logincontinue with a valid TOTP code: PASS")


def record_create(main, throttle):
    c = Client(main)
    c.secrets = SECRETS
    t = c.token("createaccount")
    pw = "Fixture-%d-long-password" % random.randint(0, 10**9)

    def create(name, password, fv="2"):
        return c.send([("action", "createaccount"), ("username", name), ("password", password),
                       ("retype", password), ("createreturnurl", "http://127.0.0.1/"),
                       ("createtoken", t)], fv)

    for fv in ("1", "2"):
        c.send([("action", "query"), ("meta", "authmanagerinfo"), ("amirequestsfor", "create")],
               fv, get=True)
        c.save("createaccount", "authmanagerinfo-create-fv" + fv,
               "meta=authmanagerinfo&amirequestsfor=create on a wiki without a captcha")
        create("fixture%d" % random.randint(0, 10**9), pw, fv)
        c.save("createaccount", "pass-fv" + fv, "action=createaccount: PASS (the name's first letter upper-cased)")
        create(main["MW_MAIN_USER"], pw, fv)
        c.save("createaccount", "userexists-fv" + fv, "action=createaccount of an existing name: FAIL userexists")
    create("Fixture%d" % random.randint(0, 10**9), "password")
    c.save("createaccount", "common-password-fv2",
           "action=createaccount with the password \"password\": FAIL passwordincommonlist (password policy)")
    name = "Fixture%d" % random.randint(0, 10**9)
    create(name, name)
    c.save("createaccount", "password-is-username-fv2",
           "action=createaccount with the user name as password: FAIL password-substring-username-match")
    c.send([("action", "createaccount"), ("createcontinue", "1"), ("createtoken", t)])
    c.save("createaccount", "continue-not-in-progress-fv2",
           "action=createaccount&createcontinue=1 with nothing in progress: FAIL authmanager-create-not-in-progress")
    c = Client(throttle)
    c.secrets = SECRETS
    t = c.token("createaccount")
    for _ in range(5):
        r = create("Fixture%d" % random.randint(0, 10**9), pw)
        if r["createaccount"]["status"] == "FAIL":
            break
    c.save("createaccount", "throttled-fv2",
           "action=createaccount past $wgAccountCreationThrottle (2 a day; accountthrottle.php): "
           "FAIL acct_creation_throttle_hit")


def record_captcha(w):
    for fv in ("1", "2"):
        c = Client(w)
        c.secrets = SECRETS
        info = c.send([("action", "query"), ("meta", "authmanagerinfo"), ("amirequestsfor", "create")],
                      fv, get=True)
        c.save("createaccount", "authmanagerinfo-captcha-fv" + fv,
               "meta=authmanagerinfo&amirequestsfor=create with ConfirmEdit's QuestyCaptcha (captcha.php): "
               "the CaptchaAuthenticationRequest with captchaId (hidden), captchaInfo (null: the question), "
               "captchaWord")
    t = c.token("createaccount")
    pw = "Fixture-%d-long-password" % random.randint(0, 10**9)
    base = [("action", "createaccount"), ("username", "Fixture%d" % random.randint(0, 10**9)),
            ("password", pw), ("retype", pw), ("createreturnurl", "http://127.0.0.1/"),
            ("createtoken", t)]
    c.send(base)
    c.save("createaccount", "captcha-missing-fv2",
           "action=createaccount without the captcha's fields: FAIL captcha-createaccount-fail (no UI step)")
    for req in info["query"]["authmanagerinfo"]["requests"]:
        if req["id"] == "CaptchaAuthenticationRequest":
            cid = req["fields"]["captchaId"]["value"]
    c.send(base + [("captchaId", cid), ("captchaWord", "wrong")])
    c.save("createaccount", "captcha-wrong-fv2",
           "action=createaccount with a wrong captcha answer: FAIL captcha-createaccount-fail")
    info = c.send([("action", "query"), ("meta", "authmanagerinfo"), ("amirequestsfor", "create")], get=True)
    for req in info["query"]["authmanagerinfo"]["requests"]:
        if req["id"] == "CaptchaAuthenticationRequest":
            cid = req["fields"]["captchaId"]["value"]
    c.send(base + [("captchaId", cid), ("captchaWord", w["MW_CAPTCHA_ANSWER"])])
    c.save("createaccount", "captcha-pass-fv2", "action=createaccount with the captcha answered: PASS")


def record_login_captcha(w):
    """The login captcha of ConfirmEdit ($wgCaptchaTriggers['badlogin'], one
    bad login from the address): a fresh account, one wrong password, then
    the right one without, with a wrong and with the right answer."""
    c = Client(w)
    c.secrets = SECRETS
    name = "Fixture%d" % random.randint(0, 10**9)
    pw = "Fixture-%d-long-password" % random.randint(0, 10**9)

    def captcha_id(info):
        for req in info["query"]["authmanagerinfo"]["requests"]:
            if req["id"] == "CaptchaAuthenticationRequest":
                return req["fields"]["captchaId"]["value"]
        return None

    info = c.send([("action", "query"), ("meta", "authmanagerinfo"), ("amirequestsfor", "create")], get=True)
    t = c.token("createaccount")
    r = c.send([("action", "createaccount"), ("username", name), ("password", pw), ("retype", pw),
                ("createreturnurl", "http://127.0.0.1/"), ("createtoken", t),
                ("captchaId", captcha_id(info)), ("captchaWord", w["MW_CAPTCHA_ANSWER"])])
    assert r["createaccount"]["status"] == "PASS", r
    c = Client(w)
    c.secrets = SECRETS
    t = c.token("login")

    def login(password, extra=()):
        return c.send([("action", "clientlogin"), ("username", name), ("password", password),
                       ("loginreturnurl", "http://127.0.0.1/"), ("logintoken", t)] + list(extra))

    login("Wrong-password-1234")
    c.save("clientlogin", "captcha-bad-password-fv2",
           "clientlogin with a wrong password on the captcha wiki (captcha.php, badlogin after 1): FAIL wrongpassword")
    for fv in ("1", "2"):
        c.send([("action", "query"), ("meta", "authmanagerinfo"), ("amirequestsfor", "login")], fv, get=True)
        c.save("clientlogin", "authmanagerinfo-login-captcha-fv" + fv,
               "meta=authmanagerinfo&amirequestsfor=login after a failed login from the address: "
               "the CaptchaAuthenticationRequest (captchaId, captchaInfo, captchaWord) is listed")
    login(pw)
    c.save("clientlogin", "captcha-missing-fv2",
           "clientlogin with the right password but without the captcha, after a failed login: "
           "FAIL wrongpassword (ConfirmEdit does not say that the captcha failed)")
    info = c.send([("action", "query"), ("meta", "authmanagerinfo"), ("amirequestsfor", "login")], get=True)
    login(pw, [("captchaId", captcha_id(info)), ("captchaWord", "wrong")])
    c.save("clientlogin", "captcha-wrong-fv2",
           "clientlogin with the right password and a wrong captcha answer: FAIL wrongpassword")
    info = c.send([("action", "query"), ("meta", "authmanagerinfo"), ("amirequestsfor", "login")], get=True)
    c.save("clientlogin", "authmanagerinfo-login-captcha-again-fv2",
           "meta=authmanagerinfo&amirequestsfor=login after the wrong answer: a fresh captchaId")
    login(pw, [("captchaId", captcha_id(info)), ("captchaWord", w["MW_CAPTCHA_ANSWER"])])
    c.save("clientlogin", "captcha-pass-fv2",
           "clientlogin with the right password and the captcha answered: PASS")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--login-captcha":
        record_login_captcha(env(sys.argv[2]))
        sys.exit(0)
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    main, oath, captcha, throttle = (env(p) for p in sys.argv[1:])
    record_oath(oath)
    record_create(main, throttle)
    record_captcha(captcha)
    record_login_captcha(captcha)
