"""The SQL metadata store: SQLAlchemy Core tables, engines, queries, lineage and migrations.

This package (and :mod:`driftline.store.metadata`) is the only place in driftline that imports
SQLAlchemy or Alembic. Use it through :func:`driftline.store.metadata.open_metadata_store`.
"""
