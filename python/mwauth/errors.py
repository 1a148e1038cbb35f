"""The exceptions and warning categories of :mod:`mwauth`.

Every exception the package raises is an :class:`MWError`. The Rust core maps
its errors to these classes in one place (``crates/mw-py/src/errors.rs``)::

    MWError
    ├── APIError                  the wiki answered with an API error
    │   ├── BadTokenError         badtoken (after the automatic retry)
    │   ├── MaxLagError           maxlag (after the retries)
    │   ├── RateLimitedError      ratelimited (after the retries)
    │   ├── ReadOnlyError         readonly
    │   └── AssertionFailedError  assertuserfailed, assertbotfailed, ...
    ├── LoginError                login / clientlogin did not log in
    │   └── SecondFactorError     the two-factor code was refused; continue again
    ├── CreateAccountError        createaccount did not create the account
    ├── SessionLostError          the wiki forgot the session; re-login failed
    ├── TransportError            the request could not be completed
    │   ├── TimeoutError          (also a builtins.TimeoutError)
    │   └── HTTPStatusError       an HTTP error status without an API error
    ├── DecodeError               not an API response (also a ValueError)
    ├── UnsupportedError          the wiki does not offer what was asked
    ├── InvalidInputError         a bad argument (also a ValueError)
    ├── SessionFileError          a session file could not be saved or loaded
    └── CentralAuthSessionError   cross-wiki calls need a main-account login

Messages never contain a token or a password.

Warnings of the server are delivered through :mod:`warnings` as
:class:`MWWarning` (or :class:`MWDeprecationWarning` for deprecations) when a
result is obtained, and are also listed on results (``.warnings``).
"""

from __future__ import annotations

import builtins
from typing import Any

__all__ = [
    "MWError",
    "APIError",
    "BadTokenError",
    "MaxLagError",
    "RateLimitedError",
    "ReadOnlyError",
    "AssertionFailedError",
    "LoginError",
    "SecondFactorError",
    "CreateAccountError",
    "SessionLostError",
    "NotLoggedInError",
    "TransportError",
    "TimeoutError",
    "HTTPStatusError",
    "MaybeAppliedError",
    "DecodeError",
    "NotAPIError",
    "UnsupportedError",
    "InvalidInputError",
    "SessionFileError",
    "CentralAuthSessionError",
    "MWWarning",
    "MWDeprecationWarning",
]


def _rebuild(cls: type, args: tuple[Any, ...], state: dict[str, Any]) -> BaseException:
    exc: BaseException = cls.__new__(cls, *args)
    BaseException.__init__(exc, *args)
    exc.__dict__.update(state)
    return exc


class MWError(Exception):
    """Base class of every error raised by :mod:`mwauth`."""

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only attributes survive pickling (multiprocessing, logging).
        return (_rebuild, (type(self), self.args, dict(self.__dict__)))


