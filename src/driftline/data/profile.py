"""Mergeable profiles of tables: profile a reference once, keep only the profile, merge partitions.

:func:`~driftline.data.profile_table` reads a ``pyarrow`` Table or a stream of record batches once
and returns a
:class:`Profile`: per column, exact counts and moments, a KLL quantile sketch, frequent values and a
HyperLogLog distinct count (see :mod:`driftline.data.column_profile`). Profiles of parts merge into
the profile of the whole (``a.merge(b)``): counts, moments, distinct registers and, while they are
exact, value counts come out as if the rows had been profiled together; quantiles stay within
their stated rank error; the order sketch reads the parts in the order of their first values
(exact for a column that grows). Drift statistics are computed from profiles alone.

Building drift statistics on profiles (``ref`` and ``cur`` describe one column in two datasets):

* **numeric / datetime**: ``ref.quantiles.cdf(xs)`` is within ``ref.quantiles.rank_error()`` of
  the true CDF at every point at once, so the Kolmogorov-Smirnov distance evaluated at the union of
  the kept items (``items_and_weights()``) is within the sum of the two rank errors of the truth.
  ``histogram(edges)`` gives binned counts (for PSI, Jensen-Shannon, Wasserstein on bins), each
  within ``2 * rank_error() * n``; ``moments`` gives exact means and variances.
* **categorical / boolean**: ``frequent.items`` and ``frequent.counts`` are the exact value
  distribution when ``frequent.is_exact``; otherwise every count is within ``frequent.max_error``
  below the truth. ``cur.frequent.estimate(ref.frequent.items)`` aligns one profile's counts on the
  other's values. Integer columns whose ``looks_categorical`` is true also have exact value counts.
* **missing values**: ``null_count``, ``nan_count`` and ``missing_fraction``, exact.

For example, the KS distance between two samples::

    >>> import numpy as np, pyarrow as pa
    >>> from driftline.data import profile_table
    >>> rng = np.random.default_rng(0)
    >>> ref = profile_table(pa.table({"x": rng.normal(0.0, 1, 50_000)}))["x"].quantiles
    >>> cur = profile_table(pa.table({"x": rng.normal(0.5, 1, 50_000)}))["x"].quantiles
    >>> xs = np.union1d(ref.items_and_weights()[0], cur.items_and_weights()[0])
    >>> ks = float(np.abs(ref.cdf(xs) - cur.cdf(xs)).max())
    >>> abs(ks - 0.197) < 0.01 + ref.rank_error() + cur.rank_error()
    True

Bytes (:meth:`Profile.to_bytes`) are a versioned container of canonical JSON and raw little-endian
arrays (see ``driftline.data._codec``): compact, exact on the round trip, the same profile always
giving the same bytes, and safe to read from untrusted sources (no pickle).

Examples:
    >>> import pyarrow as pa
    >>> from driftline.data import profile_table
    >>> t = pa.table({"age": [31, 45, None, 27], "city": ["Oslo", "Rome", "Oslo", None]})
    >>> p = profile_table(t)
    >>> p.names, p.num_rows, p["city"].frequent.top(1)[0].value
    (('age', 'city'), 4, 'Oslo')
    >>> whole = p.merge(profile_table(t.slice(0, 2)))
    >>> whole.num_rows, whole["age"].count, Profile.from_bytes(whole.to_bytes()) == whole
    (6, 5, True)

"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from driftline.core.errors import InputError
from driftline.data._arrow import pa
from driftline.data._codec import State, decode, encode
from driftline.data.column_profile import ColumnProfile
from driftline.data.errors import FormatError, MergeError, UnknownColumnError
from driftline.data.kinds import ColumnKind
from driftline.data.params import SketchParams
from driftline.data.sketches.base import Sketch
from driftline.data.sketches.distinct import HyperLogLog
from driftline.data.sketches.frequent import FrequentItems
from driftline.data.sketches.moments import Moments
from driftline.data.sketches.order import Order
from driftline.data.sketches.quantiles import KLLSketch

__all__ = ["PROFILE_VERSION", "Profile"]

PROFILE_VERSION = 1
"""The version of the profile layout inside the container; readers refuse newer ones."""

_SKETCHES: dict[str, type[Sketch]] = {
    "moments": Moments,
    "quantiles": KLLSketch,
    "frequent": FrequentItems,
    "distinct": HyperLogLog,
    "order": Order,
}


class Profile:
    """The profile of a table: column profiles in table order, the row count and sketch sizes.

    A profile is a value: build it with :func:`~driftline.data.profile_table`, combine with
    :meth:`merge`, keep it
    with :meth:`to_bytes`. Look columns up by name (``profile["age"]``).

    Examples:
        >>> import pyarrow as pa
        >>> from driftline.data import profile_table
        >>> p = profile_table(pa.table({"x": [1.0, 2.0, 3.0]}))
        >>> "x" in p, len(p), p["x"].moments.max
        (True, 1, 3.0)

    """

    def __init__(
        self, columns: Iterable[ColumnProfile], *, num_rows: int, params: SketchParams
    ) -> None:
        self._columns = tuple(columns)
        self._by_name = {c.name: c for c in self._columns}
        if len(self._by_name) != len(self._columns):
            raise InputError("a profile cannot hold two columns of the same name")
        self._num_rows = num_rows
        self._params = params

    @property
    def columns(self) -> tuple[ColumnProfile, ...]:
        """The column profiles, in table order."""
        return self._columns

    @property
    def names(self) -> tuple[str, ...]:
        """The column names, in table order."""
        return tuple(c.name for c in self._columns)

    @property
    def num_rows(self) -> int:
        """The number of rows profiled."""
        return self._num_rows

    @property
    def params(self) -> SketchParams:
        """The sketch sizes; profiles merge only with equal ones."""
        return self._params

    def __getitem__(self, name: str) -> ColumnProfile:
        try:
            return self._by_name[name]
        except KeyError:
            raise UnknownColumnError(
                f"the profile has no column {name!r}; it has {listing(self.names)}"
            ) from None

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __iter__(self) -> Iterator[ColumnProfile]:
        return iter(self._columns)

    def __len__(self) -> int:
        return len(self._columns)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Profile):
            return NotImplemented
        return self.to_bytes() == other.to_bytes()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Profile(num_rows={self._num_rows}, columns={listing(self.names)})"

    def merge(self, other: Profile) -> Profile:
        """The profile of this profile's rows and ``other``'s (a new profile, in this one's order).

        Raises:
            MergeError: the column sets differ (the message names the columns), a column's Arrow
                type or kind differs (naming the column and both types), or the sketch sizes do.

        Examples:
            >>> import pyarrow as pa
            >>> from driftline.data import profile_table
            >>> a = profile_table(pa.table({"x": [1, 2]}))
            >>> b = profile_table(pa.table({"x": [3]}))
            >>> a.merge(b)["x"].moments.mean
            2.0
            >>> a.merge(profile_table(pa.table({"y": [1]})))
            Traceback (most recent call last):
            ...
            driftline.data.errors.MergeError: cannot merge profiles with different columns: \
only in this profile: 'x'; only in the other: 'y'

        """
        if not isinstance(other, Profile):
            raise MergeError(f"cannot merge a Profile with a {type(other).__name__}")
        mine, theirs = set(self.names), set(other.names)
        if mine != theirs:
            parts = []
            if mine - theirs:
                parts.append(f"only in this profile: {listing(sorted(mine - theirs))}")
            if theirs - mine:
                parts.append(f"only in the other: {listing(sorted(theirs - mine))}")
            raise MergeError("cannot merge profiles with different columns: " + "; ".join(parts))
        if other.params != self.params:
            raise MergeError(
                f"cannot merge profiles made with different sketch sizes: {self.params} and "
                f"{other.params}"
            )
        merged = [c.merge(other[c.name]) for c in self._columns]
        return Profile(merged, num_rows=self._num_rows + other._num_rows, params=self._params)

    def to_dict(self, *, top: int = 10) -> dict[str, Any]:
        """A JSON-ready summary (see :meth:`ColumnProfile.to_dict`); not a serialisation.

        Examples:
            >>> import pyarrow as pa, json
            >>> from driftline.data import profile_table
            >>> d = profile_table(pa.table({"x": [1.5, 2.5]})).to_dict()
            >>> d["num_rows"], d["columns"][0]["mean"], bool(json.dumps(d))
            (2, 2.0, True)

        """
        return {
            "num_rows": self._num_rows,
            "params": {
                "k": self._params.k,
                "capacity": self._params.capacity,
                "precision": self._params.precision,
            },
            "columns": [c.to_dict(top=top) for c in self._columns],
        }

    def summary_table(self) -> Any:
        """One row per column (name, type, kind, counts, min, max, mean, std, median, distinct).

        Returns:
            a ``pyarrow.Table``.

        Examples:
            >>> import pyarrow as pa
            >>> from driftline.data import profile_table
            >>> profile_table(pa.table({"x": [1.0, 3.0]})).summary_table()["mean"].to_pylist()
            [2.0]

        """
        rows: dict[str, list[Any]] = {
            "name": [], "type": [], "kind": [], "count": [], "missing": [], "min": [], "max": [],
            "mean": [], "std": [], "median": [], "distinct": [],
        }  # fmt: skip
        for c in self._columns:
            numeric = c.kind in (ColumnKind.NUMERIC, ColumnKind.DATETIME, ColumnKind.BOOLEAN)
            m = c.moments if numeric else None
            q = c.quantiles if c.kind is not ColumnKind.TEXT else None
            rows["name"].append(c.name)
            rows["type"].append(c.type)
            rows["kind"].append(c.kind.value)
            rows["count"].append(c.count)
            rows["missing"].append(c.missing_count)
            rows["min"].append(m.min if m else None)
            rows["max"].append(m.max if m else None)
            rows["mean"].append(m.mean if m else None)
            rows["std"].append(m.std if m else None)
            rows["median"].append(q.quantile(0.5) if q is not None and q.n else None)
            rows["distinct"].append(float(c.distinct_count))
        types = {"count": pa.int64(), "missing": pa.int64()}
        return pa.table({k: pa.array(v, type=types.get(k, _guess(k))) for k, v in rows.items()})

    # -- bytes ------------------------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        """The profile as a compact, versioned byte string; round-trips exactly."""
        state = State()
        columns = []
        for i, c in enumerate(self._columns):
            sketches: dict[str, Any] = {}
            for key in _SKETCHES:
                sketch = getattr(c, key)
                if sketch is None:
                    continue
                part = sketch.to_state()
                sketches[key] = part.meta
                for name, arr in part.arrays.items():
                    state.arrays[f"{i}/{key}/{name}"] = arr
            columns.append(
                {
                    "name": c.name,
                    "type": c.type,
                    "kind": c.kind.value,
                    "count": c.count,
                    "null_count": c.null_count,
                    "nan_count": c.nan_count,
                    "sketches": sketches,
                }
            )
        p = self._params
        state.meta = {
            "version": PROFILE_VERSION,
            "num_rows": self._num_rows,
            "params": {"k": p.k, "capacity": p.capacity, "precision": p.precision},
            "columns": columns,
        }
        return encode("profile", state)

    @classmethod
    def from_bytes(cls, data: bytes | bytearray | memoryview) -> Profile:
        """Read a profile written by :meth:`to_bytes`.

        Raises:
            FormatError: the bytes are not a profile, are corrupt, or come from a newer version.

        """
        state = decode(data, "profile")
        meta = state.meta
        try:
            version = meta["version"]
            if version != PROFILE_VERSION:
                raise FormatError(
                    f"profile layout version {version}; this driftline reads {PROFILE_VERSION}"
                )
            params = SketchParams(**meta["params"])
            columns = [_column_from_state(i, c, state) for i, c in enumerate(meta["columns"])]
            return cls(columns, num_rows=int(meta["num_rows"]), params=params)
        except (KeyError, TypeError, ValueError, InputError) as exc:
            if isinstance(exc, FormatError):
                raise
            raise FormatError(f"corrupt profile: {type(exc).__name__}: {exc}") from exc


def _column_from_state(i: int, c: dict[str, Any], state: State) -> ColumnProfile:
    sketches: dict[str, Any] = {}
    for key, sketch_cls in _SKETCHES.items():
        part_meta = c["sketches"].get(key)
        if part_meta is None:
            sketches[key] = None
            continue
        prefix = f"{i}/{key}/"
        arrays = {n[len(prefix) :]: a for n, a in state.arrays.items() if n.startswith(prefix)}
        sketches[key] = sketch_cls.from_state(State(meta=part_meta, arrays=arrays))
    if sketches["distinct"] is None:
        raise FormatError(f"corrupt profile: column {c['name']!r} has no distinct sketch")
    return ColumnProfile(
        name=str(c["name"]),
        type=str(c["type"]),
        kind=ColumnKind(c["kind"]),
        count=int(c["count"]),
        null_count=int(c["null_count"]),
        nan_count=int(c["nan_count"]),
        **sketches,
    )


def _guess(key: str) -> Any:
    return pa.string() if key in ("name", "type", "kind") else pa.float64()


def listing(names: Iterable[str], limit: int = 8) -> str:
    names = list(names)
    shown = ", ".join(repr(n) for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "") or "none"
