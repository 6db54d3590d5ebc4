"""Taking the next number of a series (a version, a span, a rollout), safely across processes.

Numbers are claimed by recording something whose context name holds the number
(``churn:3``, ``elec2#7``): the metadata store refuses a second context of that name with a
:class:`~driftline.core.errors.ConflictError`, and nothing of the refused write is stored. So
the next number is the highest one taken plus one, and a conflict means another process took
it first: :func:`claim_next_number` takes the next one and tries again.

Examples:
    >>> from driftline.core.errors import ConflictError
    >>> taken = {1, 2}
    >>> def record(number: int) -> str:
    ...     if number == 3:  # another process claims 3 between our read and our write
    ...         taken.add(3)
    ...         raise ConflictError("the span context 'elec2#3' exists already")
    ...     taken.add(number)
    ...     return f"elec2#{number}"
    >>> claim_next_number(record, taken=lambda: taken, what="a new span of 'elec2'")
    'elec2#4'

"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from driftline.core.errors import ConflictError

__all__ = ["MAX_ATTEMPTS", "claim_next_number"]

T = TypeVar("T")

MAX_ATTEMPTS = 1000
"""How many numbers a claim tries before it gives up."""


def claim_next_number(
    record: Callable[[int], T],
    *,
    taken: Callable[[], Iterable[int]],
    what: str,
    attempts: int = MAX_ATTEMPTS,
) -> T:
    """Call ``record`` with the next free number; on a conflict, with the one after.

    Args:
        record: writes what the number names, in one transaction that fails with
            :class:`ConflictError` (storing nothing) when the number is taken already.
        taken: the numbers taken now (read afresh before each attempt).
        what: what is numbered, for the error (``"a new version of 'churn'"``).
        attempts: how many numbers to try.

    The number tried is one more than the highest taken, and always past the one just
    refused (a stray context may hold a number no record lists), so a retry never asks for a
    refused number again.

    Raises:
        ConflictError: every attempt met a conflict (naming ``what`` and the attempts).

    """
    number = 0
    for _ in range(attempts):
        number = max(number, *taken(), 0) + 1
        try:
            return record(number)
        except ConflictError:
            continue  # another process took this number first: take the next one
    raise ConflictError(f"could not number {what} in {attempts} tries")
