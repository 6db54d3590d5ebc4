"""Properties filtered in SQL: contexts by a property's text, artifacts by a text range."""

from __future__ import annotations

from driftline.store.metadata import MetadataStore
from driftline.store.queries import ContextQuery
from driftline.store.records import ContextRef


def test_contexts_filtered_by_properties_with_paging(store: MetadataStore) -> None:
    for i in range(6):
        status = "FAILED" if i % 3 == 0 else "COMPLETE"
        store.put_context(
            ContextRef("run", f"p{i % 2}-{i}", {"status": status, "pipeline": f"p{i % 2}"})
        )
    store.put_context(ContextRef("run", "odd", {"status": 3, "pipeline": None}))
    store.put_context(ContextRef("job", "j", {"status": "FAILED"}))

    def names(**query: object) -> list[str]:
        return [c.name for c in store.contexts(ContextQuery(kind="run", **query))]  # type: ignore[arg-type]

    assert names(properties=(("status", "FAILED"),)) == ["p1-3", "p0-0"]
    assert names(properties=(("status", "COMPLETE"), ("pipeline", "p0"))) == ["p0-4", "p0-2"]
    assert names(properties=(("status", "COMPLETE"),), limit=2, offset=1) == ["p0-4", "p0-2"]
    assert names(properties=(("status", "3"),)) == ["odd"]  # compared as text
    assert names(properties=(("missing", "x"),)) == []
    assert len(names()) == 7


def test_artifacts_filtered_by_a_text_range_of_a_property(store: MetadataStore) -> None:
    from driftline.store.queries import ArtifactQuery
    from driftline.store.records import NewArtifact

    for hour in (9, 10, 11, 12):  # UTC ISO 8601 times sort as text
        start = f"2026-01-01T{hour:02d}:00:00+00:00"
        store.put_artifact(
            NewArtifact(
                "part",
                f"file:///p{hour}",
                f"{hour:064x}",
                1,
                name=f"h{hour}",
                properties={"start": start},
            )
        )
    store.put_artifact(NewArtifact("part", "file:///none", "f" * 64, 1, name="none"))

    def names(**query: object) -> list[str]:
        found = store.artifacts(ArtifactQuery(kind="part", ascending=True, **query))  # type: ignore[arg-type]
        return [a.name or "" for a in found]

    assert names(text_from=(("start", "2026-01-01T10:00:00+00:00"),)) == ["h10", "h11", "h12"]
    assert names(text_before=(("start", "2026-01-01T11:00:00+00:00"),)) == ["h9", "h10"]
    assert names(
        text_from=(("start", "2026-01-01T10:00:00+00:00"),),
        text_before=(("start", "2026-01-01T10:30:00.500000+00:00"),),
    ) == ["h10"]
    assert len(names()) == 5  # the part without a start is listed only without a range
