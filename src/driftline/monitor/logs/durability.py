"""Durability: what an acknowledged prediction or label is, and how a request waits for it.

The prediction log and the feedback log run in one of two modes, a :class:`Durability`:

* ``BUFFERED`` (the default): a prediction or a label is **acknowledged** (the request answered
  200) once it is in the log's queue in memory. The queue is written to segments every
  ``flush_seconds`` (5 s) or ``flush_rows`` (10,000 rows), and when the server stops. A process
  that dies without stopping (``SIGKILL``, the OOM killer, a power cut) loses what was queued:
  up to the last 5 s or 10,000 rows of predictions and of labels, all of them acknowledged.
* ``DURABLE``: a prediction or a label is acknowledged only once it is in the log's **journal**
  (:mod:`~.journal`), a local append-only file, and the file has been flushed to
  the disk (``fdatasync``). Concurrent requests share one flush (group commit). After a crash, the
  next process that opens the log replays the journal into segments, exactly once
  (:mod:`~.journal_replay`). A request whose record cannot be journaled (the disk
  fails, the queue is full) is answered 503 instead of 200: it was not acknowledged.

On the request path the wait must not block the event loop: :class:`DurableAcks` (an ASGI
middleware) opens an :class:`Acks` for each request; the logs add the journal records they
appended to it instead of waiting, and the middleware waits for all of them, together with every
other request's, before it lets the response start. Outside a request (a script calling
``PredictionLog.log``), a durable log waits on the caller's thread.

Examples:
    >>> Durability("durable"), Durability.BUFFERED.value
    (<Durability.DURABLE: 'durable'>, 'buffered')
    >>> check_durability("sometimes")
    Traceback (most recent call last):
    ...
    driftline.core.errors.InputError: durability must be one of buffered, durable, got 'sometimes'

"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from contextvars import ContextVar
from enum import Enum
from typing import TYPE_CHECKING, Any

from driftline.core.errors import DriftlineError, InputError

if TYPE_CHECKING:
    from driftline.monitor.logs.journal import Journal
    from driftline.monitor.logs.segment_upload import Entry
    from driftline.monitor.logs.segment_writer import SegmentWriter

__all__ = [
    "Acks",
    "Durability",
    "DurableAcks",
    "check_durability",
    "put_durably",
    "request_acks",
]

Message = MutableMapping[str, Any]
Send = Callable[[Message], Awaitable[None]]
Receive = Callable[[], Awaitable[Message]]
ASGIApp = Callable[[MutableMapping[str, Any], Receive, Send], Awaitable[None]]


class Durability(Enum):
    """When a logged prediction or label counts as acknowledged (see the module docstring)."""

    BUFFERED = "buffered"
    DURABLE = "durable"


def check_durability(value: object) -> Durability:
    """``value`` as a :class:`Durability` (the enum or its name).

    Raises:
        InputError: anything else, naming the choices.

    """
    if isinstance(value, Durability):
        return value
    try:
        return Durability(value)
    except ValueError:
        choices = ", ".join(d.value for d in Durability)
        raise InputError(f"durability must be one of {choices}, got {value!r}") from None


class Acks:
    """What one request waits for before it is answered: journal records, or a refusal.

    Examples:
        >>> acks = Acks()
        >>> acks.refuse("the prediction log is full")
        >>> acks.refused, acks.records
        ('the prediction log is full', [])

    """

    __slots__ = ("records", "refused")

    def __init__(self) -> None:
        self.records: list[tuple[Journal, int]] = []
        self.refused: str | None = None

    def add(self, journal: Journal, record: int) -> None:
        """Wait for ``record`` of ``journal`` to be on disk before answering."""
        self.records.append((journal, record))

    def refuse(self, reason: str) -> None:
        """Do not acknowledge the request: answer 503 with ``reason``."""
        if self.refused is None:
            self.refused = reason

    async def settle(self, timeout: float | None) -> str | None:
        """Wait for every record; ``None`` if all are on disk, else why the request is refused."""
        if self.refused is not None:
            return self.refused
        for journal, record in self.records:
            try:
                await journal.wait_async(record, timeout)
            except DriftlineError as exc:
                return str(exc)
        return None


_ACKS: ContextVar[Acks | None] = ContextVar("driftline_acks", default=None)


def request_acks() -> Acks | None:
    """The :class:`Acks` of the request being answered, or ``None`` outside :class:`DurableAcks`."""
    return _ACKS.get()


def put_durably(
    writer: SegmentWriter,
    journal: Journal,
    entry: Entry,
    rows: int,
    record: Any,
    what: str,
    acks: Acks | None,
) -> bool:
    """Queue a journaled entry; it is acknowledged once its record is on disk.

    In a request (``acks`` given), the request waits for it in :class:`DurableAcks`, or is
    refused if the entry was dropped. Outside one, this waits on the calling thread.

    Returns:
        ``False`` if the entry was dropped (the queue is full, or the log closed).

    Raises:
        ServiceError: outside a request, the record could not be written to disk.

    """
    record_id = writer.put_journaled(entry, rows, record, wake=acks is None)
    if record_id is None:
        if acks is not None:
            acks.refuse(f"the {what} log is full or closed")
        return False
    if acks is None:
        journal.wait(record_id)
    else:
        acks.add(journal, record_id)
    return True


class DurableAcks:
    """ASGI middleware: a response starts only once its journal records are on disk.

    A response of status 400 or more is sent as it is. A request whose records cannot be made
    durable (see :class:`Acks`) is answered ``503`` with ``{"error": ...}`` and ``Retry-After``
    instead of the application's response.

    Args:
        app: the application to wrap.
        timeout: the longest wait for the disk, in seconds (then 503).

    """

    def __init__(self, app: ASGIApp, *, timeout: float = 30.0) -> None:
        self.app = app
        self.timeout = timeout

    async def __call__(self, scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
        """Serve the request; hold its response until its records are durable."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        acks = Acks()
        token = _ACKS.set(acks)
        replaced = False

        async def send_when_durable(message: Message) -> None:
            nonlocal replaced
            if replaced:
                return  # the application's body of a response that was refused
            if (
                message["type"] == "http.response.start"
                and message["status"] < 400
                and (acks.records or acks.refused is not None)
            ):
                problem = await acks.settle(self.timeout)
                if problem is not None:
                    replaced = True
                    await _refuse(send, problem)
                    return
            await send(message)

        try:
            await self.app(scope, receive, send_when_durable)
        finally:
            _ACKS.reset(token)


async def _refuse(send: Send, problem: str) -> None:
    text = (
        f"not acknowledged: {problem}; the request may be sent again (a label sent twice "
        "counts once)"
    )
    body = json.dumps({"error": text}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", b"1"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
