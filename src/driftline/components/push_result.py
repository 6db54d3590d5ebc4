"""What the ``push`` step did, as a typed artifact the controller reads back.

A :class:`PushResult` says whether the model was blessed and registered, as which version, which
alias now points at it, and the champion it was judged against (the ``champion`` step's, looked
up once per run). ``needs_rollout`` is true when the version should reach traffic through a
rollout against that champion rather than at once.

Examples:
    >>> done = PushResult("churn", blessed=True, pushed=True, version=4, champion=3,
    ...                   needs_rollout=True)
    >>> PushResult.from_dict(done.to_dict()) == done
    True
    >>> done.to_dict()["alias"] is None
    True

"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Annotated, Any, BinaryIO, ClassVar

from driftline.core.errors import IntegrityError
from driftline.core.hashing import stable_json

__all__ = ["PushOutput", "PushResult", "PushResultType"]


@dataclass(frozen=True)
class PushResult:
    """What ``push`` did (see the module docstring)."""

    model: str
    blessed: bool
    pushed: bool
    reason: str | None = None
    version: int | None = None
    alias: str | None = None
    champion: int | None = None
    needs_rollout: bool = False

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return asdict(self)

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> PushResult:
        """Rebuild a result from :meth:`to_dict` (keys it does not know are left out).

        Raises:
            IntegrityError: ``doc`` has no ``model``, ``blessed`` or ``pushed``.

        """
        missing = [k for k in ("model", "blessed", "pushed") if k not in doc]
        if missing:
            raise IntegrityError(f"a push result needs {', '.join(missing)}: got {dict(doc)!r}")
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in doc.items() if k in known})


class PushResultType:
    """A :class:`PushResult`, stored as JSON."""

    kind: ClassVar[str] = "push_result"
    extension: ClassVar[str] = ".json"

    @classmethod
    def save(cls, value: Any, writer: BinaryIO) -> Mapping[str, Any]:
        """Write the result; the properties repeat whether it was pushed, and the version."""
        writer.write(stable_json(value.to_dict()).encode("utf-8"))
        return {"model": value.model, "pushed": value.pushed, "version": value.version}

    @classmethod
    def load(cls, reader: BinaryIO, properties: Mapping[str, Any]) -> PushResult:
        """Read the result back."""
        return PushResult.from_dict(json.loads(reader.read().decode("utf-8")))


PushOutput = Annotated[PushResult, PushResultType]
"""The ``push`` step's output: use as a step annotation."""
