"""The gateway's first tables: audit records and chain anchor, complaints, strikes, measures.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hegui_audit_records",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("ts", sa.String(32), nullable=False, index=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("request_id", sa.String(64), nullable=False, index=True),
        sa.Column("app", sa.String(128), nullable=False, index=True),
        sa.Column("decision", sa.String(16), nullable=False, index=True),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_table(
        "hegui_audit_meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "hegui_complaints",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("app", sa.String(128), nullable=False, index=True),
        sa.Column("created", sa.String(32), nullable=False),
        sa.Column("deadline", sa.String(32), nullable=False),
        sa.Column("content_id", sa.String(64)),
        sa.Column("request_id", sa.String(64)),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("contact", sa.Text),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("resolved_at", sa.String(32)),
        sa.Column("note", sa.Text),
    )
    op.create_table(
        "hegui_user_strikes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("app", sa.String(128), nullable=False, index=True),
        sa.Column("user", sa.String(256), nullable=False, index=True),
        sa.Column("ts", sa.String(32), nullable=False),
        sa.Column("request_id", sa.String(64), nullable=False),
        sa.Column("risks", sa.Text, nullable=False),
    )
    op.create_table(
        "hegui_user_measures",
        sa.Column("app", sa.String(128), primary_key=True),
        sa.Column("user", sa.String(256), primary_key=True),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("since", sa.String(32), nullable=False),
        sa.Column("until", sa.String(32)),
        sa.Column("requests_per_minute", sa.Integer, nullable=False, server_default="0"),
    )


def downgrade() -> None:
    for table in (
        "hegui_user_measures",
        "hegui_user_strikes",
        "hegui_complaints",
        "hegui_audit_meta",
        "hegui_audit_records",
    ):
        op.drop_table(table)
