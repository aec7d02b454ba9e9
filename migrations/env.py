"""Alembic environment: Voco passes a live connection in ``config.attributes``."""

from alembic import context

from asterisk_bridge.store.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite DDL is not transactional; batch mode copies tables safely
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
