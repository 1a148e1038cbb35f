"""Type stubs of the native module (checked with ``python -m mypy.stubtest mwauth``)."""

import os
from collections.abc import Awaitable, Iterable, Mapping
from types import TracebackType
from typing import Any, ClassVar, Dict, Final, Optional, Tuple, Union, final

__version__: Final[str]
__all__ = [
    "AsyncSessionCore",
    "ForeignWiki",
    "Session",
    "AccountCreated",
    "AuthField",
    "AuthStep",
    "Captcha",
    "Completed",
    "LogoutOutcome",
    "Password",
    "Response",
    "ResponseWarning",
    "SansIOForeignWiki",
    "SansIOSession",
    "Token",
    "TokenCheck",
    "Transmit",
    "User",
    "__version__",
]

# API parameter values: None/False leave the parameter out, True is "1",
# str/int/float as text, iterables joined with "|" (or U+001F when a value
# holds "|"), and a Token or Password is a secret sent last in a POST body.
# Values are checked at run time (InvalidInputError): a precise value type
# would reject ordinary dict literals that mix lists and scalars.
_Params = Union[Mapping[str, Any], Iterable[tuple[str, Any]]]
_StrPath = Union[str, "os.PathLike[str]"]
_Headers = Union[Mapping[str, str], Mapping[bytes, bytes], Iterable[tuple[Union[str, bytes], Union[str, bytes]]]]

# ---- values ----