class APIError(MWError):
    """The wiki answered with a MediaWiki API error.

    ``str(e)`` is ``"<code>: <info>"``.
    """

    code: str
    """The error code (``badtoken``, ``maxlag``, ``missingparam``, ...)."""
    info: str
    """The server's human-readable text."""
    module: str | None
    """The module that failed, when the server said."""
    data: Any
    """Extra data the server attached (for ``maxlag``: ``host``, ``lag``, ``type``)."""
    http_status: int
    """The HTTP status the error came with (200 for most API errors)."""
    retry_after: float | None
    """Seconds the server asked to wait (``Retry-After``), if it did."""

    def __init__(
        self,
        message: str,
        *,
        code: str = "unknown",
        info: str = "",
        module: str | None = None,
        data: Any = None,
        http_status: int = 200,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.info = info
        self.module = module
        self.data = data
        self.http_status = http_status
        self.retry_after = retry_after


class BadTokenError(APIError):
    """``badtoken``: the token was rejected, even after fetching a fresh one."""


class MaxLagError(APIError):
    """``maxlag``: the database replicas lag; the retries were used up."""

    lag: float | None
    """The replication lag in seconds, when the server said (in the error's
    data, or only in its text on older wikis): read by the Rust core."""

    def __init__(
        self,
        message: str,
        *,
        code: str = "maxlag",
        info: str = "",
        module: str | None = None,
        data: Any = None,
        http_status: int = 200,
        retry_after: float | None = None,
        lag: float | None = None,
    ) -> None:
        super().__init__(
            message,
            code=code,
            info=info,
            module=module,
            data=data,
            http_status=http_status,
            retry_after=retry_after,
        )
        self.lag = lag


class RateLimitedError(APIError):
    """``ratelimited``: too many actions; the retries were used up."""


class ReadOnlyError(APIError):
    """``readonly``: the wiki is in read-only mode."""


class AssertionFailedError(APIError):
    """``assertuserfailed`` / ``assertbotfailed`` / ``assertnameduserfailed``."""


class LoginError(MWError):
    """``action=login`` or ``action=clientlogin`` did not log in."""

    result: str
    """The server's result (``Failed``, ``WrongToken``, ``Throttled``, ``FAIL``, ...)."""
    reason: str | None
    """The server's reason, when it gave one."""
    wait: int | None
    """Seconds to wait, for ``Throttled`` (old wikis)."""

    def __init__(
        self,
        message: str,
        *,
        result: str = "",
        reason: str | None = None,
        wait: int | None = None,
    ) -> None:
        super().__init__(message)
        self.result = result
        self.reason = reason
        self.wait = wait


class SecondFactorError(LoginError):
    """The wiki refused the two-factor code of a ``client_login``
    continuation (a wrong code, one already used, or one outside the time
    window). The login is still pending on the wiki: call
    ``client_login_continue({"OATHToken": new_code})`` again."""

    code: str | None
    """The server's message code (``oathauth-login-failed``, ``oathauth-throttled``)."""

    def __init__(
        self,
        message: str,
        *,
        result: str = "UI",
        code: str | None = None,
        reason: str | None = None,
    ) -> None:
        super().__init__(message, result=result, reason=reason)
        self.code = code


class CreateAccountError(MWError):
    """``action=createaccount`` did not create the account (``FAIL``)."""

    code: str | None
    """The server's message code: ``userexists``, ``passwordincommonlist``,
    ``password-substring-username-match``, ``acct_creation_throttle_hit``,
    ``captcha-createaccount-fail``, ..."""
    reason: str | None
    """The server's message."""

    def __init__(self, message: str, *, code: str | None = None, reason: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason


class SessionLostError(MWError):
    """The wiki no longer knows the logged-in session and logging in again failed.

    The message says how to recover: log in again, or give the session its
    credentials (``Session.restore(..., username=, password=)``)."""


class NotLoggedInError(MWError):
    """A write that needs a user-bound token (csrf, watch, patrol, ...) on a
    session with no logged-in user. Nothing was sent: the wiki would have
    accepted it with the anonymous token and recorded the machine's IP address
    as its author. Log in first, or opt in with ``allow_anonymous=True`` (per
    call or per session)."""


class TransportError(MWError):
    """The request could not be completed (connection, TLS, body size, ...)."""


class TimeoutError(TransportError, builtins.TimeoutError):
    """The server did not answer in time."""


class HTTPStatusError(TransportError):
    """The server answered with an HTTP error status and no API error body."""

    status: int
    """The HTTP status code."""
    retry_after: float | None
    """Seconds the server asked to wait (``Retry-After``), if it did."""

    def __init__(self, message: str, *, status: int = 0, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class MaybeAppliedError(HTTPStatusError):
    """A POST was answered with an HTTP error status and no API error (a 502 or
    504 from a proxy that may have forwarded it): the write may or may not have
    been applied, so it was not retried. Check the wiki before sending it again."""

    url: str
    """The URL that answered (without its query string)."""

    def __init__(self, message: str, *, status: int = 0, url: str = "") -> None:
        super().__init__(message, status=status)
        self.url = url


class DecodeError(MWError, ValueError):
    """The body is not a MediaWiki API response (HTML, truncated, wrong shape)."""


class NotAPIError(DecodeError):
    """The answer is a page (HTML), not an API response: the URL is probably not
    the wiki's ``api.php``."""

    url: str
    """The URL that answered (without its query string)."""

    def __init__(self, message: str, *, url: str = "") -> None:
        super().__init__(message)
        self.url = url


class UnsupportedError(MWError):
    """The wiki does not offer what was asked (a token type, a newer feature)."""


class InvalidInputError(MWError, ValueError):
    """An argument is invalid (a URL, a token type name, a parameter value)."""


class SessionFileError(MWError):
    """A session file could not be written or read (missing, corrupt,
    readable by other users, of another wiki)."""

    path: str | None
    """The file."""

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


class CentralAuthSessionError(MWError):
    """A cross-wiki (CentralAuth) call on a session that is not a CentralAuth one.

    The home wiki answered ``badsession``: CentralAuth gives no
    ``centralauthtoken`` to a bot-password (``User@tool``) or OAuth session.
    Log in with a main account (:meth:`Session.client_login`) for
    :meth:`Session.foreign` calls. Nothing was sent to the other wiki.
    """


class MWWarning(UserWarning):
    """A warning the wiki sent with a response.

    The instance carries the warning's ``module``, ``code`` and ``text``.
    """

    module: str
    code: str | None
    text: str

    def __init__(self, message: str, *, module: str = "main", code: str | None = None, text: str = "") -> None:
        super().__init__(message)
        self.module = module
        self.code = code
        self.text = text

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.args, dict(self.__dict__)))


class MWDeprecationWarning(MWWarning, DeprecationWarning):
    """A deprecation warning of the wiki (a module or parameter going away)."""
