"""``ContextQuery(properties=...)``: contexts whose property is a given text, filtered in SQL."""

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
