"""How the command line reports errors: one clear line, and a documented exit code.

Exit codes: 0 ok; 1 the work failed (a gate, a validation, a corrupt artifact); 2 bad usage or
input (an argument, a config, a URL, something that does not exist); 3 a service is unreachable.

Examples:
    >>> from driftline.core.errors import ArtifactNotFoundError, ServiceError
    >>> exit_code(ArtifactNotFoundError("x")), exit_code(ServiceError("db down"))
    (2, 3)

"""

from __future__ import annotations

import sys
import traceback
from typing import TextIO

from driftline.core.errors import DriftlineError, InputError, ServiceError

__all__ = ["EXIT_CODES", "exit_code", "report"]

EXIT_CODES = {
    0: "ok",
    1: "the work failed (a gate, a validation, a corrupt artifact)",
    2: "bad usage or input (an argument, a config, a URL, something that does not exist)",
    3: "a service is unreachable (database, object store)",
}
"""Every exit code of ``driftline`` and what it means."""


_PATH_ERRORS = (
    FileNotFoundError,
    FileExistsError,
    IsADirectoryError,
    NotADirectoryError,
    PermissionError,
)
"""Errors of a path the user gave (a folder that does not exist, a file not writable): exit 2."""


def _path_error(error: BaseException) -> bool:
    return isinstance(error, _PATH_ERRORS) and error.filename is not None


def _step_lost_a_service(error: BaseException) -> bool:
    """A run stopped because a step could not reach a service (its error is a ServiceError)."""
    steps = getattr(getattr(error, "result", None), "steps", None) or {}
    prefix = f"{ServiceError.__name__}: "
    return any(str(getattr(s, "error", None) or "").startswith(prefix) for s in steps.values())


def exit_code(error: BaseException) -> int:
    """The exit code for an error (a run whose step lost the database or store is 3)."""
    if _step_lost_a_service(error):
        return 3
    if isinstance(error, ServiceError):
        return 3
    if isinstance(error, InputError) or _path_error(error):
        return 2
    return 1


def report(error: BaseException, *, debug: bool, stream: TextIO | None = None) -> int:
    """Print ``error`` as one line (and its traceback when ``debug``); return its exit code."""
    out = stream if stream is not None else sys.stderr
    if debug:
        traceback.print_exception(error, file=out)
    if isinstance(error, DriftlineError):
        message = " ".join(str(error).split()) or type(error).__name__
        print(f"error: {message}", file=out)
    elif isinstance(error, OSError) and _path_error(error):
        print(f"error: {error.filename}: {error.strerror}", file=out)
    else:
        hint = "" if debug else " (run with --debug for the traceback)"
        print(f"error: internal error: {type(error).__name__}: {error}{hint}", file=out)
    return exit_code(error)