@final
class Token:
    """A MediaWiki token. ``repr()``/``str()`` print ``<Token redacted>``."""

    def __new__(cls, value: str) -> Token: ...
    def secret(self) -> str:
        """The token value, to put in a request."""
    @property
    def timestamp(self) -> Optional[int]:
        """The Unix time the token was issued (MediaWiki 1.25+), or None."""
    @property
    def is_anonymous(self) -> bool:
        """True for the logged-out token ``+\\``."""
    @property
    def is_mangled(self) -> bool:
        """True when the token does not end in ``+\\`` (the server will reject it)."""
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class Password:
    """A password. ``repr()``/``str()`` print ``<Password redacted>``."""

    def __new__(cls, value: str) -> Password: ...
    def secret(self) -> str:
        """The password."""
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class User:
    """The logged-in user."""

    def __new__(cls, name: str, id: Optional[int] = None) -> User: ...
    @property
    def name(self) -> str:
        """The canonical user name (for a bot password, the account's name)."""
    @property
    def id(self) -> Optional[int]:
        """The user id, when the server said."""
    def __eq__(self, value: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class TokenCheck:
    """The result of ``check_token``."""

    @property
    def result(self) -> str:
        """``"valid"``, ``"invalid"`` or ``"expired"``."""
    @property
    def generated(self) -> Optional[str]:
        """When the token was made (ISO 8601), when the server could tell."""
    @property
    def valid(self) -> bool:
        """True when ``result == "valid"``."""
    def __eq__(self, value: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class LogoutOutcome:
    """What ``logout()`` found."""

    LOGGED_OUT: ClassVar[LogoutOutcome]
    """The session was logged out (the server answered ``{}``)."""
    NOT_LOGGED_IN: ClassVar[LogoutOutcome]
    """The session was not logged in."""
    def __eq__(self, value: object, /) -> bool: ...
    def __int__(self) -> int: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class ResponseWarning:
    """One warning of an API response (data; the warning categories are
    ``MWWarning`` and ``MWDeprecationWarning``)."""

    @property
    def module(self) -> str:
        """The module that warned (``main``, ``login``, ``query``, ...)."""
    @property
    def code(self) -> Optional[str]:
        """The message code (``deprecation``, ``unrecognizedvalues``, ...)."""
    @property
    def text(self) -> str:
        """The text."""
    @property
    def data(self) -> Any:
        """Structured data MediaWiki attached, if any."""
    @property
    def is_deprecation(self) -> bool:
        """True for a deprecation notice."""
    @property
    def deprecated_feature(self) -> Optional[str]:
        """The deprecated feature's name, when the server said."""

@final
class Response:
    """The response of ``call()``: the JSON body as Python objects."""

    @property
    def data(self) -> dict[str, Any]:
        """The whole JSON body, warnings included."""
    @property
    def warnings(self) -> list[ResponseWarning]:
        """The warnings of the response."""
    @property
    def servedby(self) -> Optional[str]:
        """The ``servedby`` host, when the wiki shows host names."""
    @property
    def requestid(self) -> Optional[str]:
        """The echoed ``requestid``."""
    def __getitem__(self, key: str, /) -> Any: ...
    def __contains__(self, key: object, /) -> bool: ...
    def get(self, key: str, default: Any = None) -> Any:
        """``data.get(key, default)``."""

@final
class AuthField:
    """One field an AuthManager step asks for."""

    @property
    def name(self) -> str:
        """The parameter name to send it as (``OATHToken``, ``captchaWord``)."""
    @property
    def kind(self) -> str:
        """``string``, ``password``, ``hidden``, ``checkbox``, ``select``, ``null`` (text only), ..."""
    @property
    def value(self) -> Optional[str]:
        """A hidden field's value, or a ``null`` field's text."""
    @property
    def label(self) -> Optional[str]: ...
    @property
    def help(self) -> Optional[str]: ...
    @property
    def optional(self) -> bool: ...
    @property
    def sensitive(self) -> bool: ...

@final
class Captcha:
    """A captcha to solve (ConfirmEdit): answer it as ``captchaWord``."""

    @property
    def id(self) -> str: ...
    @property
    def prompt(self) -> Optional[str]:
        """What to do (the ``captchaInfo`` field's label)."""
    @property
    def info(self) -> Optional[str]:
        """The question (QuestyCaptcha) or image URL (FancyCaptcha)."""

@final
class AccountCreated:
    """The result of ``create_account``: the account exists."""

    @property
    def username(self) -> str:
        """The account's name, as the wiki normalized it."""

@final
class AuthStep:
    """An AuthManager step (of ``client_login`` or ``create_account``) that needs more."""

    @property
    def status(self) -> str:
        """``"UI"``, ``"REDIRECT"`` or ``"RESTART"``."""
    @property
    def message(self) -> Optional[str]: ...
    @property
    def message_code(self) -> Optional[str]: ...
    @property
    def requests(self) -> list[dict[str, Any]]:
        """The authentication requests the next step needs, as dicts."""
    @property
    def can_preserve_state(self) -> bool: ...
    @property
    def redirect_target(self) -> Optional[str]: ...
    @property
    def redirect_data(self) -> Optional[str]: ...
    @property
    def fields(self) -> list[AuthField]:
        """Every field of every request."""
    @property
    def inputs(self) -> list[AuthField]:
        """The fields to fill in (neither hidden nor text-only)."""
    def field(self, name: str) -> Optional[AuthField]:
        """The field named ``name``, or None."""
    def asks_for(self, name: str) -> bool:
        """Whether the step asks for the field ``name``."""
    @property
    def asks_for_two_factor(self) -> bool:
        """Whether the step asks for a two-factor code (``OATHToken``)."""
    @property
    def captcha(self) -> Optional[Captcha]:
        """The captcha to solve, or None."""

# ---- sans-IO ----

@final
class Transmit:
    """An HTTP request to send. ``repr()`` shows neither body nor query."""

    @property
    def id(self) -> int:
        """Pass this back to ``handle_response`` / ``handle_transport_error``."""
    @property
    def method(self) -> str:
        """``"GET"`` or ``"POST"``."""
    @property
    def url(self) -> str:
        """The full URL (GET parameters in its query string)."""
    @property
    def headers(self) -> list[tuple[str, str]]:
        """Header (name, value) pairs."""
    @property
    def body(self) -> bytes:
        """The form-encoded body of a POST (``b""`` for a GET)."""

@final
class Completed:
    """A finished operation."""

    @property
    def op(self) -> int:
        """The operation id a command returned."""
    @property
    def warnings(self) -> list[ResponseWarning]:
        """Every warning of every response the operation used."""
    @property
    def ok(self) -> bool:
        """True when ``result()`` returns rather than raises."""
    def result(
        self, stacklevel: int = 1, *, origin: Optional[Tuple[str, int, Dict[str, Any]]] = None
    ) -> Any:
        """The typed value, or raises the mapped ``MWError``; emits the
        server's warnings through ``warnings`` the first time, attributed to
        the caller (``stacklevel=1``) or further up, or to ``origin``, a
        ``(filename, lineno, module_globals)`` captured when the call was made."""

@final
class SansIOSession:
    """The sans-IO session: commands → ``poll_transmit`` → ``handle_response`` → ``poll_event``."""

    def __new__(
        cls,
        api_url: str,
        *,
        user_agent: Optional[str] = None,
        maxlag: Optional[int] = 5,
        assert_user: bool = True,
        relogin: bool = True,
        max_retries: int = 3,
        allow_anonymous: bool = False,
    ) -> SansIOSession: ...
    @classmethod
    def from_snapshot(
        cls,
        snapshot: str,
        *,
        user_agent: Optional[str] = None,
        maxlag: Optional[int] = 5,
        assert_user: bool = True,
        relogin: bool = True,
        max_retries: int = 3,
        allow_anonymous: bool = False,
    ) -> SansIOSession:
        """Resumes a session from ``snapshot()``'s JSON."""
    def snapshot(self) -> str:
        """The session as JSON (endpoint, user, token API, cached tokens; never credentials)."""
    @property
    def api_url(self) -> str: ...
    @property
    def user(self) -> Optional[User]: ...
    @property
    def is_idle(self) -> bool: ...
    def login(self, username: str, password: Union[str, Password]) -> int:
        """Logs in with ``action=login`` (bot password ``User@App``); returns the op id."""
    def client_login(self, username: str, password: Union[str, Password], return_url: str = "http://127.0.0.1/") -> int:
        """Logs in with ``action=clientlogin`` (main accounts); returns the op id."""
    def client_login_continue(self, fields: Mapping[str, str]) -> int:
        """Continues a client login with the fields the last step asked for."""
    def create_account(
        self,
        username: str,
        password: Union[str, Password],
        return_url: str = "http://127.0.0.1/",
        fields: Optional[Mapping[str, str]] = None,
    ) -> int:
        """Creates an account with ``action=createaccount``; returns the op id."""
    def create_account_continue(self, fields: Mapping[str, str]) -> int:
        """Continues an account creation; returns the op id."""
    def token(self, type: str = "csrf") -> int:
        """Gets a token (from the cache, or one shared fetch); returns the op id."""
    def check_token(self, type: str, token: Union[str, Token], max_age: Optional[int] = None) -> int:
        """Checks a token with ``action=checktoken``; returns the op id."""
    def call(
        self,
        action: str,
        params: Optional[_Params] = None,
        *,
        method: str = "GET",
        token_type: Optional[str] = None,
        token_param: str = "token",
        allow_anonymous: bool = False,
    ) -> int:
        """Calls any module; returns the op id."""
    def logout(self) -> int:
        """Logs out; returns the op id."""
    def foreign(self, api_url: str) -> SansIOForeignWiki:
        """A wiki of the same CentralAuth SSO, whose ``call()`` starts an operation of this session."""
    def set_credentials(self, username: str, password: Union[str, Password]) -> None:
        """Gives a restored session the credentials to log in again if lost."""
    def abandon(self, op: int) -> None:
        """Forgets an operation; it will produce no event."""
    def poll_transmit(self) -> Optional[Transmit]:
        """The next request to send, or None."""
    def poll_timeout(self) -> Optional[float]:
        """When ``handle_timeout`` must next be called (``time.monotonic()`` seconds)."""
    def poll_event(self) -> Optional[Completed]:
        """The next finished operation, or None."""
    def handle_response(
        self, id: int, status: int, headers: _Headers, body: Union[bytes, bytearray], now: Optional[float] = None
    ) -> None:
        """Feeds the response to a request (``now``: ``time.monotonic()``)."""
    def handle_transport_error(self, id: int, message: str, timeout: bool = False, now: Optional[float] = None) -> None:
        """Reports that a request could not be completed."""
    def handle_timeout(self, now: Optional[float] = None) -> None:
        """Wakes operations whose backoff has passed."""

# ---- sessions over the Rust transport ----

@final
class Session:
    """A synchronous session: each method sends its requests and waits, with
    the GIL released. ``with Session(...) as s:`` closes it on exit (logging
    out is explicit).

    Example::

        import mwauth
        with mwauth.Session("https://test.wikipedia.org/w/api.php",
                            user_agent="MyBot/1.0 (https://example.org; me@example.org)") as s:
            s.login("MyBot@tool", "bot-password")
            s.post("edit", {"title": "Sandbox", "appendtext": "hi"}, token_type="csrf")
            s.logout()
    """

    def __new__(
        cls,
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
        ca_file: Optional[_StrPath] = None,
        allow_anonymous: bool = False,
    ) -> Session: ...
    @classmethod
    def restore(
        cls,
        path: _StrPath,
        api_url: str,
        *,
        username: Optional[str] = None,
        password: Union[str, Password, None] = None,
        user_agent: Optional[str] = None,
        timeout: float = 30.0,
        connect_timeout: float = 10.0,
        maxlag: Optional[int] = 5,
        assert_user: bool = True,
        relogin: bool = True,
        max_retries: int = 3,
        max_body_bytes: Optional[int] = None,
        bearer_token: Union[str, Token, None] = None,
        ca_file: Optional[_StrPath] = None,
        allow_anonymous: bool = False,
    ) -> Session:
        """Resumes a session saved with ``save()`` (no request is made)."""
    @property
    def api_url(self) -> str: ...
    @property
    def user(self) -> Optional[User]: ...
    def login(self, username: str, password: Union[str, Password]) -> User:
        """Logs in with ``action=login`` (a bot password ``User@App``)."""
    def client_login(
        self, username: str, password: Union[str, Password], return_url: str = "http://127.0.0.1/"
    ) -> Union[User, AuthStep]:
        """Logs in a main account with ``action=clientlogin``."""
    def client_login_continue(self, fields: Mapping[str, str]) -> Union[User, AuthStep]:
        """Continues a client login with the fields the last step asked for."""
    def create_account(
        self,
        username: str,
        password: Union[str, Password],
        return_url: str = "http://127.0.0.1/",
        fields: Optional[Mapping[str, str]] = None,
    ) -> Union[AccountCreated, AuthStep]:
        """Creates an account with ``action=createaccount``."""
    def create_account_continue(self, fields: Mapping[str, str]) -> Union[AccountCreated, AuthStep]:
        """Continues an account creation with the fields its step asked for."""
    def token(self, type: str = "csrf") -> Token:
        """A token of a type, from the cache or with one request."""
    def check_token(self, type: str, token: Union[str, Token], max_age: Optional[int] = None) -> TokenCheck:
        """Checks a token with ``action=checktoken``."""
    def call(
        self,
        action: str,
        params: Optional[_Params] = None,
        *,
        method: str = "GET",
        token_type: Optional[str] = None,
        token_param: str = "token",
        allow_anonymous: bool = False,
    ) -> Response:
        """Calls any module."""
    def post(
        self,
        action: str,
        params: Optional[_Params] = None,
        *,
        token_type: Optional[str] = None,
        token_param: str = "token",
        allow_anonymous: bool = False,
    ) -> Response:
        """``call(..., method="POST")``."""
    def logout(self) -> LogoutOutcome:
        """Logs out and forgets the user, the credentials and the tokens."""
    def foreign(self, api_url: str) -> ForeignWiki:
        """A wiki of the same CentralAuth single sign-on (needs a main-account login:
        after a bot-password or OAuth login its calls raise CentralAuthSessionError)."""
    def save(self, path: _StrPath) -> None:
        """Saves the session (user, tokens, cookies) to a file (mode 0600)."""
    def close(self) -> None:
        """Closes the session: later requests raise ``MWError`` (``save()`` still
        works). It does not log out."""
    def __enter__(self) -> Session: ...
    def __exit__(
        self,
        _exc_type: Optional[type[BaseException]] = None,
        _exc_value: Optional[BaseException] = None,
        _traceback: Optional[TracebackType] = None,
    ) -> None:
        """Closes the session (it does not log out: call ``logout()``)."""

@final
class SansIOForeignWiki:
    """A foreign wiki of a ``SansIOSession`` (CentralAuth)."""

    @property
    def api_url(self) -> str: ...
    def call(
        self,
        action: str,
        params: Optional[_Params] = None,
        *,
        method: str = "GET",
        token_type: Optional[str] = None,
        token_param: str = "token",
    ) -> int:
        """Starts a call of a module on the foreign wiki; returns the op id."""

@final
class ForeignWiki:
    """A foreign wiki of a ``Session`` (CentralAuth)."""

    @property
    def api_url(self) -> str: ...
    def call(
        self,
        action: str,
        params: Optional[_Params] = None,
        *,
        method: str = "GET",
        token_type: Optional[str] = None,
        token_param: str = "token",
    ) -> Response:
        """Calls a module on the foreign wiki."""

@final
class AsyncSessionCore:
    """The native core of ``mwauth.AsyncSession``: each method returns an
    awaitable of a ``Completed``. Use ``mwauth.AsyncSession``."""

    def __new__(
        cls,
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
        ca_file: Optional[_StrPath] = None,
        allow_anonymous: bool = False,
    ) -> AsyncSessionCore: ...
    @classmethod
    def restore(
        cls,
        path: _StrPath,
        api_url: str,
        *,
        username: Optional[str] = None,
        password: Union[str, Password, None] = None,
        user_agent: Optional[str] = None,
        timeout: float = 30.0,
        connect_timeout: float = 10.0,
        maxlag: Optional[int] = 5,
        assert_user: bool = True,
        relogin: bool = True,
        max_retries: int = 3,
        max_body_bytes: Optional[int] = None,
        bearer_token: Union[str, Token, None] = None,
        ca_file: Optional[_StrPath] = None,
        allow_anonymous: bool = False,
    ) -> AsyncSessionCore: ...
    @property
    def api_url(self) -> str: ...
    @property
    def user(self) -> Optional[User]: ...
    def login(self, username: str, password: Union[str, Password]) -> Awaitable[Completed]: ...
    def client_login(
        self, username: str, password: Union[str, Password], return_url: str = "http://127.0.0.1/"
    ) -> Awaitable[Completed]: ...
    def client_login_continue(self, fields: Mapping[str, str]) -> Awaitable[Completed]: ...
    def create_account(
        self,
        username: str,
        password: Union[str, Password],
        return_url: str = "http://127.0.0.1/",
        fields: Optional[Mapping[str, str]] = None,
    ) -> Awaitable[Completed]: ...
    def create_account_continue(self, fields: Mapping[str, str]) -> Awaitable[Completed]: ...
    def token(self, type: str = "csrf") -> Awaitable[Completed]: ...
    def check_token(
        self, type: str, token: Union[str, Token], max_age: Optional[int] = None
    ) -> Awaitable[Completed]: ...
    def call(
        self,
        action: str,
        params: Optional[_Params] = None,
        *,
        method: str = "GET",
        token_type: Optional[str] = None,
        token_param: str = "token",
        allow_anonymous: bool = False,
    ) -> Awaitable[Completed]: ...
    def foreign_call(
        self,
        api_url: str,
        action: str,
        params: Optional[_Params] = None,
        *,
        method: str = "GET",
        token_type: Optional[str] = None,
        token_param: str = "token",
    ) -> Awaitable[Completed]: ...
    def logout(self) -> Awaitable[Completed]: ...
    def save(self, path: _StrPath) -> Awaitable[Completed]: ...
