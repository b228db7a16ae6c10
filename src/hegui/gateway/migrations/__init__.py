"""Alembic migrations of the gateway's tables (applied by ``open_database``)."""
