"""Loading a pipeline from a Python file, for ``driftline run path/to/pipeline.py``.

The file is imported in isolation, as a module with a unique name (its folder is put first on
``sys.path`` while it is imported, so that it can import its neighbours). The pipeline is:

1. the one named by ``name`` (``driftline run file.py:name``), if given;
2. else the module-level variable ``pipeline``, if it is a :class:`Pipeline`;
3. else the only module-level :class:`Pipeline` object.

No pipeline, or several without one called ``pipeline``, is an error listing what was found.

Examples:
    >>> import pathlib, tempfile
    >>> code = '''
    ... from driftline.pipeline import JsonArtifact, Pipeline, step
    ... @step
    ... def hello() -> JsonArtifact:
    ...     return "hello"
    ... daily = Pipeline("daily", [hello])
    ... '''
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder, "daily.py")
    ...     _ = path.write_text(code)
    ...     print(load_pipeline_file(path))
    Pipeline('daily', [hello])

"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

from driftline.pipeline.errors import PipelineDefinitionError, PipelineFileError
from driftline.pipeline.graph import Pipeline

__all__ = ["import_file", "load_pipeline_file"]


def _split(path: str | os.PathLike[str], name: str | None) -> tuple[Path, str | None]:
    text = os.fspath(path)
    if name is None and ".py:" in text:
        text, _, name = text.rpartition(":")
    return Path(text), name


def import_file(file: str | os.PathLike[str], what: str = "pipeline file") -> ModuleType:
    """Import a Python file as a module of its own (its folder is importable while it runs).

    Raises:
        PipelineFileError: the file is missing or fails to import (naming ``what``, the file
            and the error).
        PipelineDefinitionError: a step or pipeline in the file is malformed.

    """
    file = Path(file)
    if not file.is_file():
        raise PipelineFileError(f"{what} {os.fspath(file)!r} does not exist")
    file = file.resolve()
    digest = hashlib.sha256(str(file).encode()).hexdigest()[:12]
    module_name = f"driftline_file_{file.stem}_{digest}"
    spec = importlib.util.spec_from_file_location(module_name, file)
    if spec is None or spec.loader is None:
        raise PipelineFileError(f"cannot import {os.fspath(file)!r} as Python")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    sys.path.insert(0, str(file.parent))
    try:
        spec.loader.exec_module(module)
    except PipelineDefinitionError:
        sys.modules.pop(module_name, None)
        raise
    except Exception as exc:
        sys.modules.pop(module_name, None)
        raise PipelineFileError(
            f"importing {what} {os.fspath(file)!r} failed: {type(exc).__name__}: {exc}"
        ) from exc
    finally:
        if sys.path and sys.path[0] == str(file.parent):
            del sys.path[0]
    return module


def load_pipeline_file(path: str | os.PathLike[str], name: str | None = None) -> Pipeline:
    """Import a Python file and return its pipeline (see the module docstring for the rule).

    ``path`` may end with ``:name`` (``pipelines/train.py:daily``) instead of passing ``name``.

    Raises:
        PipelineFileError: the file is missing or fails to import (naming the file and the
            error), or holds no pipeline, or several (listing their variable names).
        PipelineDefinitionError: a step or pipeline in the file is malformed.

    """
    file, name = _split(path, name)
    module = import_file(file)
    found = {k: v for k, v in vars(module).items() if isinstance(v, Pipeline)}
    if name is not None:
        if name not in found:
            raise PipelineFileError(
                f"{os.fspath(file)!r} has no pipeline named {name!r}; pipelines: "
                f"{', '.join(sorted(found)) or 'none'}"
            )
        return found[name]
    if "pipeline" in found:
        return found["pipeline"]
    if len(found) == 1:
        return next(iter(found.values()))
    if not found:
        raise PipelineFileError(
            f"{os.fspath(file)!r} defines no Pipeline at module level "
            f"(write e.g. pipeline = Pipeline('train', [step1, step2]))"
        )
    raise PipelineFileError(
        f"{os.fspath(file)!r} defines several pipelines ({', '.join(sorted(found))}); name one "
        f"'pipeline', or choose with {os.fspath(file)}:NAME"
    )
