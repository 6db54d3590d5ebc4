"""The stores: metadata with lineage (SQL) and artifacts (fsspec).

Nothing heavy is imported here; import :mod:`driftline.store.metadata` or
:mod:`driftline.store.artifacts` for the stores themselves.
"""
