"""What a server precomputes for each served model: its column codecs and how to predict.

A :class:`ModelSpec` is built once, when a served version is made
(:class:`~driftline.serving.table.ServedModel` builds its own),
so that a request does no per-model lookups: the codecs of the signature's columns in order, the
Arrow schema, the datatypes of the outputs, and whether the model gives probabilities.

Outputs are named as MLServer's scikit-learn runtime names them: ``predict`` (the default) and
``predict_proba`` (when the model has probabilities).

A decoded request is an :class:`InputBatch`. When every input column is numeric and the model can
predict on a matrix (:attr:`ModelSpec.takes_matrix`, the common case), the request's values go
straight into one 2-D numpy array in the signature's column order, checked once, and the model
predicts on it: no Arrow table is built unless someone asks for :attr:`InputBatch.table` (the
prediction log does). Other models get the table, as before. Both give the same predictions and
refuse bad requests with the same errors.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from driftline.core.errors import InputError
from driftline.models.signature import to_matrix
from driftline.serving.columns import ColumnCodec, datatype_of
from driftline.serving.errors import RequestError

if TYPE_CHECKING:
    from driftline.models.loaded import LoadedModel

__all__ = ["OUTPUTS", "PREDICT", "PREDICT_PROBA", "InputBatch", "ModelSpec"]

PREDICT = "predict"
PREDICT_PROBA = "predict_proba"
OUTPUTS = (PREDICT, PREDICT_PROBA)
"""The output names a request may ask for."""


def _has_proba(loaded: LoadedModel) -> bool:
    from driftline.models.flavor import Flavor

    flavor, model = loaded.flavor, loaded.model
    if type(flavor).predict_proba is Flavor.predict_proba:
        return False
    return hasattr(model, "predict_proba") or bool(getattr(model, "is_classifier", False))


class InputBatch:
    """A request's rows for one model: a numeric matrix, a ``pyarrow.Table``, or both.

    Made by :meth:`ModelSpec.batch`, :meth:`ModelSpec.matrix_batch` or :meth:`of_table` from
    checked values. ``matrix`` is the 2-D array in the signature's column order that the model
    predicts on (``None`` for a model that takes tables); :attr:`table` is the model's input
    table, built from the matrix on first access when the request did not come as one.
    """

    __slots__ = ("_columns", "_table", "matrix", "spec")

    def __init__(
        self,
        spec: ModelSpec,
        *,
        matrix: np.ndarray[Any, Any] | None = None,
        columns: Sequence[np.ndarray[Any, Any]] | None = None,
        table: pa.Table | None = None,
    ) -> None:
        """Rows for ``spec``'s model, from a ``matrix`` and/or a ``table`` in its schema.

        ``columns`` are the matrix's columns in each column's own dtype, when the model's
        columns differ in type (the matrix holds them in a common one); the table is built from
        them.
        """
        if matrix is None and table is None:
            raise ValueError("an InputBatch needs a matrix or a table")
        self.spec = spec
        self.matrix = matrix
        self._columns = columns
        self._table = table

    @classmethod
    def of_table(cls, spec: ModelSpec, table: pa.Table) -> InputBatch:
        """The batch of a checked input table in ``spec``'s schema (with its matrix, if any)."""
        matrix = to_matrix(table) if spec.takes_matrix else None
        return cls(spec, matrix=matrix, table=table)

    @property
    def num_rows(self) -> int:
        """How many rows."""
        if self.matrix is not None:
            return int(self.matrix.shape[0])
        return int(self.table.num_rows)

    @property
    def num_columns(self) -> int:
        """How many columns."""
        if self.matrix is not None:
            return int(self.matrix.shape[1])
        return int(self.table.num_columns)

    @property
    def table(self) -> pa.Table:
        """The model's input table (in the spec's schema), built once, when first asked for."""
        if self._table is None:
            self._table = self.spec.table_of(self._columns, self.matrix)
        return self._table


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
    takes_matrix: bool = False
    """Whether requests decode into a numeric matrix that the model predicts on directly."""
    uniform: bool = False
    """Whether every input column has the same type (so a matrix's columns are the columns)."""

    @classmethod
    def of(cls, name: str, version: int | str, model: LoadedModel) -> ModelSpec:
        """The spec of version ``version`` of model ``name``, the loaded ``model``.

        Raises:
            InputError: the model has no signature, or a column type requests cannot carry.

        """
        key = str(version)
        signature = model.signature
        if signature is None:
            raise InputError(
                f"model {name!r} version {key!r} has no signature, so requests "
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
        if _has_proba(model):
            outputs[PREDICT_PROBA] = {"name": PREDICT_PROBA, "datatype": "FP64", "shape": [-1, -1]}
        return cls(
            name=name,
            version=key,
            codecs=codecs,
            by_name={c.name: c for c in codecs},
            schema=schema,
            outputs=outputs,
            platform=f"driftline-{model.flavor.name}",
            model=model,
            takes_matrix=bool(codecs) and model.matrix_predictor is not None,
            uniform=len({c.dtype for c in codecs}) == 1,
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

    def convert(self, codec: ColumnCodec, values: np.ndarray[Any, Any], what: str) -> Any:
        """One column's checked values for :meth:`batch`.

        Numpy when the model takes a matrix, else Arrow (see :meth:`ColumnCodec.to_numpy`,
        :meth:`ColumnCodec.to_arrow`).

        Raises:
            RequestError: values the column cannot take (400, naming ``what``).

        """
        if self.takes_matrix:
            return codec.to_numpy(values, what)
        return codec.to_arrow(values, what)

    def _ordered(self, columns: Mapping[str, Any], what: str) -> list[Any]:
        """The columns in the signature's order, refusing missing, extra or uneven ones."""
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
        return arrays

    def table(self, columns: Mapping[str, pa.Array], *, what: str = "column") -> pa.Table:
        """The model's input table from converted columns, in the signature's order.

        Raises:
            RequestError: a column is missing or extra, columns differ in length, or there are
                no rows (400).

        """
        return pa.Table.from_arrays(self._ordered(columns, what), schema=self.schema)

    def batch(self, columns: Mapping[str, Any], *, what: str = "column") -> InputBatch:
        """The request's rows from the columns :meth:`convert` gave, in the signature's order.

        Raises:
            RequestError: as :meth:`table` does, with the same messages.

        """
        arrays = self._ordered(columns, what)
        if not self.takes_matrix:
            return InputBatch(self, table=pa.Table.from_arrays(arrays, schema=self.schema))
        matrix = np.column_stack(arrays)  # the dtype and values to_matrix gives the table
        return InputBatch(self, matrix=matrix, columns=None if self.uniform else arrays)

    def table_of(
        self,
        columns: Sequence[np.ndarray[Any, Any]] | None,
        matrix: np.ndarray[Any, Any] | None = None,
    ) -> pa.Table:
        """The input table of checked numpy ``columns``, in the signature's order.

        Without ``columns``, those of ``matrix``, the matrix of a model whose columns share one
        type.
        """
        if columns is None:
            if matrix is None or not self.uniform:
                raise ValueError(f"model {self.name!r} needs its columns to build a table")
            columns = list(matrix.T)
        arrays = [
            pa.array(values, type=codec.pa_type)
            for codec, values in zip(self.codecs, columns, strict=True)
        ]
        return pa.Table.from_arrays(arrays, schema=self.schema)

    def matrix_batch(self, matrix: np.ndarray[Any, Any]) -> InputBatch:
        """The rows of a checked 2-D matrix of a uniform model's dtype, in signature order.

        Raises:
            RequestError: there are no rows (400).

        """
        if not (self.takes_matrix and self.uniform and matrix.dtype == self.codecs[0].dtype):
            raise ValueError(f"model {self.name!r} takes no matrix of {matrix.dtype}")
        if matrix.shape[0] == 0:
            raise RequestError(400, "request has no rows to predict")
        return InputBatch(self, matrix=matrix)

    def check_outputs(self, names: Sequence[str]) -> None:
        """Refuse output names the model does not produce (400, listing those it does)."""
        for name in names:
            if name not in self.outputs:
                raise RequestError(
                    400,
                    f"model {self.name!r} has no output {name!r} "
                    f"(its outputs: {', '.join(self.outputs)})",
                )

    def predict(self, data: pa.Table | InputBatch, output: str = PREDICT) -> np.ndarray[Any, Any]:
        """Run the model on ``data`` for one output.

        On the matrix of a batch made for this model, else on the table.

        Raises:
            RequestError: the model refused the input (400) or failed on it (422, naming the
                model's error).

        """
        try:
            with np.errstate(all="ignore"):  # extreme inputs overflow: the answer is the model's
                return self._predict(data, output)
        except InputError as exc:
            raise RequestError(400, str(exc)) from exc
        except Exception as exc:
            raise RequestError(
                422,
                f"model {self.name!r} version {self.version!r} failed on this input: "
                f"{type(exc).__name__}: {exc}",
            ) from exc

    def _predict(self, data: pa.Table | InputBatch, output: str) -> np.ndarray[Any, Any]:
        model = self.model
        if isinstance(data, InputBatch):
            matrix = data.matrix if data.spec is self else None
            predictor = model.matrix_predictor
            if matrix is not None and predictor is not None:
                if output == PREDICT_PROBA:
                    return predictor.predict_proba(matrix)
                return predictor.predict(matrix)
            data = data.table
        if output == PREDICT_PROBA:
            return model.predict_proba(data)
        return model.predict(data)
