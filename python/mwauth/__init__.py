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
warnings arrive through :mod:`warnings` as :class:`MWWarning`. What the Rust
core does (each request at DEBUG, waits and relogins at INFO, the wiki's
warnings at WARNING) goes to the ``mwauth`` logger of :mod:`logging`.
"""

from __future__ import annotations

import logging as _logging

from mwauth._native import (
    AccountCreated,
    AuthField,
    AuthStep,
    Captcha,
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

# A library's logger: silent unless the application configures logging
# (without it, logging's last-resort handler would print WARNING records to
# stderr, beside the same warnings through the warnings module).
_logging.getLogger("mwauth").addHandler(_logging.NullHandler())
from mwauth.errors import (
    APIError,
    AssertionFailedError,
    BadTokenError,
    CentralAuthSessionError,
    DecodeError,
    HTTPStatusError,
    InvalidInputError,
    CreateAccountError,
    LoginError,
    MaxLagError,
    MaybeAppliedError,
    SecondFactorError,
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

ClientLoginStep = AuthStep
"""The old name of :class:`AuthStep` (a client-login step), kept so that old code imports."""

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
    "AuthStep",
    "AuthField",
    "Captcha",
    "AccountCreated",
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
    "SecondFactorError",
    "CreateAccountError",
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
