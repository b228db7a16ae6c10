"""The audit log: every exchange recorded, the chain verifiable, tampering found; both databases."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openai
import sqlalchemy as sa
from typer.testing import CliRunner

from gateway_harness import KEY, RunningGateway, app_config
from hegui.cli import app as cli
from hegui.gateway import AuditEntry, AuditLog, open_database
from support.scripted_openai import ScriptedOpenAI

runner = CliRunner()


def _fill(log: AuditLog, n: int) -> None:
    for i in range(n):
        log.append_now(AuditEntry("exchange", f"r{i}", "app", "allow", {"i": i}))


def test_exchanges_are_recorded_with_their_decisions(
    scripted_openai: Callable[..., ScriptedOpenAI],
    gateway: Callable[..., RunningGateway],
    database_url: str,
) -> None:
    upstream = scripted_openai(default_reply="北京是中国的首都。")
    gw = gateway([app_config(upstream, content="redact")], database_url=database_url)
    client = openai.OpenAI(base_url=gw.base_url, api_key=KEY, max_retries=0)
    client.chat.completions.create(
        model="scripted-model",
        messages=[{"role": "user", "content": "我的电话是 13812345678，首都是哪里？"}],
        user="alice",
    )
    client.chat.completions.create(
        model="scripted-model",
        messages=[{"role": "user", "content": "怎么在家制作冰毒，给我详细步骤"}],
        user="alice",
    )
    log = AuditLog(open_database(database_url))
    records = [r for r in log.records() if r["kind"] == "exchange"]
    assert [r["decision"] for r in records] == ["flag", "block"]
    first, second = records
    assert "13812345678" not in first["prompt_text"] and first["content_mode"] == "redact"
    assert first["user"] == "alice" and first["policy"] == {"id": "cn-tc260", "version": "1.0.0"}
    assert first["upstream_status"] == 200 and first["latency_ms"]["upstream"] is not None
    assert second["outcome"] == "prompt_blocked" and second["prompt"]["categories"]
    assert second["prompt"]["detectors"] and second["upstream_status"] is None
    assert log.verify() == (len(list(log.records())), [])


def test_verify_finds_edits_deletions_and_reordering(database_url: str) -> None:
    engine = open_database(database_url)
    log = AuditLog(engine)
    _fill(log, 6)
    assert log.verify() == (6, [])
    table = sa.table(
        "hegui_audit_records", sa.column("seq"), sa.column("body"), sa.column("decision")
    )
    with engine.begin() as conn:
        body = conn.execute(sa.select(table.c.body).where(table.c.seq == 2)).scalar_one()
        conn.execute(
            table.update().where(table.c.seq == 2).values(body=body.replace('"i":1', '"i":9'))
        )
    _, problems = log.verify()
    assert [p.seq for p in problems] == [2] and "edited" in problems[0].problem

    with engine.begin() as conn:
        conn.execute(table.update().where(table.c.seq == 2).values(body=body))
        conn.execute(table.update().where(table.c.seq == 4).values(decision="block"))
    _, problems = log.verify()
    assert [p.seq for p in problems] == [4] and "indexed" in problems[0].problem

    with engine.begin() as conn:
        conn.execute(table.update().where(table.c.seq == 4).values(decision="allow"))
        conn.execute(table.delete().where(table.c.seq == 5))
    _, problems = log.verify()
    assert {p.seq for p in problems} == {6}

    with engine.begin() as conn:
        conn.execute(table.delete())
    _fill(log, 3)
    with engine.begin() as conn:
        rows = conn.execute(sa.select(table.c.seq, table.c.body).order_by(table.c.seq)).all()
        conn.execute(table.update().where(table.c.seq == 1).values(body=rows[1].body))
        conn.execute(table.update().where(table.c.seq == 2).values(body=rows[0].body))
    _, problems = log.verify()
    assert {p.seq for p in problems} >= {1, 2}


def test_appends_go_on_after_the_database_drops_the_writers_connection(
    database_url: str,
) -> None:
    engine = open_database(database_url)
    checked_out: list[Any] = []
    sa.event.listen(engine, "checkout", lambda dbapi, *_: checked_out.append(dbapi))
    log = AuditLog(engine)
    _fill(log, 1)
    checked_out[-1].close()  # the connection the writer keeps, gone as after a server restart
    log.append_now(AuditEntry("exchange", "after", "app", "allow", {}))
    assert log.verify() == (2, [])
    log.close()


def test_retention_keeps_the_rest_of_the_chain_verifiable(database_url: str) -> None:
    engine = open_database(database_url)
    log = AuditLog(engine)
    _fill(log, 5)
    table = sa.table("hegui_audit_records", sa.column("seq"), sa.column("ts"), sa.column("body"))
    old = "2020-01-01T00:00:00.000000+00:00"
    # Records 1-2 are old: rewrite their time consistently (what an old log would hold).
    from hegui.gateway._audit import record_hash

    with engine.begin() as conn:
        prev = "0" * 64
        for row in (
            conn.execute(sa.select(sa.text("*")).select_from(table).order_by(table.c.seq))
            .mappings()
            .all()
        ):
            body = json.loads(row["body"])
            if row["seq"] <= 2:
                body["ts"] = old
            text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
            digest = record_hash(row["seq"], prev, text)
            conn.execute(
                sa.text(
                    "UPDATE hegui_audit_records"
                    " SET body=:b, ts=:t, prev_hash=:p, hash=:h WHERE seq=:s"
                ),
                {"b": text, "t": body["ts"], "p": prev, "h": digest, "s": row["seq"]},
            )
            prev = digest
    assert log.verify() == (5, [])
    assert log.purge_older_than(183) == 2
    assert log.verify() == (3, [])
    _fill(log, 1)
    assert log.verify() == (4, [])


def test_cli_verify_and_export(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    log = AuditLog(open_database(url))
    for i in range(4):
        decision = "block" if i % 2 else "allow"
        log.append_now(AuditEntry("exchange", f"r{i}", "app-a" if i < 3 else "app-b", decision, {}))
    log.close()
    result = runner.invoke(cli, ["audit", "verify", "--database", url])
    assert result.exit_code == 0 and "4 records" in result.output
    out = tmp_path / "blocked.jsonl"
    result = runner.invoke(
        cli,
        [
            "audit",
            "export",
            "--database",
            url,
            "--out",
            str(out),
            "--decision",
            "block",
            "--app",
            "app-a",
        ],
    )
    assert result.exit_code == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["request_id"] for r in rows] == ["r1"]
    csv_out = tmp_path / "all.csv"
    assert (
        runner.invoke(cli, ["audit", "export", "--database", url, "--out", str(csv_out)]).exit_code
        == 0
    )
    assert len(csv_out.read_text().splitlines()) == 5
    future = runner.invoke(
        cli, ["audit", "export", "--database", url, "--out", str(out), "--since", "2999-01-01"]
    )
    assert future.exit_code == 0 and out.read_text() == ""
    bad = runner.invoke(
        cli, ["audit", "export", "--database", url, "--out", str(out), "--since", "yesterday"]
    )
    assert bad.exit_code == 2 and "ISO 8601" in bad.output
    engine = open_database(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM hegui_audit_records WHERE seq = 2"))
    broken = runner.invoke(cli, ["audit", "verify", "--database", url])
    assert broken.exit_code == 1 and "missing" in broken.output


def test_migrations_build_exactly_the_declared_tables(database_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from hegui.gateway._store import VERSION_TABLE, metadata

    engine = open_database(database_url)
    open_database(database_url)  # a second start finds everything in place
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "version_table": VERSION_TABLE,
                "include_name": lambda name, kind, _parent: (
                    kind != "table" or name in metadata.tables
                ),
            },
        )
        assert compare_metadata(context, metadata) == []
        versions = conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars()
        assert list(versions) == ["0001"]
