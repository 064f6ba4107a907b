"""Shared fixtures: a fresh store per test on SQLite and (when configured) on PostgreSQL and
MySQL/MariaDB."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from dashboard.config import Settings, load_settings
from data_sources.store import Store

PG_ENV = "DASHBOARD_TEST_PG_URL"
MYSQL_ENV = "DASHBOARD_TEST_MYSQL_URL"
SERVERS = {"postgres": (PG_ENV, "PostgreSQL"), "mysql": (MYSQL_ENV, "MySQL/MariaDB")}


def server_admin_url(server: str) -> str:
    """The URL of a test server (postgres or mysql) from the environment; in CI a missing one
    fails the test, elsewhere it skips with the reason."""
    env, label = SERVERS[server]
    url = os.environ.get(env)
    if not url:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but {env} is not set: the {label} tests must run in CI")
        pytest.skip(f"{label} tests need {env}")
    return url


def _pg_admin_url() -> str:
    return server_admin_url("postgres")


@contextmanager
def scratch_database(server: str) -> Iterator[str]:
    """A uniquely named, empty database on a test server, dropped afterwards."""
    admin_url = sa.make_url(server_admin_url(server))
    name = f"dash_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    if server == "postgres":
        create, drop = f'CREATE DATABASE "{name}"', f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
    else:
        create = f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
        drop = f"DROP DATABASE IF EXISTS `{name}`"
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(create))
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(drop))
        admin.dispose()


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("mysql", marks=pytest.mark.mysql),
    ]
)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database: a SQLite file, or a uniquely named PostgreSQL or MariaDB
    database created for this test and dropped after it."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store' / 'dashboard.db'}"
        return
    with scratch_database(request.param) as url:
        yield url


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = Store.open(db_url)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture(scope="session")
def settings() -> Settings:
    """The repository's config.toml (campaign year 2024, the default milestones)."""
    return load_settings(Path(__file__).resolve().parent.parent / "config.toml")
