"""The monitor reference: what a model version's monitoring needs, fitted once at training time.

A :class:`MonitorReference` holds the version's input columns, its outlier detector, the
calibration of its probabilities (for the label-free accuracy estimate), the permutation importance
of each input on the evaluation rows, and the profile of the predictions it made on those rows
(the reference for output drift). The ``monitor_reference`` step fits it after ``evaluate``;
``push`` registers it with the version; ``ModelRegistry.monitor_reference(name, version)`` reads
it back.

It is stored without pickle: a JSON header (features, calibration, importance, notes) and the
bytes of the predictions' profile and of the detector, in the container profiles use, so a crafted
file can never run code.

Examples:
    >>> import pyarrow as pa
    >>> from driftline.data.profiling import profile_table
    >>> predictions = profile_table(pa.table({"prediction": [0, 1, 1]}))
    >>> ref = MonitorReference(
    ...     features=("x",), outliers=None, calibration=None, importance={"x": 0.25},
    ...     predictions=predictions, eval_rows=3, notes=("no probabilities",),
    ... )
    >>> again = MonitorReference.from_bytes(ref.to_bytes())
    >>> again.features, again.importance, again.eval_rows, again.notes
    (('x',), {'x': 0.25}, 3, ('no probabilities',))
    >>> again.predictions["prediction"].count
    3

"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, BinaryIO, ClassVar

import numpy as np

from driftline.core.errors import IntegrityError
from driftline.data._codec import State, decode, encode
from driftline.data.errors import FormatError
from driftline.data.profile import Profile
from driftline.models.monitoring.calibration import Calibration

if TYPE_CHECKING:
    from driftline.models.monitoring.outliers import OutlierDetector

__all__ = [
    "MONITOR_REFERENCE_KIND",
    "MonitorReference",
    "MonitorReferenceResult",
    "MonitorReferenceType",
]

MONITOR_REFERENCE_KIND = "monitor_reference"
_FORMAT = 1


@dataclass(frozen=True)
class MonitorReference:
    """What the monitor compares a version's live traffic with (see the module docstring).

    Attributes:
        features: the model's input columns.
        outliers: the outlier detector, or ``None`` (none fitted: nothing is scored).
        calibration: ``P(correct | confidence)``, or ``None`` when the model gives no
            probabilities (said in ``notes``).
        importance: the permutation importance of each input on the evaluation rows.
        predictions: the profile of one column ``prediction``: the version's predictions on its
            evaluation rows.
        eval_rows: how many evaluation rows it was fitted on.
        notes: what could not be fitted, and why, one sentence each.

    """

    features: tuple[str, ...]
    outliers: OutlierDetector | None
    calibration: Calibration | None
    importance: dict[str, float]
    predictions: Profile
    eval_rows: int
    notes: tuple[str, ...] = field(default=())

    def to_bytes(self) -> bytes:
        """The reference as bytes (no pickle); :meth:`from_bytes` reads them back."""
        meta = {
            "format": _FORMAT,
            "features": list(self.features),
            "calibration": None if self.calibration is None else self.calibration.to_dict(),
            "importance": {k: float(v) for k, v in self.importance.items()},
            "eval_rows": int(self.eval_rows),
            "notes": list(self.notes),
            "outliers": self.outliers is not None,
        }
        arrays = {"predictions": np.frombuffer(self.predictions.to_bytes(), dtype=np.uint8)}
        if self.outliers is not None:
            arrays["outliers"] = np.frombuffer(self.outliers.to_bytes(), dtype=np.uint8)
        return encode(MONITOR_REFERENCE_KIND, State(meta, arrays))

    @classmethod
    def from_bytes(cls, data: bytes) -> MonitorReference:
        """Read a reference written by :meth:`to_bytes`.

        Raises:
            IntegrityError: the bytes are not a monitor reference, or are corrupt (saying what).

        """
        try:
            state = decode(data, MONITOR_REFERENCE_KIND)
        except FormatError as exc:
            raise IntegrityError(str(exc)) from exc
        meta, arrays = state.meta, state.arrays
        try:
            if meta["format"] != _FORMAT:
                raise IntegrityError(
                    f"a monitor reference in format {meta['format']}; this driftline reads "
                    f"format {_FORMAT}"
                )
            detector = None
            if meta["outliers"]:
                from driftline.models.monitoring.outliers import OutlierDetector

                detector = OutlierDetector.from_bytes(arrays["outliers"].tobytes())
            calibration = meta["calibration"]
            return cls(
                features=tuple(str(f) for f in meta["features"]),
                outliers=detector,
                calibration=None if calibration is None else Calibration.from_dict(calibration),
                importance={str(k): float(v) for k, v in meta["importance"].items()},
                predictions=Profile.from_bytes(arrays["predictions"].tobytes()),
                eval_rows=int(meta["eval_rows"]),
                notes=tuple(str(n) for n in meta["notes"]),
            )
        except (KeyError, TypeError, ValueError, AttributeError, FormatError) as exc:
            raise IntegrityError(f"corrupt monitor reference: {exc!r}") from exc


class MonitorReferenceType:
    """A :class:`MonitorReference` as a pipeline artifact (kind ``monitor_reference``)."""

    kind: ClassVar[str] = MONITOR_REFERENCE_KIND
    extension: ClassVar[str] = ".monref"

    @classmethod
    def save(cls, value: Any, writer: BinaryIO) -> Mapping[str, Any]:
        """Write the reference; the properties say what it holds."""
        if not isinstance(value, MonitorReference):
            raise IntegrityError(f"MonitorReferenceResult needs a MonitorReference, got {value!r}")
        writer.write(value.to_bytes())
        return {
            "features": len(value.features),
            "outliers": None if value.outliers is None else value.outliers.method,
            "calibration": value.calibration is not None,
            "eval_rows": value.eval_rows,
            "notes": list(value.notes),
        }

    @classmethod
    def load(cls, reader: BinaryIO, properties: Mapping[str, Any]) -> MonitorReference:
        """Read the reference back."""
        return MonitorReference.from_bytes(reader.read())


MonitorReferenceResult = Annotated[MonitorReference, MonitorReferenceType]
"""A monitor reference: use as a step annotation."""
