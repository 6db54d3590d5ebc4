"""The main of a :class:`~driftline.core.process_pool.ProcessPool` worker process.

Run as ``python -m driftline.core.process_worker [module:function]``: it calls that function
once (a warm-up), then answers the calls the pool writes on its standard input, one at a time,
on its standard output, until its input closes. Anything the work itself prints goes to the
standard error, so it cannot break the answers.
"""

from __future__ import annotations

import importlib
import os
import sys

from driftline.core.process_pool import read_message, write_message

__all__ = ["main"]


def main(argv: list[str]) -> int:
    """Serve calls until the pool closes the pipe; the process's exit code."""
    calls = os.fdopen(os.dup(0), "rb")
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # what the work prints goes to stderr, never into the answers
    sys.stdout = sys.stderr
    if argv and argv[0]:
        module, _, name = argv[0].partition(":")
        getattr(importlib.import_module(module), name)()
    while True:
        try:
            function, args = read_message(calls)
        except EOFError:
            return 0
        try:
            answer: tuple[bool, object] = (True, function(*args))
        except Exception as exc:
            answer = (False, exc)
        try:
            write_message(answers, answer)
        except Exception as exc:
            write_message(answers, (False, RuntimeError(f"{type(exc).__name__}: {exc}")))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
