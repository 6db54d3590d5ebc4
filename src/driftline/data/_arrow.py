"""pyarrow, imported in one place (it ships no type information), and small Arrow helpers."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["pa", "pc", "type_name"]


def type_name(arrow_type: pa.DataType) -> str:
    """The canonical text of an Arrow type, as profiles record it (``str(type)``)."""
    return str(arrow_type)
