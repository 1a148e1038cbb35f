"""RFC 6238 codes for the two-factor test wiki, and the turn to use one.

OATHAuth (``TOTPKey::verify`` in MediaWiki 1.39's extension) accepts a
code of a 30-second window up to three windows ahead, but only a window
later than the last one the account used. Tests running at once must
therefore take windows in order and log in in that order. The protocol,
shared with mw-test-support's ``totp.rs``: the last window handed out is
in ``MW_WIKI_DIR/oath-window``; a lock directory ``oath-window.lock`` is
held from choosing a window until the login that uses it is done.

Used by ``tests/python/test_auth_live.py`` (through its conftest path)
and by ``scripts/check-docs.py``.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import os
import struct
import time
from typing import Iterator

PERIOD = 30
# Windows OATHAuth accepts ahead of the current one.
AHEAD = 3
# A lock older than this was left by a process that died.
STALE_LOCK_SECS = 120


def totp(secret: str, counter: int) -> str:
    """RFC 6238 (SHA-1, 6 digits) for the 30-second window ``counter``."""
    mac = hmac.new(base64.b32decode(secret), struct.pack(">Q", counter), hashlib.sha1).digest()
    off = mac[-1] & 15
    return "%06d" % ((struct.unpack(">I", mac[off : off + 4])[0] & 0x7FFFFFFF) % 1000000)


def window_now() -> int:
    """The current 30-second window."""
    return int(time.time() // PERIOD)


@contextlib.contextmanager
def reserve(wiki_dir: str, secret: str) -> Iterator[str]:
    """A code for a window no one used, with the turn to use it: keep the
    ``with`` block open until the login that sends the code is done."""
    lock = os.path.join(wiki_dir, "oath-window.lock")
    state = os.path.join(wiki_dir, "oath-window")
    while True:
        try:
            os.mkdir(lock)
            break
        except FileExistsError:
            try:
                if time.time() - os.stat(lock).st_mtime > STALE_LOCK_SECS:
                    os.rmdir(lock)
            except OSError:
                pass
            time.sleep(0.02)
    try:
        last = 0
        if os.path.exists(state):
            with open(state, encoding="ascii") as f:
                last = int(f.read().strip() or 0)
        window = max(last + 1, window_now())
        while window > window_now() + AHEAD:
            time.sleep(0.5)
        with open(state, "w", encoding="ascii") as f:
            f.write(str(window))
        yield totp(secret, window)
    finally:
        os.rmdir(lock)


if __name__ == "__main__":
    # A self-check: the RFC 6238 test vector (SHA-1, T = 59 s).
    rfc_secret = base64.b32encode(b"12345678901234567890").decode()
    assert totp(rfc_secret, 59 // 30) == "287082", totp(rfc_secret, 1)
    print("oath_window: RFC 6238 vector ok")
