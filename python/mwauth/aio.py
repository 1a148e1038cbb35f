"""asyncio sessions: :class:`AsyncSession` and :class:`AsyncForeignWiki`.

The work runs in Rust on a shared Tokio runtime; each method returns when its
operation finished. Any number of coroutines may use one session at once:
they share its cookies, its token cache and its token fetches (200 concurrent
``token()`` calls make one request)::

    async with AsyncSession(URL, user_agent="MyBot/1.0 (me@example.org)") as s:
        await s.login("Bot@app", "bot-password")
        results = await asyncio.gather(*(s.post("purge", {"titles": t}) for t in titles))
"""

from __future__ import annotations

import functools
import os
import sys
from contextvars import ContextVar
from types import TracebackType
from typing import Any, Awaitable, Callable, Dict, Mapping, Optional, Tuple, Type, TypeVar, Union, cast

from mwauth._native import (
    AccountCreated,
    AsyncSessionCore,
    AuthStep,
    Completed,
    LogoutOutcome,
    Password,
    Response,
    Token,
    TokenCheck,
    User,
)
from mwauth.errors import MWError

__all__ = ["AsyncSession", "AsyncForeignWiki"]

StrPath = Union[str, "os.PathLike[str]"]

# Where a call was made: (filename, line, the module's globals). A task that
# asyncio.gather runs has only asyncio's frames under it, so the line is
# captured when the coroutine is made, and its warnings are attributed there.
_Origin = Tuple[str, int, Dict[str, Any]]
_ORIGIN: ContextVar[Optional[_Origin]] = ContextVar("mwauth_call_origin", default=None)
_F = TypeVar("_F", bound=Callable[..., Awaitable[Any]])


def _attributed(method: _F) -> _F:
    """Makes the coroutine of ``method`` remember the line that called it."""

    @functools.wraps(method)
    def call(*args: Any, **kwargs: Any) -> Awaitable[Any]:
        caller = sys._getframe(1)
        origin = (caller.f_code.co_filename, caller.f_lineno, caller.f_globals)
        return _run_from(origin, method(*args, **kwargs))

    return cast(_F, call)


async def _run_from(origin: _Origin, call: Awaitable[Any]) -> Any:
    token = _ORIGIN.set(origin)
    try:
        return await call
    finally:
        _ORIGIN.reset(token)


