"""MediaWiki Action API login, tokens and sessions, with a Rust core.

Three ways to use it:

* :class:`Session`: synchronous (``with Session(url, user_agent=...) as s``);
  the network work runs in Rust with the GIL released.
* :class:`AsyncSession`: asyncio (``async with AsyncSession(...) as s``);
  many concurrent calls share one session, one token cache and one fetch.
* :class:`SansIOSession`: the sans-IO core, for callers who bring their own
  HTTP library (``requests``, ``httpx``, ...): commands, ``poll_transmit()``,
  ``handle_response()``, ``poll_event()``.

Errors are :class:`MWError` subclasses (see :mod:`mwauth.errors`); server
warnings arrive through :mod:`warnings` as :class:`MWWarning`.
"""

from __future__ import annotations

from mwauth._native import (
    ClientLoginStep,
    Completed,
    ForeignWiki,
    LogoutOutcome,
    Password,
    Response,
    ResponseWarning,
    SansIOForeignWiki,
    SansIOSession,
    Session,
    Token,
    TokenCheck,
    Transmit,
    User,
    __version__,
)
from mwauth.aio import AsyncForeignWiki, AsyncSession
from mwauth.errors import (
    APIError,
    AssertionFailedError,
    BadTokenError,
    CentralAuthSessionError,
    DecodeError,
    HTTPStatusError,
    InvalidInputError,
    LoginError,
    MaxLagError,
    MaybeAppliedError,
    MWDeprecationWarning,
    MWError,
    NotAPIError,
    NotLoggedInError,
    MWWarning,
    RateLimitedError,
    ReadOnlyError,
    SessionFileError,
    SessionLostError,
    TimeoutError,
    TransportError,
    UnsupportedError,
)

__all__ = [
    "__version__",
    # sessions
    "Session",
    "ForeignWiki",
    "AsyncSession",
    "AsyncForeignWiki",
    "SansIOForeignWiki",
    "SansIOSession",
    "Transmit",
    "Completed",
    # values
    "Token",
    "Password",
    "User",
    "TokenCheck",
    "Response",
    "ResponseWarning",
    "ClientLoginStep",
    "LogoutOutcome",
    # errors
    "MWError",
    "APIError",
    "BadTokenError",
    "MaxLagError",
    "RateLimitedError",
    "ReadOnlyError",
    "AssertionFailedError",
    "LoginError",
    "SessionLostError",
    "NotLoggedInError",
    "MaybeAppliedError",
    "NotAPIError",
    "TransportError",
    "TimeoutError",
    "HTTPStatusError",
    "DecodeError",
    "UnsupportedError",
    "InvalidInputError",
    "SessionFileError",
    "CentralAuthSessionError",
    # warnings
    "MWWarning",
    "MWDeprecationWarning",
]
