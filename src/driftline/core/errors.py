"""The one error hierarchy of driftline.

Every error raised on purpose by driftline derives from :class:`DriftlineError`, and its message
names what is wrong and where. The core raises these domain errors; only the edges (the CLI and the
HTTP servers) turn them into exit codes and status codes.

The tree::

    DriftlineError
    ├── InputError                     bad input from the user: data, config, argument, URL
    │   ├── ConfigError                a settings or policy file, or an environment variable
    │   ├── URLError                   a malformed or unsupported database / artifact store URL
    │   ├── InvalidKeyError            an artifact key that is malformed or escapes the store root
    │   ├── WorkspaceNotFoundError     a folder that is not a workspace
    │   ├── WorkspaceExistsError       ``init`` on a folder that already holds a workspace
    │   ├── SchemaVersionError         a workspace whose schema this driftline cannot use
    │   └── NotFoundError              something named by id or name does not exist
    │       ├── ArtifactNotFoundError
    │       ├── ExecutionNotFoundError
    │       └── ContextNotFoundError
    ├── IntegrityError                 stored data fails a check
    │   └── ArtifactCorruptError       an artifact's bytes do not match its recorded SHA-256
    ├── ConflictError                  the request contradicts what is stored
    │   ├── ArtifactExistsError        an artifact key is already taken (artifacts are immutable)
    │   └── StateTransitionError       e.g. an execution moved from COMPLETE back to RUNNING
    └── ServiceError                   a database or object store cannot be reached

Examples:
    >>> from driftline.core.errors import ArtifactNotFoundError, InputError
    >>> err = ArtifactNotFoundError("artifact 42 does not exist")
    >>> isinstance(err, InputError), str(err)
    (True, 'artifact 42 does not exist')

"""

from __future__ import annotations

__all__ = [
    "ArtifactCorruptError",
    "ArtifactExistsError",
    "ArtifactNotFoundError",
    "ConfigError",
    "ConflictError",
    "ContextNotFoundError",
    "DriftlineError",
    "ExecutionNotFoundError",
    "InputError",
    "IntegrityError",
    "InvalidKeyError",
    "NotFoundError",
    "SchemaVersionError",
    "ServiceError",
    "StateTransitionError",
    "URLError",
    "WorkspaceExistsError",
    "WorkspaceNotFoundError",
]


class DriftlineError(Exception):
    """Base class of every error driftline raises on purpose."""


class InputError(DriftlineError):
    """Bad input from the user: data, configuration, an argument or a URL."""


class ConfigError(InputError):
    """A settings or policy file, or an environment variable, holds a bad value."""


class URLError(InputError):
    """A database or artifact store URL is malformed or not supported."""


class InvalidKeyError(InputError):
    """An artifact key is malformed or would escape the artifact store root."""


class WorkspaceNotFoundError(InputError):
    """A folder is not a driftline workspace."""


class WorkspaceExistsError(InputError):
    """A workspace already exists where a new one was to be created."""


class SchemaVersionError(InputError):
    """The workspace's metadata schema cannot be used by this version of driftline."""


class NotFoundError(InputError):
    """Something named by id or name does not exist."""


class ArtifactNotFoundError(NotFoundError):
    """No artifact has the given id, name or URI."""


class ExecutionNotFoundError(NotFoundError):
    """No execution has the given id."""


class ContextNotFoundError(NotFoundError):
    """No context has the given id or (kind, name)."""


class IntegrityError(DriftlineError):
    """Stored data fails an integrity check."""


class ArtifactCorruptError(IntegrityError):
    """An artifact's bytes do not match the SHA-256 recorded when it was written."""


class ConflictError(DriftlineError):
    """The request contradicts what is already stored."""


class ArtifactExistsError(ConflictError):
    """An artifact key is already taken; artifacts are immutable."""


class StateTransitionError(ConflictError):
    """A state change that the state machine does not allow."""


class ServiceError(DriftlineError):
    """A database or an object store cannot be reached."""
