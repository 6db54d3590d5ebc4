"""Leases: which process works on something now, kept in the metadata store.

A lease on a *subject* (a job ``retrain:churn#3``, a file to ingest) is a context of kind
``lease`` named ``SUBJECT@ATTEMPT`` with properties ``owner``, ``expires_at`` and ``released``.
Claiming attempt ``N`` creates that context with ``record_execution(..., new_contexts=[...])``:
the name is unique, so of several processes claiming at once exactly one wins, the others get
``None``. Attempt ``N+1`` may be claimed only once attempt ``N`` is over: released by its owner,
or expired (its owner stopped renewing it: it died, or lost the database).

The owner renews ``expires_at`` while it works (:class:`Heartbeat`). A renewal that finds a later
attempt, or its own lease released, raises :class:`LeaseLostError`: the owner must stop.

Every time a lease holds (``expires_at``, ``claimed_at``, ``released_at``) and every "now" it is
compared with come from **the database's clock** (:class:`DatabaseClock`, reading
:meth:`~driftline.store.sql.store.MetadataStore.database_time`), never from the clocks of the hosts
involved: two hosts whose clocks disagree by minutes see the same expiry, so a live lease is never
taken over early by a host whose clock runs fast, and an expired one is taken over once the lease
time has passed on the database's clock. (SQLite has no server: its clock is that of the machine
each process runs on, so controllers on several hosts share a PostgreSQL database.) A
:class:`Leases` given a ``clock`` (a ``ManualClock`` in tests) uses that clock instead.

Examples:
    >>> from datetime import datetime, timezone
    >>> from driftline.core.clock import ManualClock
    >>> from driftline.store.metadata import open_metadata_store
    >>> clock = ManualClock(datetime(2026, 5, 1, tzinfo=timezone.utc))
    >>> with open_metadata_store("sqlite://", create=True) as meta:
    ...     a = Leases(meta, owner="a", seconds=30, clock=clock)
    ...     b = Leases(meta, owner="b", seconds=30, clock=clock)
    ...     first = a.claim("job-1")
    ...     blocked = b.claim("job-1")          # a holds it
    ...     clock.advance(31)                   # a stopped renewing: its lease expired
    ...     second = b.claim("job-1")
    >>> first.name, blocked, second.name, second.owner
    ('job-1@1', None, 'job-1@2', 'b')

"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from driftline.core.clock import Clock, utc
from driftline.core.errors import ConflictError, ContextNotFoundError
from driftline.core.params import Interval, check_param
from driftline.store.records import Context, ContextRef, NewExecution

if TYPE_CHECKING:
    from driftline.store.metadata import MetadataStore

__all__ = [
    "LEASE_KIND",
    "DatabaseClock",
    "Heartbeat",
    "Lease",
    "LeaseLostError",
    "Leases",
    "new_owner_id",
]

LEASE_KIND = "lease"
"""The kind of a lease's context, and of the execution that claims it."""


class LeaseLostError(ConflictError):
    """The lease was taken over (its owner let it expire) or released: stop working."""


def new_owner_id() -> str:
    """A process-unique owner id: ``host:pid:random``.

    Examples:
        >>> new_owner_id().count(":")
        2

    """
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class Lease:
    """One attempt's lease on a subject, as stored."""

    subject: str
    attempt: int
    owner: str
    expires_at: datetime
    released: bool
    context_id: int
    previous: Mapping[str, Any] | None = None

    @property
    def name(self) -> str:
        """``SUBJECT@ATTEMPT``: the name of the lease's context."""
        return lease_name(self.subject, self.attempt)

    def live(self, now: datetime) -> bool:
        """Whether the lease still holds its subject at ``now``."""
        return not self.released and self.expires_at > now

    @classmethod
    def from_context(cls, context: Context) -> Lease:
        """Rebuild a lease from its context."""
        p = context.properties
        return cls(
            subject=str(p["subject"]),
            attempt=int(p["attempt"]),
            owner=str(p["owner"]),
            expires_at=utc(datetime.fromisoformat(str(p["expires_at"]))),
            released=bool(p.get("released", False)),
            context_id=context.id,
            previous=p.get("previous"),
        )


class DatabaseClock:
    """The metadata database's clock: the time every process sharing the database agrees on.

    ``now()`` asks the database (one round trip); ``monotonic()`` is this process's own, for
    measuring durations.

    Examples:
        >>> from driftline.store.metadata import open_metadata_store
        >>> with open_metadata_store("sqlite://", create=True) as meta:
        ...     clock = DatabaseClock(meta)
        ...     clock.now() <= clock.now()
        True

    """

    def __init__(self, metadata: MetadataStore) -> None:
        self.metadata = metadata

    def now(self) -> datetime:
        """The database's current time (UTC)."""
        return self.metadata.database_time()

    def monotonic(self) -> float:
        """:func:`time.monotonic` of this process."""
        return time.monotonic()


def lease_name(subject: str, attempt: int) -> str:
    """The context name of attempt ``attempt`` on ``subject``."""
    return f"{subject}@{attempt}"


