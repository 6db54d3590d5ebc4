"""Alembic environment of the driftline metadata store.

Only online migrations on a connection handed over in ``config.attributes["connection"]`` are
supported; driftline runs them itself (see :mod:`driftline.store.sql.schema`).
"""

from __future__ import annotations

from alembic import context

from driftline.store.sql.schema import VERSION_TABLE
from driftline.store.sql.tables import metadata


def run_migrations() -> None:
    """Run the migrations inside the caller's connection and transaction."""
    connection = context.config.attributes.get("connection")
    if context.is_offline_mode() or connection is None:
        raise RuntimeError(
            "driftline runs its migrations itself, on a connection: "
            "use open_metadata_store(url, create=True)"
        )
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


# Alembic runs this file with its environment installed; imported any other way (e.g. by pytest's
# doctest collection) it does nothing.
if getattr(context, "_proxy", None) is not None:
    run_migrations()
