"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from engine.schema import METADATA


def test_migrations_match_the_models(kinerja):
    with kinerja.db.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), METADATA) == []
