#!/usr/bin/env python3
"""Runs every example of README.md and docs/*.md against the test wikis.

    scripts/check-docs.py MAIN_ENV APACHE_ENV OATH_ENV CAPTCHA_ENV

(the env files of scripts/test-wiki.sh's main wiki, the one behind Apache,
and the OATHAuth and QuestyCaptcha variants of scripts/test.sh).

Run by scripts/test.sh with the Python of the tools virtualenv (mwauth
installed from the release wheel, mypy) and `cargo` on PATH.

* Every ```python block of README.md and docs/*.md is written to a file of
  its own, run with this Python (exit code 0 required, 120 s at most, in an
  empty directory), and all of them are type-checked together with
  `mypy --strict`.
* The ```sh blocks of docs/cli.md are run in order by one bash with
  `set -euo pipefail` (an `export` in one block holds in the next), in an
  empty directory. A `read -rs NAME` in a block whose names= does not
  list NAME gets that name's value (for the block's wiki) as a line of
  standard input, so `read -rs MW_PASSWORD` reads the password.

A block may declare what it expects in an HTML comment on the line above
its fence, words separated by spaces:

    <!-- doc-test: names=URL,BOT_USER,BOT_PASSWORD session=sync -->

  names=A,B,...     the runner defines these names (Python) or environment
                    variables (shell) for the test wiki, and a top-level
                    assignment of one of them in the block (a placeholder
                    such as URL = "https://en.wikipedia.org/w/api.php" or
                    export MW_API_URL=...) is replaced by the runner's value.
                    Known names: see NAMES below.
  session=sync      (Python) `s` is a mwauth.Session logged in with the bot
                    password, and mwauth is imported: for fragments.
  session=anon      (Python) the same, not logged in.
  session=async     (Python) the block runs inside an `async def` with `s`
                    a logged-in mwauth.AsyncSession (`await` works).
  wiki=apache       the names come from the wiki behind Apache over HTTPS
                    (CA_FILE is its throw-away CA).
  wiki=oath         ... from the OATHAuth wiki: OATH_USER, OATH_PASSWORD
                    (and MW_USERNAME, MW_PASSWORD there) are the account
                    with a TOTP key, OATH_CODE / MW_OATH_CODE a code of a
                    30-second window no test used (the lock protocol of
                    mw-test-support's totp.rs; in shell blocks computed when
                    the block runs).
  wiki=captcha      ... from the QuestyCaptcha wiki: CAPTCHA_ANSWER /
                    MW_CAPTCHA_ANSWER is the answer to its question.
                    Every wiki: NEW_USER is a fresh account name for each
                    block, NEW_PASSWORD / MW_NEW_PASSWORD a random password.
  typecheck-only=WHY  (Python) type-checked but not run, because it needs
                    what no local wiki has (WHY, with _ for spaces, says
                    what); listed as "not run" in the summary.
  skip=WHY          (shell) not run (for example: it installs a fuzzer);
                    listed as "not run".

A block without a comment gets nothing: it must run as written.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent))
import oath_window  # noqa: E402  (scripts/oath_window.py)

ROOT = Path(__file__).resolve().parent.parent
UA = "mw-auth-docs-check/1.0 (https://github.com/mw-auth/mw-auth; docs test)"

# name -> (env file key or None for a constant, Python type)
NAMES: Dict[str, Tuple[Optional[str], str]] = {
    "URL": ("MW_API_URL", "str"),
    "UA": (None, "str"),
    "BOT_USER": ("MW_BOT_USER", "str"),
    "BOT_PASSWORD": ("MW_BOT_PASSWORD", "str"),
    "MAIN_USER": ("MW_MAIN_USER", "str"),
    "MAIN_PASSWORD": ("MW_MAIN_PASSWORD", "str"),
    "CA_FILE": ("MW_CA_FILE", "str"),
    # the CLI's environment
    "MW_API_URL": ("MW_API_URL", "str"),
    "MW_USER_AGENT": (None, "str"),
    "MW_USERNAME": ("MW_BOT_USER", "str"),
    "MW_PASSWORD": ("MW_BOT_PASSWORD", "str"),
    # two-factor login (wiki=oath) and account creation
    "OATH_USER": ("MW_OATH_USER", "str"),
    "OATH_PASSWORD": ("MW_OATH_PASSWORD", "str"),
    "OATH_CODE": ("!totp", "str"),
    "MW_OATH_CODE": ("!totp", "str"),
    "CAPTCHA_ANSWER": ("MW_CAPTCHA_ANSWER", "str"),
    "MW_CAPTCHA_ANSWER": ("MW_CAPTCHA_ANSWER", "str"),
    "NEW_USER": ("!new-user", "str"),
    "NEW_PASSWORD": ("!new-password", "str"),
    "MW_NEW_PASSWORD": ("!new-password", "str"),
}

# What a name means on one wiki, where it differs.
WIKI_NAMES: Dict[str, Dict[str, str]] = {
    "oath": {"MW_USERNAME": "MW_OATH_USER", "MW_PASSWORD": "MW_OATH_PASSWORD"},
}

DIRECTIVE = re.compile(r"<!--\s*doc-test:(?P<body>.*?)-->")


@dataclass
class Block:
    path: Path
    line: int  # of the opening fence
    lang: str
    code: str
    options: Dict[str, str] = field(default_factory=dict)

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"

    def names(self) -> List[str]:
        names = [n for n in self.options.get("names", "").split(",") if n]
        for n in names:
            if n not in NAMES:
                sys.exit(f"{self.where}: unknown doc-test name {n!r} (known: {', '.join(NAMES)})")
        return names


def blocks(path: Path) -> List[Block]:
    found: List[Block] = []
    lines = path.read_text(encoding="utf-8").split("\n")
    i = 0
    while i < len(lines):
        m = re.match(r"^```(\w[\w,]*)\s*$", lines[i])
        if not m:
            i += 1
            continue
        start = i
        j = i + 1
        while j < len(lines) and not lines[j].startswith("```"):
            j += 1
        options: Dict[str, str] = {}
        if start > 0:
            d = DIRECTIVE.search(lines[start - 1])
            if d:
                for word in d.group("body").split():
                    key, _, value = word.partition("=")
                    if key not in ("names", "session", "wiki", "typecheck-only", "skip"):
                        sys.exit(f"{path}:{start}: unknown doc-test option {key!r}")
                    options[key] = value
        found.append(Block(path, start + 1, m.group(1), "\n".join(lines[start + 1 : j]) + "\n", options))
        i = j + 1
    return found


def read_env(path: str) -> Dict[str, str]:
    env: Dict[str, str] = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        key, sep, value = line.partition("=")
        if sep:
            env[key] = value
    return env


def fresh_totp(wiki: Dict[str, str]) -> str:
    """A code of a window no test used (scripts/oath_window.py). The turn
    is given back before the block uses the code: OATHAuth refuses a
    window older than the last one used, so this is only safe because the
    doc blocks run one at a time, after every other test."""
    with oath_window.reserve(wiki["MW_WIKI_DIR"], wiki["MW_OATH_SECRET"]) as code:
        return code


def value_of(name: str, wiki: Dict[str, str]) -> str:
    key = WIKI_NAMES.get(wiki.get("_name", ""), {}).get(name) or NAMES[name][0]
    if key is None:
        return UA
    if key == "!totp":
        return fresh_totp(wiki)
    if key == "!new-user":
        return "Doc" + secrets.token_hex(5).capitalize()
    if key == "!new-password":
        return "Doc-" + secrets.token_urlsafe(18)
    if key not in wiki:
        sys.exit(f"the {wiki.get('_name')} wiki's env file has no {key} (needed for {name})")
    return wiki[key]


def shell_value(name: str, wiki: Dict[str, str]) -> str:
    """The value as a shell word; a TOTP code is computed when the block
    runs (a Cargo build before it may outlast the window)."""
    if NAMES[name][0] == "!totp":
        env = str(Path(wiki["_path"]).resolve())
        return f'"$({shquote(sys.executable)} {shquote(str(Path(__file__).resolve()))} --fresh-totp {shquote(env)})"'
    return shquote(value_of(name, wiki))


def python_source(block: Block, wiki: Dict[str, str]) -> str:
    """The block as a file: the declared names, the session, the block
    with its placeholder assignments of declared names dropped."""
    names = block.names()
    prelude = [
        "# generated by scripts/check-docs.py from " + block.where,
        # An API warning (an unknown parameter, a deprecation) fails the run.
        "import warnings as _doc_warnings, mwauth as _doc_mwauth",
        '_doc_warnings.simplefilter("error", _doc_mwauth.MWWarning)',
    ]
    for n in names:
        prelude.append(f"{n}: {NAMES[n][1]} = {value_of(n, wiki)!r}")
    code = block.code
    for n in names:
        # A top-level placeholder `NAME = ...` (one line) gives way.
        code = re.sub(rf"(?m)^{n}\s*(:\s*\w+\s*)?=.*$", f"pass  # {n}: the test wiki's", code)
    session = block.options.get("session")
    if session in ("sync", "anon"):
        prelude += [
            "import mwauth",
            f"s = mwauth.Session({value_of('URL', wiki)!r}, user_agent={UA!r})",
        ]
        if session == "sync":
            prelude.append(f"s.login({value_of('BOT_USER', wiki)!r}, {value_of('BOT_PASSWORD', wiki)!r})")
        return "\n".join(prelude) + "\n" + code
    if session == "async":
        return (
            "\n".join(prelude)
            + "\nimport asyncio\nimport mwauth\n\n\nasync def _doc_main() -> None:\n"
            + f"    s = mwauth.AsyncSession({value_of('URL', wiki)!r}, user_agent={UA!r})\n"
            + f"    await s.login({value_of('BOT_USER', wiki)!r}, {value_of('BOT_PASSWORD', wiki)!r})\n"
            + textwrap.indent(code, "    ")
            + "\n\nasyncio.run(_doc_main())\n"
        )
    if session is not None:
        sys.exit(f"{block.where}: session= is sync, anon or async")
    return "\n".join(prelude) + "\n" + code


def run_python(found: List[Block], wikis: Dict[str, Dict[str, str]], work: Path) -> Tuple[List[str], List[str]]:
    failures: List[str] = []
    not_run: List[str] = []
    files: List[Path] = []
    for k, block in enumerate(found):
        wiki = wikis[block.options.get("wiki", "main")]
        src = work / f"doc_{k:02d}_{block.path.stem}_{block.line}.py"
        src.write_text(python_source(block, wiki), encoding="utf-8")
        files.append(src)
        if "typecheck-only" in block.options:
            not_run.append(f"{block.where} (type-checked only: {block.options['typecheck-only'].replace('_', ' ')})")
            continue
        cwd = work / f"run_{k:02d}"
        cwd.mkdir()
        try:
            r = subprocess.run([sys.executable, str(src)], cwd=cwd, capture_output=True, text=True, timeout=120)
        except subprocess.TimeoutExpired:
            failures.append(f"{block.where}: timed out after 120 s")
            continue
        status = "ok" if r.returncode == 0 else f"FAILED (exit {r.returncode})"
        print(f"  python {block.where}: {status}")
        if r.returncode != 0:
            failures.append(f"{block.where}: exit {r.returncode}\n{textwrap.indent(r.stdout + r.stderr, '    ')}")
    print(f"  mypy --strict on {len(files)} blocks")
    r = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--no-error-summary", *map(str, files)],
        cwd=work,
        capture_output=True,
        text=True,
    )
    if r.returncode != 0:
        failures.append("mypy --strict:\n" + textwrap.indent(r.stdout + r.stderr, "    "))
    return failures, not_run


def shell_script(found: List[Block], wikis: Dict[str, Dict[str, str]]) -> Tuple[str, List[str], List[str]]:
    """The script, what is not run, and the lines of its standard input."""
    parts = ["set -euo pipefail"]
    not_run: List[str] = []
    stdin: List[str] = []
    for block in found:
        if "skip" in block.options:
            not_run.append(f"{block.where} (not run: {block.options['skip'].replace('_', ' ')})")
            continue
        wiki = wikis[block.options.get("wiki", "main")]
        code = block.code
        parts.append(f"echo '  sh {block.where}' >&2")
        names = block.names()
        for n in names:
            value = shell_value(n, wiki)
            code, assigned = re.subn(
                rf"(?m)^(\s*(?:export\s+)?){n}=.*?(\s{{2,}}#.*)?$",
                lambda m: f"{m.group(1)}{n}={value}{m.group(2) or ''}",
                code,
            )
            # (A TOTP code is computed once: each one uses up a window.)
            if not (assigned and NAMES[n][0] == "!totp"):
                parts.append(f"export {n}={value}")
        for read in re.finditer(r"\bread\s+-rs\s+(\w+)", code):
            if read.group(1) not in names:
                if read.group(1) not in NAMES:
                    sys.exit(f"{block.where}: read -rs {read.group(1)}: not a known doc-test name")
                stdin.append(value_of(read.group(1), wiki))
        parts.append(code)
    return "\n".join(parts) + "\n", not_run, stdin


def shquote(s: str) -> str:
    return "'" + s.replace("'", "'\\''") + "'"


def run_shell(found: List[Block], wikis: Dict[str, Dict[str, str]], work: Path) -> Tuple[List[str], List[str]]:
    script, not_run, stdin = shell_script(found, wikis)
    (work / "cli.sh").write_text(script, encoding="utf-8")
    cwd = work / "cli"
    cwd.mkdir()
    env = dict(os.environ)
    # `cargo install` into a directory of the run, reusing the tree's build.
    env["CARGO_INSTALL_ROOT"] = str(work / "cargo-root")
    env["CARGO_TARGET_DIR"] = env.get("CARGO_TARGET_DIR", str(ROOT / "target"))
    env["PATH"] = f"{work / 'cargo-root' / 'bin'}:{env['PATH']}"
    for k in ("MW_API_URL", "MW_USERNAME", "MW_PASSWORD", "MW_SESSION_FILE", "SSL_CERT_FILE"):
        env.pop(k, None)
    # The repository's paths (cargo install --path crates/mw-cli) hold from
    # its root, as the docs say; the session file goes to the run's directory.
    env["MW_SESSION_FILE"] = str(cwd / ".mw-session.json")
    r = subprocess.run(
        ["bash", str(work / "cli.sh")],
        cwd=ROOT,
        env=env,
        input="".join(line + "\n" for line in stdin),
        capture_output=True,
        text=True,
        timeout=900,
    )
    sys.stderr.write(r.stderr if r.returncode != 0 else "".join(l + "\n" for l in r.stderr.splitlines() if l.startswith("  sh ")))
    if r.returncode != 0:
        return [f"docs/cli.md shell blocks: exit {r.returncode}\n{textwrap.indent(r.stdout[-4000:], '    ')}"], not_run
    secret_values = stdin + [w[k] for w in wikis.values() for k in ("MW_BOT_PASSWORD", "MW_MAIN_PASSWORD", "MW_OATH_PASSWORD") if k in w]
    if any(v and (v in r.stdout or v in r.stderr) for v in secret_values):
        return ["docs/cli.md shell blocks: a password appeared in the output"], not_run
    return [], not_run


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--fresh-totp":
        # For the shell blocks: a fresh code when the block runs.
        print(fresh_totp(read_env(sys.argv[2])))
        return 0
    if len(sys.argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    wikis: Dict[str, Dict[str, str]] = {}
    for name, path in zip(("main", "apache", "oath", "captcha"), sys.argv[1:]):
        wikis[name] = {**read_env(path), "_name": name, "_path": path}
    docs = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    python = [b for d in docs for b in blocks(d) if b.lang == "python"]
    shell = [b for b in blocks(ROOT / "docs" / "cli.md") if b.lang == "sh"]
    work = Path(tempfile.mkdtemp(prefix="mw-docs."))
    try:
        failures, not_run = run_python(python, wikis, work)
        f2, n2 = run_shell(shell, wikis, work)
        failures += f2
        not_run += n2
    finally:
        if not failures:
            shutil.rmtree(work, ignore_errors=True)
    ran = len(python) + len(shell) - len(not_run)
    print(f"check-docs: {ran} blocks ran, {len(python)} Python blocks type-checked, {len(not_run)} not run:")
    for n in not_run:
        print(f"  {n}")
    if failures:
        print(f"check-docs: {len(failures)} failures (files kept in {work}):", file=sys.stderr)
        for f in failures:
            print(f"- {f}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
