"""Two hosts whose clocks disagree by minutes share leases (on SQLite and on PostgreSQL).

Each "host" is a child process whose own clock (driftline's ``SystemClock``, what a process reads
as the time of its host) is set five minutes fast or five minutes slow; both share one metadata
database and use :class:`~driftline.controller.leases.Leases` as the controller does, without
a clock of their own. A live, renewed lease is never taken by the fast host (which, by its own
clock, would think it long expired), and a lease its holder stopped renewing is taken over once
the lease time has passed on the database's clock (by its own clock, the slow host would wait
five minutes more).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.reliability.trials import Trial

pytestmark = pytest.mark.slow

SKEW_S = 300.0
LEASE_S = 1.0
DEADLINE = 30.0

HOST = """
import json, sys, time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from driftline.core import clock

SKEW = timedelta(seconds=float(sys.argv[1]))
clock.SystemClock.now = lambda self: datetime.now(UTC) + SKEW  # this host's clock

from driftline.controller.leases import Heartbeat, Leases
from driftline.store.metadata import open_metadata_store

url, role, subject, lease_s, folder = sys.argv[2:7]
lease_s, folder = float(lease_s), Path(folder)


def say(**what):
    print(json.dumps(what), flush=True)


with open_metadata_store(url, create=True) as meta:
    leases = Leases(meta, owner=role, seconds=lease_s)
    host_now = clock.SystemClock().now
    if role == "holder":  # claim, renew until told to stop, release
        lease = leases.claim(subject)
        say(claimed=lease is not None, expires_at=lease.expires_at.isoformat())
        with Heartbeat(leases, lease, interval=lease_s / 5) as beat:
            deadline = time.monotonic() + 60
            while not (folder / "stop").exists() and time.monotonic() < deadline:
                time.sleep(0.02)
        leases.release(beat.lease)
        say(lost=beat.lost.is_set())
    elif role == "claim-once":  # claim and stop renewing (as a host that died)
        lease = leases.claim(subject)
        say(claimed=lease is not None, expires_at=lease.expires_at.isoformat())
    elif role == "taker":  # try to take a live lease for three lease times of database time
        held = leases.latest(subject)
        until = held.expires_at + timedelta(seconds=2 * lease_s)
        claims, taken = 0, 0
        while meta.database_time() < until:
            taken += leases.claim(subject) is not None
            claims += 1
            time.sleep(0.05)
        say(claims=claims, taken=taken, expired_by_host_clock=not held.live(host_now()))
    elif role == "waiter":  # take over an expired lease as soon as leases allow
        deadline = time.monotonic() + float(sys.argv[7])
        while (lease := leases.claim(subject)) is None and time.monotonic() < deadline:
            time.sleep(0.05)
        if lease is None:
            say(taken=False)
        else:
            props = meta.get_context(lease.context_id).properties
            say(taken=True, attempt=lease.attempt, claimed_at=props["claimed_at"],
                previous=props["previous"])
"""


class Hosts:
    """Starts host processes with skewed clocks on one metadata database."""

    def __init__(self, url: str, folder: Path) -> None:
        self.url, self.folder = url, folder
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("DRIFTLINE_")}

    def start(self, skew: float, role: str, subject: str, *more: str) -> subprocess.Popen[str]:
        args = [str(skew), self.url, role, subject, str(LEASE_S), str(self.folder), *more]
        return subprocess.Popen(
            [sys.executable, "-c", HOST, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=self.env,
        )

    @staticmethod
    def line(proc: subprocess.Popen[str]) -> dict[str, Any]:
        assert proc.stdout is not None
        text = proc.stdout.readline()
        if not text:
            proc.wait(timeout=DEADLINE)
            pytest.fail(f"a host stopped (exit {proc.returncode}): {proc.communicate()[1]}")
        return dict(json.loads(text))

    @staticmethod
    def finish(proc: subprocess.Popen[str]) -> None:
        try:
            out, err = proc.communicate(timeout=DEADLINE * 2)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        assert proc.returncode == 0, f"a host failed (exit {proc.returncode}): {out}{err}"


@pytest.fixture
def hosts(store_url: str, tmp_path: Path) -> Hosts:
    from driftline.store.metadata import open_metadata_store

    open_metadata_store(store_url, create=True).close()  # the schema, before the hosts race
    return Hosts(store_url, tmp_path)


def test_a_live_lease_is_never_taken_by_a_fast_host(trial: Trial, hosts: Hosts) -> None:
    trial.tries(
        "a host 5 minutes fast claims a subject whose lease a host 5 minutes slow holds and renews"
    )
    with trial.attempt():
        holder = hosts.start(-SKEW_S, "holder", "retrain:churn#1")
        try:
            assert hosts.line(holder)["claimed"]
            taker = hosts.start(SKEW_S, "taker", "retrain:churn#1")
            tried = hosts.line(taker)
            hosts.finish(taker)
            (hosts.folder / "stop").write_text("")
            kept = hosts.line(holder)
        finally:
            (hosts.folder / "stop").write_text("")
            hosts.finish(holder)
        assert tried["expired_by_host_clock"], "the fast host's own clock calls the lease expired"
        assert tried["claims"] > 0
        assert tried["taken"] == 0, f"the fast host took a live lease: {tried}"
        assert not kept["lost"], "the holder lost its lease"
    trial.lost(0)
    trial.found(f"{tried['claims']} claims by the fast host on a live, renewed lease: none took it")


def test_an_expired_lease_is_taken_over_by_database_time(trial: Trial, hosts: Hosts) -> None:
    from datetime import datetime

    trial.tries(
        "a host 5 minutes fast claims a lease and stops renewing; a host 5 minutes slow takes it "
        "over"
    )
    with trial.attempt():
        first_host = hosts.start(SKEW_S, "claim-once", "ingest:elec2:abc")
        first = hosts.line(first_host)
        hosts.finish(first_host)
        waiter = hosts.start(-SKEW_S, "waiter", "ingest:elec2:abc", str(DEADLINE))
        second = hosts.line(waiter)
        hosts.finish(waiter)
        assert second["taken"], f"not taken over within {DEADLINE:.0f} s of a {LEASE_S:g} s lease"
        assert second["attempt"] == 2
        assert second["previous"]["owner"] == "claim-once"
        expired = datetime.fromisoformat(first["expires_at"])
        late = (datetime.fromisoformat(second["claimed_at"]) - expired).total_seconds()
        assert late >= 0, f"taken over {-late:.2f} s before it expired"
        assert late < SKEW_S / 10, f"taken over {late:.1f} s after it expired"
    trial.lost(0)
    trial.found(
        f"taken over {late:.2f} s after expiry on the database's clock (by its own clock the "
        f"slow host would have waited {SKEW_S:.0f} s more)"
    )
