"""Which predictions equal their labels, compared by value.

A label ``1`` and a prediction ``1.0`` agree, and so do ``"1"`` and ``1`` (as the evaluation's
metrics compare them), for the fitting done at training time.

Examples:
    >>> import numpy as np
    >>> agree(np.array([1, 0, 1]), np.array([1.0, 1.0, 1.0])).tolist()
    [True, False, True]
    >>> agree(np.array(["a", "b"]), np.array(["a", "a"])).tolist()
    [True, False]

"""

from __future__ import annotations

from typing import Any

import numpy as np

from driftline.core.errors import InputError

__all__ = ["agree"]

_NUMERIC = "biuf"


def _numbers(values: np.ndarray[Any, Any]) -> np.ndarray[Any, Any] | None:
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        return None


def agree(truth: np.ndarray[Any, Any], predicted: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """A boolean per row: whether ``predicted`` equals ``truth`` by value.

    Raises:
        InputError: arrays of different lengths.

    """
    t, p = np.asarray(truth).reshape(-1), np.asarray(predicted).reshape(-1)
    if len(t) != len(p):
        raise InputError(f"{len(t)} labels but {len(p)} predictions")
    if t.dtype.kind != p.dtype.kind or t.dtype.kind == "O":
        nt, np_ = _numbers(t), _numbers(p)
        if nt is not None and np_ is not None:
            t, p = nt, np_
        else:
            t, p = t.astype(str), p.astype(str)
    elif t.dtype.kind in _NUMERIC:
        t, p = t.astype(np.float64), p.astype(np.float64)
    return np.asarray(t == p, dtype=bool)