class AsyncSession:
    """An asyncio session of one wiki. ``async with`` closes it on exit (no
    further requests); logging out is explicit (:meth:`logout`), so a session
    saved inside the block stays usable."""

    __slots__ = ("_core", "_closed")

    def __init__(
        self,
        api_url: str,
        *,
        user_agent: Optional[str] = None,
        timeout: float = 30.0,
        connect_timeout: float = 10.0,
        maxlag: Optional[int] = 5,
        assert_user: bool = True,
        relogin: bool = True,
        max_retries: int = 3,
        max_body_bytes: Optional[int] = None,
        bearer_token: Union[str, Token, None] = None,
        ca_file: Optional[StrPath] = None,
        allow_anonymous: bool = False,
    ) -> None:
        self._closed = False
        self._core = AsyncSessionCore(
            api_url,
            user_agent=user_agent,
            timeout=timeout,
            connect_timeout=connect_timeout,
            maxlag=maxlag,
            assert_user=assert_user,
            relogin=relogin,
            max_retries=max_retries,
            max_body_bytes=max_body_bytes,
            bearer_token=bearer_token,
            ca_file=ca_file,
            allow_anonymous=allow_anonymous,
        )

    @classmethod
    def restore(
        cls,
        path: StrPath,
        api_url: str,
        *,
        username: Optional[str] = None,
        password: Union[str, Password, None] = None,
        **options: Any,
    ) -> AsyncSession:
        """Resumes a session saved with :meth:`save` (no request is made).
        With ``username`` and ``password``, a session the wiki forgot logs in
        again. ``options`` are those of the constructor."""
        self = cls.__new__(cls)
        self._closed = False
        self._core = AsyncSessionCore.restore(path, api_url, username=username, password=password, **options)
        return self

    @property
    def api_url(self) -> str:
        """The ``api.php`` URL."""
        return self._core.api_url

    @property
    def user(self) -> Optional[User]:
        """The logged-in user, or None."""
        return self._core.user

    @_attributed
    async def login(self, username: str, password: Union[str, Password]) -> User:
        """Logs in with ``action=login`` (a bot password ``User@App``)."""
        result: User = await self._run(lambda: self._core.login(username, password))
        return result

    @_attributed
    async def client_login(
        self, username: str, password: Union[str, Password], return_url: str = "http://127.0.0.1/"
    ) -> Union[User, AuthStep]:
        """Logs in a main account with ``action=clientlogin``."""
        result: Union[User, AuthStep] = await self._run(lambda: self._core.client_login(username, password, return_url))
        return result

    @_attributed
    async def client_login_continue(self, fields: Mapping[str, str]) -> Union[User, AuthStep]:
        """Continues a client login with the fields the last step asked for."""
        result: Union[User, AuthStep] = await self._run(lambda: self._core.client_login_continue(fields))
        return result

    @_attributed
    async def create_account(
        self,
        username: str,
        password: Union[str, Password],
        return_url: str = "http://127.0.0.1/",
        fields: Optional[Mapping[str, str]] = None,
    ) -> Union[AccountCreated, AuthStep]:
        """Creates an account with ``action=createaccount``."""
        result: Union[AccountCreated, AuthStep] = await self._run(lambda: self._core.create_account(username, password, return_url, fields))
        return result

    @_attributed
    async def create_account_continue(self, fields: Mapping[str, str]) -> Union[AccountCreated, AuthStep]:
        """Continues an account creation with the fields its step asked for."""
        result: Union[AccountCreated, AuthStep] = await self._run(lambda: self._core.create_account_continue(fields))
        return result

    @_attributed
    async def token(self, type: str = "csrf") -> Token:
        """A token of a type, from the cache or with one (shared) request."""
        result: Token = await self._run(lambda: self._core.token(type))
        return result

    @_attributed
    async def check_token(self, type: str, token: Union[str, Token], max_age: Optional[int] = None) -> TokenCheck:
        """Checks a token with ``action=checktoken``."""
        result: TokenCheck = await self._run(lambda: self._core.check_token(type, token, max_age))
        return result

    @_attributed
    async def call(
        self,
        action: str,
        params: Optional[Mapping[str, Any]] = None,
        *,
        method: str = "GET",
        token_type: Optional[str] = None,
        token_param: str = "token",
        allow_anonymous: bool = False,
    ) -> Response:
        """Calls any module; with ``token_type``, the token is injected (and
        refreshed once on ``badtoken``). A user-bound token (csrf, ...) on a
        session with no user raises :class:`~mwauth.NotLoggedInError` unless
        ``allow_anonymous``."""
        result: Response = await self._run(lambda: self._core.call(
            action,
            params,
            method=method,
            token_type=token_type,
            token_param=token_param,
            allow_anonymous=allow_anonymous,
        ))
        return result

    @_attributed
    async def post(
        self,
        action: str,
        params: Optional[Mapping[str, Any]] = None,
        *,
        token_type: Optional[str] = None,
        token_param: str = "token",
        allow_anonymous: bool = False,
    ) -> Response:
        """``call(..., method="POST")``."""
        result: Response = await self._run(lambda: self._core.call(
            action,
            params,
            method="POST",
            token_type=token_type,
            token_param=token_param,
            allow_anonymous=allow_anonymous,
        ))
        return result

    @_attributed
    async def logout(self) -> LogoutOutcome:
        """Logs out and forgets the user, the credentials and the tokens."""
        result: LogoutOutcome = await self._run(lambda: self._core.logout())
        return result

    def foreign(self, api_url: str) -> AsyncForeignWiki:
        """A wiki of the same CentralAuth single sign-on (needs a main-account login:
        after a bot-password or OAuth login its calls raise CentralAuthSessionError)."""
        return AsyncForeignWiki(self, api_url)

    @_attributed
    async def save(self, path: StrPath) -> None:
        """Saves the session (user, tokens, cookies) to a file (mode 0600)."""
        done = await self._core.save(path)
        done.result(stacklevel=2, origin=_ORIGIN.get())

    async def __aenter__(self) -> AsyncSession:
        return self

    async def __aexit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc_value: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None:
        """Closes the session (it does not log out: call :meth:`logout`)."""
        self.close()

    def close(self) -> None:
        """Closes the session: later requests raise :class:`~mwauth.MWError`.
        It does not log out, so a saved session stays usable elsewhere."""
        self._closed = True

    async def _run(self, start: Callable[[], Awaitable[Completed]]) -> Any:
        """Starts an operation on an open session and gives its value, its
        warnings attributed to the line that called the public method."""
        self._check_open()
        done = await start()
        return done.result(stacklevel=3, origin=_ORIGIN.get())

    def _check_open(self) -> None:
        if self._closed:
            raise MWError("this session is closed (it left its `async with` block, or close() was called)")

    def __repr__(self) -> str:
        user = self._core.user
        who = f"user={user.name!r}" if user is not None else "anonymous"
        return f"<AsyncSession {self._core.api_url} {who}>"


class AsyncForeignWiki:
    """A foreign wiki of an :class:`AsyncSession` (CentralAuth): each call is
    authenticated by a fresh ``centralauthtoken``."""

    __slots__ = ("_session", "_api_url")

    def __init__(self, session: AsyncSession, api_url: str) -> None:
        self._session = session
        self._api_url = api_url

    @property
    def api_url(self) -> str:
        """The foreign wiki's ``api.php`` URL."""
        return self._api_url

    @_attributed
    async def call(
        self,
        action: str,
        params: Optional[Mapping[str, Any]] = None,
        *,
        method: str = "GET",
        token_type: Optional[str] = None,
        token_param: str = "token",
    ) -> Response:
        """Calls a module on the foreign wiki."""
        core = self._session._core
        result: Response = await self._session._run(
            lambda: core.foreign_call(
                self._api_url, action, params, method=method, token_type=token_type, token_param=token_param
            )
        )
        return result

    def __repr__(self) -> str:
        return f"<AsyncForeignWiki {self._api_url}>"
