"""Alembic environment: runs migrations on the engine the caller hands over."""
from alembic import context

from engine.schema import METADATA

engine = context.config.attributes["engine"]
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=METADATA,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
