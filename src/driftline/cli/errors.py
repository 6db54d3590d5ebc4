"""How the command line reports errors: one clear line, and a documented exit code.

Exit codes: 0 ok; 1 the work failed (a gate, a validation, a corrupt artifact); 2 bad usage or
input (an argument, a config, a URL, something that does not exist); 3 a service is unreachable,
or the disk is full (free space, then run again; a run goes on with ``--resume``).

Examples:
    >>> import errno
    >>> from driftline.core.errors import ArtifactNotFoundError, ServiceError
    >>> full = OSError(errno.EFBIG, "File too large", "/srv/ws/artifacts/.tmp/0a1b")
    >>> exit_code(ArtifactNotFoundError("x")), exit_code(ServiceError("db down")), exit_code(full)
    (2, 3, 3)
    >>> _ = report(full, debug=False, stream=sys.stdout)  # doctest: +NORMALIZE_WHITESPACE
    error: no space left to write /srv/ws/artifacts/.tmp/0a1b (File too large):
    free space (or raise the file size limit), then run again

"""

from __future__ import annotations

import errno
import re
import sys
import traceback
from typing import TextIO

from driftline.core.errors import DriftlineError, InputError, ServiceError

__all__ = ["EXIT_CODES", "exit_code", "report"]

EXIT_CODES = {
    0: "ok",
    1: "the work failed (a gate, a validation, a corrupt artifact)",
    2: "bad usage or input (an argument, a config, a URL, something that does not exist)",
    3: "a service is unreachable (database, object store) or the disk is full",
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


_NO_SPACE = frozenset({errno.ENOSPC, errno.EFBIG, errno.EDQUOT})
"""A write failed for want of room (a full disk, a file size limit, a quota): exit 3."""


def _no_space(error: BaseException) -> bool:
    return isinstance(error, OSError) and error.errno in _NO_SPACE


def _step_lost_a_service(error: BaseException) -> bool:
    """A run stopped because a step could not reach a service (its error is a ServiceError)."""
    steps = getattr(getattr(error, "result", None), "steps", None) or {}
    prefix = f"{ServiceError.__name__}: "
    return any(str(getattr(s, "error", None) or "").startswith(prefix) for s in steps.values())


_ERRNO = re.compile(r"\w*Error: \[Errno (\d+)\]")


def _step_ran_out_of_room(error: BaseException) -> bool:
    """A run stopped because a step's write found no room (its error is an ``OSError``)."""
    steps = getattr(getattr(error, "result", None), "steps", None) or {}
    found = (_ERRNO.match(str(getattr(s, "error", None) or "")) for s in steps.values())
    return any(m is not None and int(m[1]) in _NO_SPACE for m in found)


def exit_code(error: BaseException) -> int:
    """The exit code for an error (a run whose step lost the database or store is 3)."""
    if _step_lost_a_service(error) or _step_ran_out_of_room(error):
        return 3
    if isinstance(error, ServiceError) or _no_space(error):
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
        if _step_ran_out_of_room(error):
            message += ": no space left; free space, then go on with `driftline run --resume`"
        print(f"error: {message}", file=out)
    elif isinstance(error, OSError) and _no_space(error):
        where = f"write {error.filename}" if error.filename else "write a file"
        print(
            f"error: no space left to {where} ({error.strerror}): free space (or raise the "
            "file size limit), then run again",
            file=out,
        )
    elif isinstance(error, OSError) and _path_error(error):
        print(f"error: {error.filename}: {error.strerror}", file=out)
    else:
        hint = "" if debug else " (run with --debug for the traceback)"
        print(f"error: internal error: {type(error).__name__}: {error}{hint}", file=out)
    return exit_code(error)
