"""What a server precomputes for each served model: its column codecs and how to predict.

A :class:`ModelSpec` is built once, when a :class:`~driftline.serving.table.ServedModel` is made,
so that a request does no per-model lookups: the codecs of the signature's columns in order, the
Arrow schema, the datatypes of the outputs, and whether the model gives probabilities.

Outputs are named as MLServer's scikit-learn runtime names them: ``predict`` (the default) and
``predict_proba`` (when the model has probabilities).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from driftline.core.errors import InputError
from driftline.serving.columns import ColumnCodec, datatype_of
from driftline.serving.errors import RequestError

if TYPE_CHECKING:
    from driftline.models.loaded import LoadedModel
    from driftline.serving.table import ServedModel

__all__ = ["OUTPUTS", "PREDICT", "PREDICT_PROBA", "ModelSpec"]

PREDICT = "predict"
PREDICT_PROBA = "predict_proba"
OUTPUTS = (PREDICT, PREDICT_PROBA)
"""The output names a request may ask for."""


def _has_proba(served: ServedModel) -> bool:
    from driftline.models.flavor import Flavor

    flavor, model = served.model.flavor, served.model.model
    if type(flavor).predict_proba is Flavor.predict_proba:
        return False
    return hasattr(model, "predict_proba") or bool(getattr(model, "is_classifier", False))


@dataclass(frozen=True)
class ModelSpec:
    """Per-model facts a request needs, computed once (see the module docstring)."""

    name: str
    version: str
    codecs: tuple[ColumnCodec, ...]
    by_name: Mapping[str, ColumnCodec]
    schema: pa.Schema
    outputs: Mapping[str, dict[str, Any]]
    platform: str
    model: LoadedModel

    @classmethod
    def of(cls, served: ServedModel) -> ModelSpec:
        """The spec of ``served``.

        Raises:
            InputError: the model has no signature, or a column type requests cannot carry.

        """
        signature = served.model.signature
        if signature is None:
            raise InputError(
                f"model {served.name!r} version {served.key!r} has no signature, so requests "
                "cannot be checked: save it with a sample (save_model(..., sample=table))"
            )
        codecs = tuple(ColumnCodec.of(c.name, c.dtype) for c in signature.inputs)
        schema = pa.schema([pa.field(c.name, c.pa_type) for c in codecs])
        shape = [-1 if d is None else d for d in signature.output_shape]
        outputs: dict[str, dict[str, Any]] = {
            PREDICT: {
                "name": PREDICT,
                "datatype": datatype_of(np.dtype(signature.output_dtype)),
                "shape": shape,
            }
        }
        if _has_proba(served):
            outputs[PREDICT_PROBA] = {"name": PREDICT_PROBA, "datatype": "FP64", "shape": [-1, -1]}
        return cls(
            name=served.name,
            version=served.key,
            codecs=codecs,
            by_name={c.name: c for c in codecs},
            schema=schema,
            outputs=outputs,
            platform=f"driftline-{served.model.flavor.name}",
            model=served.model,
        )

    @property
    def column_names(self) -> list[str]:
        """The input columns, in the signature's order."""
        return [c.name for c in self.codecs]

    def inputs_metadata(self) -> list[dict[str, Any]]:
        """The inputs as Open Inference Protocol metadata tensors (one per column)."""
        return [{"name": c.name, "datatype": c.datatype, "shape": [-1]} for c in self.codecs]

    def check_names(self, names: Iterable[str], what: str = "column") -> None:
        """Refuse a set of column names that lacks a signature column or has an extra one.

        Raises:
            RequestError: 400 naming the first missing column (with its type), else the first
                extra one (with the model's inputs).

        """
        given = set(names)
        for codec in self.codecs:
            if codec.name not in given:
                raise RequestError(
                    400,
                    f"request is missing {what} {codec.name!r} "
                    f"({codec.arrow_type}, datatype {codec.datatype})",
                )
        if len(given) != len(self.codecs):
            extra = sorted(n for n in given if n not in self.by_name)[0]
            raise RequestError(
                400,
                f"request has {what} {extra!r}, which model {self.name!r} does not take "
                f"(its inputs: {', '.join(self.column_names)})",
            )

    def table(self, columns: Mapping[str, pa.Array], *, what: str = "column") -> pa.Table:
        """The model's input table from converted columns, in the signature's order.

        Raises:
            RequestError: a column is missing or extra, columns differ in length, or there are
                no rows (400).

        """
        self.check_names(columns, what)
        arrays = [columns[c.name] for c in self.codecs]
        rows = len(arrays[0]) if arrays else 0
        for codec, array in zip(self.codecs, arrays, strict=True):
            if len(array) != rows:
                raise RequestError(
                    400,
                    f"{what} {codec.name!r} has {len(array)} values but "
                    f"{what} {self.codecs[0].name!r} has {rows}",
                )
        if rows == 0:
            raise RequestError(400, "request has no rows to predict")
        return pa.Table.from_arrays(arrays, schema=self.schema)

    def check_outputs(self, names: Sequence[str]) -> None:
        """Refuse output names the model does not produce (400, listing those it does)."""
        for name in names:
            if name not in self.outputs:
                raise RequestError(
                    400,
                    f"model {self.name!r} has no output {name!r} "
                    f"(its outputs: {', '.join(self.outputs)})",
                )

    def predict(self, table: pa.Table, output: str = PREDICT) -> np.ndarray[Any, Any]:
        """Run the model on ``table`` for one output.

        Raises:
            RequestError: the model refused the input (400) or failed on it (422, naming the
                model's error).

        """
        model = self.model
        try:
            if output == PREDICT_PROBA:
                return model.predict_proba(table)
            return model.predict(table)
        except InputError as exc:
            raise RequestError(400, str(exc)) from exc
        except Exception as exc:
            raise RequestError(
                422,
                f"model {self.name!r} version {self.version!r} failed on this input: "
                f"{type(exc).__name__}: {exc}",
            ) from exc
