"""Keys and URIs that try to escape the store root are refused, with nothing written."""

from __future__ import annotations

import os
import posixpath
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from driftline.core.errors import ArtifactExistsError, InvalidKeyError
from driftline.store.artifacts import check_key
from driftline.store.artifacts.keys import MAX_COMPONENT_BYTES, MAX_KEY_BYTES
from tests.store import artifact_cases as cases
from tests.store.artifact_cases import StoreCase

artifact_case = cases.artifact_case
local_case = cases.local_case

BAD_KEYS = [
    "",
    "/etc/passwd",
    "//server/share/x",
    "../outside",
    "a/../../outside",
    "a/..",
    "..",
    ".",
    "./a",
    "a/./b",
    "a//b",
    "a/",
    "~/x",
    "~root/.ssh/id_rsa",
    ".tmp/0123",
    ".tmp",
    ".TMP/x",
    ".Tmp/a/b",
    "a\\..\\..\\b",
    "..\\outside",
    "C:/Windows/x",
    "c:\\x",
    "s3://other-bucket/x",
    "file:///etc/passwd",
    "a\x00b",
    "a\nb",
    "a\rb",
    "a\tb",
    "a\x7fb",
    "a\x85b",
    "a\u202eb",  # right-to-left override
    "a\u2028b",  # line separator
    "a\ud800b",  # lone surrogate
    "a/b?versionId=1",
    "a#frag",
    "a*",
    "a" * (MAX_KEY_BYTES + 1),
    "a/" + "b" * (MAX_COMPONENT_BYTES + 1),
    "a/" + "é" * (MAX_COMPONENT_BYTES // 2 + 1),
]


@pytest.mark.parametrize("key", BAD_KEYS)
def test_bad_keys_are_refused_everywhere_with_nothing_written(
    artifact_case: StoreCase, key: str
) -> None:
    store = artifact_case.store
    before = artifact_case.snapshot()
    for attempt in (
        lambda: store.put_bytes(key, b"x"),
        lambda: store.writer(key).__enter__(),
        lambda: store.read_bytes(key, "0" * 64),
        lambda: store.exists(key),
        lambda: store.size(key),
        lambda: store.uri_for(key),
        lambda: store.local_path(key),
    ):
        with pytest.raises(InvalidKeyError) as caught:
            attempt()
        assert repr(key)[:60] in str(caught.value) or "key must be" in str(caught.value)
    assert artifact_case.snapshot() == before
    assert store.list_keys() == []


def test_uris_outside_the_root_are_refused(artifact_case: StoreCase) -> None:
    store = artifact_case.store
    obj = store.put_bytes("a.bin", b"abc")
    root = store.root_uri
    outside = [
        root + "/../a.bin",
        root + "/.tmp/x",
        root + "x/b.bin",  # a sibling whose name starts like the root
        root.rpartition("/")[0] + "/other/b.bin",
        "file:///etc/passwd",
        "s3://some-other-bucket/a.bin",
        "memory://elsewhere/a.bin",
        "/etc/passwd",
        "gs://bucket/a.bin",
    ]
    for uri in outside:
        with pytest.raises(InvalidKeyError):
            store.read_bytes(uri, obj.sha256)
    assert store.read_bytes(obj.uri, obj.sha256) == b"abc"


def test_a_key_that_is_a_uri_of_this_store_resolves_to_its_key(
    artifact_case: StoreCase,
) -> None:
    store = artifact_case.store
    obj = store.put_bytes("x/y.bin", b"xy")
    assert store.key_for(obj.uri) == "x/y.bin"
    assert store.key_for(store.uri_for("x/y.bin")) == "x/y.bin"
    if artifact_case.kind == "local":
        assert store.key_for(store.uri_for("x/y.bin").removeprefix("file://")) == "x/y.bin"


PIECES = st.sampled_from(
    [
        "..",
        ".",
        "",
        "~",
        ".tmp",
        ".TMP",
        "a",
        "b.c",
        "...",
        " ",
        "é",
        "\\",
        ":",
        "%2e%2e",
        "\x00",
        "\n",
        "\u202e",
        "?",
        "#",
        "*",
        "-",
        "_x",
        "\u3000",
        "\uff46",
    ]
)
PATHLIKE = st.builds(
    lambda lead, parts: lead + "/".join(parts),
    st.sampled_from(["", "/", "~", "./", "../"]),
    st.lists(st.one_of(PIECES, st.text(string.printable, max_size=6)), min_size=1, max_size=6),
)
NAMELIKE = st.lists(
    st.text(
        st.characters(exclude_categories=("Cs", "Cc", "Cf", "Co", "Cn", "Zl", "Zp")),
        min_size=1,
        max_size=12,
    ),
    min_size=1,
    max_size=5,
).map("/".join)
KEYS = st.one_of(PATHLIKE, NAMELIKE, st.text(max_size=40))


def _check_accepted_or_refused(case: StoreCase, key: str) -> None:
    store = case.store
    try:
        check_key(key)
    except InvalidKeyError:
        before = case.snapshot()
        with pytest.raises(InvalidKeyError):
            store.put_bytes(key, b"data")
        assert case.snapshot() == before
        return
    # accepted: the key is already in normal form and names a place strictly inside the root
    assert posixpath.normpath(key) == key
    assert not key.startswith(("/", "~"))
    assert key.split("/")[0].lower() != ".tmp"
    uri = store.uri_for(key)
    assert uri == store.root_uri + "/" + key
    if case.kind == "local":
        root = os.path.realpath(str(case.extra["root"]))
        real = os.path.realpath(os.path.join(root, key))
        assert os.path.commonpath([root, real]) == root
        assert real != root
    data = key.encode("utf-8", "surrogatepass")
    stored = store.list_keys()
    # in a folder (or memory) a key cannot be both a file and a folder; S3 has no folders
    nested = case.kind != "s3" and any(
        k.startswith(key + "/") or key.startswith(k + "/") for k in stored
    )
    if key in stored or nested:
        with pytest.raises(ArtifactExistsError):
            store.put_bytes(key, data)
        return
    obj = store.put_bytes(key, data)
    assert obj.uri == f"artifact:{key}"
    assert store.read_bytes(uri, obj.sha256) == data
    assert store.read_bytes(obj.uri, obj.sha256) == data
    assert key in store.list_keys(key)


@settings(
    max_examples=300,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(key=KEYS)
def test_any_accepted_key_stays_inside_the_root_local(local_case: StoreCase, key: str) -> None:
    _check_accepted_or_refused(local_case, key)


@settings(
    max_examples=40,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(key=KEYS)
def test_any_accepted_key_stays_inside_the_root_every_backend(
    artifact_case: StoreCase, key: str
) -> None:
    _check_accepted_or_refused(artifact_case, key)
