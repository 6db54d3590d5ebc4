"""A mixin for objects that hold resources: ``with`` closes them.

Examples:
    >>> class Conn(Closing):
    ...     closed = False
    ...     def close(self) -> None:
    ...         self.closed = True
    >>> with Conn() as c:
    ...     pass
    >>> c.closed
    True

"""

from __future__ import annotations

from abc import ABC, abstractmethod
from types import TracebackType
from typing import Self

__all__ = ["Closing"]


class Closing(ABC):
    """Gives a class with a ``close()`` method ``with`` support (``__exit__`` calls ``close``)."""

    @abstractmethod
    def close(self) -> None:
        """Release the resources."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
