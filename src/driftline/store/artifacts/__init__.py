"""The artifact store: immutable, SHA-256-checked files in a local folder or on S3 (fsspec).

:class:`ArtifactStore` is the store; keys are checked by :func:`check_key`; writes return a
:class:`StoredObject` whose ``uri`` (``artifact:<key>``, relative to the store root, so that a
workspace can be moved) and ``sha256`` the metadata store records. This package never imports a
database library, and imports s3fs only for an ``s3://`` URL.

The modules: :mod:`.keys` (key rules), :mod:`.location` (URLs), :mod:`.store` (the store),
:mod:`.streams` (hashing reader and writer), :mod:`.objects` (records and the backend contract),
:mod:`.unfinished` (writes that never committed), and one module per backend: :mod:`.local`,
:mod:`.s3`, :mod:`.remote` (other fsspec filesystems).

Examples:
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     store = ArtifactStore(folder).create()
    ...     obj = store.put_bytes(store.new_key("profile", "elec2.json"), b"{}")
    ...     ok = store.verify(obj.uri, obj.sha256) == obj
    >>> ok, obj.key.startswith("profile/")
    (True, True)

"""

from __future__ import annotations

from driftline.store.artifacts.active import active_store, using_store
from driftline.store.artifacts.keys import TEMP_FOLDER, check_key
from driftline.store.artifacts.location import ACCEPTED_FORMS
from driftline.store.artifacts.objects import StoredObject, TempFile
from driftline.store.artifacts.store import ArtifactStore
from driftline.store.artifacts.streams import ArtifactReader, ArtifactWriter

__all__ = [
    "ACCEPTED_FORMS",
    "TEMP_FOLDER",
    "ArtifactReader",
    "ArtifactStore",
    "ArtifactWriter",
    "StoredObject",
    "TempFile",
    "active_store",
    "check_key",
    "using_store",
]
