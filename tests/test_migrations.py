"""Models and migrations agree, and the migrations run from nothing on this database."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from app.extensions import db


def _diff(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_models_match_migrations(app):
    # The test database was built by running every migration (tests/conftest.py).
    assert _diff(app) == []


def test_migrations_downgrade_and_upgrade_again(make_app):
    app = make_app()
    with app.app_context():
        downgrade(revision="base")
        db.session.remove()
        upgrade()
    assert _diff(app) == []
