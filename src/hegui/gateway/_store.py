"""The gateway's database: audit records, complaints and user strikes, in SQLite or PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    text,
)
from sqlalchemy.exc import ArgumentError, OperationalError

from hegui.errors import HeguiError

metadata = MetaData()
VERSION_TABLE = "hegui_gateway_alembic_version"
_MIGRATION_LOCK_ID = 0x68656775696D  # "heguim"

audit_records = Table(
    "hegui_audit_records",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("ts", String(32), nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("request_id", String(64), nullable=False, index=True),
    Column("app", String(128), nullable=False, index=True),
    Column("decision", String(16), nullable=False, index=True),
    Column("body", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

audit_meta = Table(
    "hegui_audit_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

complaints = Table(
    "hegui_complaints",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("app", String(128), nullable=False, index=True),
    Column("created", String(32), nullable=False),
    Column("deadline", String(32), nullable=False),
    Column("content_id", String(64)),
    Column("request_id", String(64)),
    Column("reason", Text, nullable=False),
    Column("contact", Text),
    Column("status", String(16), nullable=False, index=True),
    Column("resolved_at", String(32)),
    Column("note", Text),
)

strikes = Table(
    "hegui_user_strikes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("app", String(128), nullable=False, index=True),
    Column("user", String(256), nullable=False, index=True),
    Column("ts", String(32), nullable=False),
    Column("request_id", String(64), nullable=False),
    Column("risks", Text, nullable=False),
)

user_measures = Table(
    "hegui_user_measures",
    metadata,
    Column("app", String(128), primary_key=True),
    Column("user", String(256), primary_key=True),
    Column("action", String(16), nullable=False),
    Column("since", String(32), nullable=False),
    Column("until", String(32)),
    Column("requests_per_minute", Integer, nullable=False, default=0),
)


def open_database(url: str) -> Engine:
    """Connect, create the tables if needed, and tune SQLite for concurrent appends (WAL)."""
    try:
        engine = create_engine(url, pool_pre_ping=True)
    except (ArgumentError, ImportError) as err:
        raise HeguiError(
            f"not a usable database URL {url!r}: {err}", f"无法使用的数据库地址 {url!r}：{err}"
        ) from None
    if engine.dialect.name == "sqlite":
        _tune_sqlite(engine)
    try:
        _migrate(engine)
    except OperationalError as err:
        raise HeguiError(
            f"cannot open the database {engine.url!r}: {err.orig}",
            f"无法打开数据库 {engine.url!r}：{err.orig}",
        ) from None
    return engine


def _migrate(engine: Engine) -> None:
    """Bring the tables to the newest migration; concurrent starters take turns."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).with_name("migrations")))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK_ID})
        config.attributes["connection"] = conn
        command.upgrade(config, "head")


def _tune_sqlite(engine: Engine) -> None:
    """WAL for concurrent readers; BEGIN IMMEDIATE so two writers never interleave a chain."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