class Leases:
    """Claim, renew and release leases for one owner.

    Args:
        metadata: the metadata store every process shares.
        owner: who claims (default: :func:`new_owner_id`).
        seconds: how long a claim or renewal holds without another renewal.
        clock: the time source: the database's clock (:class:`DatabaseClock`) by default, so
            that leases do not depend on the clocks of the hosts that share them.

    """

    def __init__(
        self,
        metadata: MetadataStore,
        *,
        owner: str | None = None,
        seconds: float = 60.0,
        clock: Clock | None = None,
    ) -> None:
        check_param("Leases", "seconds", seconds, Interval(float, 0, closed="neither"))
        self.metadata = metadata
        self.owner = owner or new_owner_id()
        self.seconds = float(seconds)
        self.clock: Clock = clock if clock is not None else DatabaseClock(metadata)

    def _get(self, subject: str, attempt: int) -> Lease | None:
        try:
            found = self.metadata.get_context_by_name(LEASE_KIND, lease_name(subject, attempt))
        except ContextNotFoundError:
            return None
        return Lease.from_context(found)

    def latest(self, subject: str) -> Lease | None:
        """The newest attempt's lease on ``subject`` (``None`` if never claimed)."""
        found: Lease | None = None
        attempt = 1
        while (lease := self._get(subject, attempt)) is not None:
            found, attempt = lease, attempt + 1
        return found

    def holder(self, subject: str) -> Lease | None:
        """The lease that holds ``subject`` now, if any."""
        latest = self.latest(subject)
        return latest if latest is not None and latest.live(self.clock.now()) else None

    def claim(self, subject: str, *, contexts: Sequence[ContextRef] = ()) -> Lease | None:
        """Claim the next attempt on ``subject``; ``None`` when another process holds it.

        The claim is an execution of kind ``lease`` (associated with ``contexts`` too), so a
        subject's claims are its history.
        """
        latest = self.latest(subject)
        now = self.clock.now()
        if latest is not None and latest.live(now):
            return None
        attempt = 1 if latest is None else latest.attempt + 1
        previous = None
        if latest is not None:
            previous = {
                "owner": latest.owner,
                "expires_at": latest.expires_at.isoformat(),
                "released": latest.released,
            }
        expires = now + timedelta(seconds=self.seconds)
        props = {
            "subject": subject,
            "attempt": attempt,
            "owner": self.owner,
            "expires_at": expires.isoformat(),
            "released": False,
            "claimed_at": now.isoformat(),
            "previous": previous,
        }
        try:
            made = self.metadata.record_execution(
                NewExecution(LEASE_KIND, properties={"action": "claim", **props}),
                contexts=list(contexts),
                new_contexts=[ContextRef(LEASE_KIND, lease_name(subject, attempt), props)],
            )
        except ConflictError:
            return None  # another process claimed this attempt first
        context = next(c for c in made.contexts if c.kind == LEASE_KIND)
        return Lease.from_context(context)

    def check(self, lease: Lease) -> Lease:
        """The lease as stored now.

        Raises:
            LeaseLostError: a later attempt exists, or the lease was released.

        """
        if self._get(lease.subject, lease.attempt + 1) is not None:
            raise LeaseLostError(
                f"lease {lease.name} was taken over by attempt {lease.attempt + 1} (it expired "
                f"at {lease.expires_at.isoformat()})"
            )
        stored = self._get(lease.subject, lease.attempt)
        if stored is None or stored.released or stored.owner != lease.owner:
            raise LeaseLostError(f"lease {lease.name} is no longer held by {lease.owner}")
        return stored

    def renew(self, lease: Lease) -> Lease:
        """Push the lease's expiry ``seconds`` from now.

        Raises:
            LeaseLostError: another process took the subject over, or the lease was released.

        """
        self.check(lease)
        expires = self.clock.now() + timedelta(seconds=self.seconds)
        updated = self.metadata.set_context_properties(
            lease.context_id, {"expires_at": expires.isoformat()}
        )
        self.check(lease)  # a takeover that raced with this renewal
        return Lease.from_context(updated)

    def release(self, lease: Lease) -> None:
        """Give the subject up at once (a lease already lost is left as it is)."""
        try:
            self.check(lease)
        except LeaseLostError:
            return
        self.metadata.set_context_properties(
            lease.context_id, {"released": True, "released_at": self.clock.now().isoformat()}
        )


class Heartbeat:
    """Renews a lease every ``interval`` seconds in a background thread while work goes on.

    :attr:`lost` is set when a renewal finds the lease taken over; ``on_lost`` is called then.
    A renewal that fails for another reason (the database is briefly unreachable) is tried again
    at the next beat. Use it as a context manager.
    """

    def __init__(
        self,
        leases: Leases,
        lease: Lease,
        *,
        interval: float | None = None,
        on_lost: Callable[[LeaseLostError], None] | None = None,
    ) -> None:
        self.leases, self.lease = leases, lease
        self.interval = interval if interval is not None else max(leases.seconds / 3.0, 0.05)
        self.on_lost = on_lost
        self.lost = threading.Event()
        self._done = threading.Event()
        self._thread = threading.Thread(
            target=self._beat, name=f"lease-heartbeat {lease.name}", daemon=True
        )

    def _beat(self) -> None:
        while not self._done.wait(self.interval):
            try:
                self.lease = self.leases.renew(self.lease)
            except LeaseLostError as exc:
                self.lost.set()
                if self.on_lost is not None:
                    self.on_lost(exc)
                return
            except Exception:  # the database may be back at the next beat
                continue

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()
