"""A small driver loop for :class:`mwauth.SansIOSession`.

The session never does IO: it hands out :class:`~mwauth.Transmit` requests and
takes back responses. :class:`Driver` is the loop most callers write anyway,
with ``send`` being any callable that performs one HTTP request (keeping the
cookies) and returns ``(status, headers, body)``::

    import requests
    from mwauth import SansIOSession
    from mwauth.sansio import Driver, requests_sender

    session = SansIOSession(URL, user_agent="MyBot/1.0 (me@example.org)")
    driver = Driver(session, requests_sender(requests.Session()))
    user = driver.run(session.login("Bot@app", "bot-password"))
    token = driver.run(session.token("csrf"))

Nothing here imports an HTTP library.
"""

from __future__ import annotations

import builtins
import sys
import time
from typing import Any, Callable, Iterable, Mapping, Tuple, Union

from mwauth._native import Completed, SansIOSession, Transmit

__all__ = ["Driver", "Sender", "requests_sender"]

Headers = Union[Mapping[str, str], Iterable[Tuple[str, str]]]
Sender = Callable[[Transmit], Tuple[int, Headers, bytes]]
"""Sends one request and returns ``(status, headers, body)``."""


def _default_timeout_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [builtins.TimeoutError]
    requests = sys.modules.get("requests")
    timeout = getattr(requests, "Timeout", None) if requests is not None else None
    if isinstance(timeout, type) and issubclass(timeout, BaseException):
        errors.append(timeout)
    return tuple(errors)


class Driver:
    """Runs a :class:`~mwauth.SansIOSession` with a blocking ``send``.

    ``send`` raising one of ``transport_errors`` (default :class:`OSError`,
    which ``requests`` exceptions derive from) is reported with
    ``handle_transport_error``; one of ``timeout_errors`` (default
    :class:`TimeoutError`, plus ``requests.Timeout`` when ``requests`` is
    imported) as a timeout. Anything else propagates.
    """

    def __init__(
        self,
        session: SansIOSession,
        send: Sender,
        *,
        sleep: Callable[[float], None] = time.sleep,
        transport_errors: tuple[type[BaseException], ...] = (OSError,),
        timeout_errors: tuple[type[BaseException], ...] | None = None,
    ) -> None:
        self.session = session
        self.send = send
        self.sleep = sleep
        self.transport_errors = transport_errors
        self.timeout_errors = timeout_errors if timeout_errors is not None else _default_timeout_errors()
        self._done: dict[int, Completed] = {}

    def step(self) -> bool:
        """Sends every pending request and feeds back the answers; waits out
        a backoff if nothing else is left. Returns False when idle."""
        session = self.session
        sent = False
        while (t := session.poll_transmit()) is not None:
            sent = True
            try:
                status, headers, body = self.send(t)
            except self.timeout_errors as e:
                session.handle_transport_error(t.id, f"timed out: {type(e).__name__}", timeout=True)
            except self.transport_errors as e:
                session.handle_transport_error(t.id, f"{type(e).__name__}: {e}")
            else:
                session.handle_response(t.id, status, headers, body, time.monotonic())
        if sent:
            return True
        deadline = session.poll_timeout()
        if deadline is None:
            return False
        delay = deadline - time.monotonic()
        if delay > 0:
            self.sleep(delay)
        session.handle_timeout(time.monotonic())
        return True

    def completed(self, op: int) -> Completed:
        """Drives the session until operation ``op`` finished; its event."""
        while op not in self._done:
            while (event := self.session.poll_event()) is not None:
                self._done[event.op] = event
            if op in self._done:
                break
            if not self.step():
                while (event := self.session.poll_event()) is not None:
                    self._done[event.op] = event
                if op not in self._done:
                    raise LookupError(f"operation {op} is unknown or was abandoned")
        return self._done.pop(op)

    def run(self, op: int) -> Any:
        """Drives the session until ``op`` finished; returns its result or
        raises its :class:`~mwauth.MWError`."""
        # Warnings point at the caller of run(), not at this line.
        return self.completed(op).result(stacklevel=2)


def requests_sender(session: Any, *, timeout: float = 30.0) -> Sender:
    """A :data:`Sender` for a ``requests.Session`` (which keeps the cookies).

    Redirects are followed for GET only: a redirected POST would lose its body.
    """

    def send(t: Transmit) -> tuple[int, Headers, bytes]:
        r = session.request(
            t.method,
            t.url,
            headers=dict(t.headers),
            data=t.body or None,
            timeout=timeout,
            allow_redirects=t.method == "GET",
        )
        return r.status_code, r.headers, r.content

    return send
