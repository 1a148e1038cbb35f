"""The seeds' sample code as one script: what `mw flow` does, in the pages'
own style (API:Logout steps 1-4 with API:Tokens for every type and the
API:Checktoken sample in between and after). bench/process_time.py runs it
as a whole process against `mw flow`.

    MW_API_URL=... MW_USERNAME=... MW_PASSWORD=... python bench/seed_script.py
"""

import os

import requests

S = requests.Session()
URL = os.environ["MW_API_URL"]
S.headers["User-Agent"] = os.environ.get("MW_USER_AGENT", "seed-script/0.0 (bench@example.org)")

PARAMS_0 = {"action": "query", "meta": "tokens", "type": "login", "format": "json"}
R = S.get(url=URL, params=PARAMS_0)
LOGIN_TOKEN = R.json()["query"]["tokens"]["logintoken"]

PARAMS_1 = {
    "action": "login",
    "lgname": os.environ["MW_USERNAME"],
    "lgpassword": os.environ["MW_PASSWORD"],
    "lgtoken": LOGIN_TOKEN,
    "format": "json",
}
R = S.post(URL, data=PARAMS_1)
assert R.json()["login"]["result"] == "Success", R.text

PARAMS_2 = {
    "action": "query",
    "meta": "tokens",
    "type": "csrf|watch|patrol|rollback|userrights|createaccount",
    "format": "json",
}
R = S.get(url=URL, params=PARAMS_2)
CSRF_TOKEN = R.json()["query"]["tokens"]["csrftoken"]

for token, want in ((CSRF_TOKEN, "valid"), ("123ABC", "invalid")):
    R = S.get(url=URL, params={"action": "checktoken", "type": "csrf", "token": token, "format": "json"})
    assert R.json()["checktoken"]["result"] == want, R.text

PARAMS_3 = {"action": "logout", "token": CSRF_TOKEN, "format": "json"}
R = S.post(URL, data=PARAMS_3)
assert R.json() == {}, R.text

R = S.get(url=URL, params={"action": "checktoken", "type": "csrf", "token": CSRF_TOKEN, "format": "json"})
assert R.json()["checktoken"]["result"] == "invalid", R.text
print("done: 7 requests")
