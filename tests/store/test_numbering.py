"""Claiming the next number of a series against a real metadata store."""

import pytest

from driftline.core.errors import ConflictError
from driftline.store.metadata import MetadataStore
from driftline.store.numbering import claim_next_number
from driftline.store.queries import ContextQuery
from driftline.store.records import ContextRef, ExecutionState, NewExecution


def _numbers(store: MetadataStore) -> list[int]:
    found = store.contexts(ContextQuery(kind="rollout"))
    return sorted(int(c.properties["number"]) for c in found)


def _claim(store: MetadataStore, listed: list[int] | None = None) -> int:
    def record(number: int) -> int:
        store.record_execution(
            NewExecution("rollout", state=ExecutionState.COMPLETE),
            new_contexts=[ContextRef("rollout", f"churn#{number}", {"number": number})],
        )
        return number

    taken = (lambda: listed) if listed is not None else (lambda: _numbers(store))
    return claim_next_number(record, taken=taken, what="a rollout of 'churn'")


def test_numbers_follow_the_highest_taken(store: MetadataStore) -> None:
    assert [_claim(store) for _ in range(3)] == [1, 2, 3]
    assert _numbers(store) == [1, 2, 3]


def test_a_conflict_takes_the_next_number_and_stores_nothing_of_the_refused_one(
    store: MetadataStore,
) -> None:
    _claim(store)  # 1
    _claim(store)  # 2
    before = sum(store.counts().executions.values())
    # a stale reader still sees only number 1: its first try (2) conflicts, then 3 is taken
    assert _claim(store, listed=[1]) == 3
    assert _numbers(store) == [1, 2, 3]
    assert sum(store.counts().executions.values()) == before + 1


def test_giving_up_names_what_was_numbered(store: MetadataStore) -> None:
    def always_taken(number: int) -> int:
        raise ConflictError(f"number {number} is taken")

    tried: list[int] = []

    def taken() -> list[int]:
        tried.append(1)
        return []

    with pytest.raises(ConflictError, match=r"could not number a span of 'x' in 3 tries"):
        claim_next_number(always_taken, taken=taken, what="a span of 'x'", attempts=3)
    assert len(tried) == 3


def test_other_errors_are_not_retried(store: MetadataStore) -> None:
    calls: list[int] = []

    def broken(number: int) -> int:
        calls.append(number)
        raise ValueError("disk full")

    with pytest.raises(ValueError, match="disk full"):
        claim_next_number(broken, taken=list, what="a span")
    assert calls == [1]
