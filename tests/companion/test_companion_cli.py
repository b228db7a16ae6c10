"""``hegui companion``: cases, ack, resolve, delete, report and simulate, as a user runs them."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from companion_support import MonitorFactory
from typer.testing import CliRunner

from hegui.cli import app

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["companion", *args])
    return result.exit_code, result.stdout, result.stderr


def test_case_queue_from_the_command_line(make_monitor: MonitorFactory, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monitor = make_monitor("us-ca-sb243", url)
    case_id = monitor.before_turn("app", "u1", "I'm going to kill myself tonight.").case_id
    code, out, _ = run("cases", "--open", "--json", "--db", url)
    assert code == 0 and [c["id"] for c in json.loads(out)] == [case_id]
    code, out, _ = run("cases", "--db", url)
    assert code == 0 and "app/u1" in out
    code, out, _ = run("ack", str(case_id), "--db", url)
    assert code == 0 and "acknowledged" in out
    code, _, err = run("ack", str(case_id), "--db", url)
    assert code == 2 and "only an open case" in err and "个案" in err and "Traceback" not in err
    code, out, _ = run("resolve", str(case_id), "--note", "called back", "--db", url)
    assert code == 0 and "resolved" in out
    code, out, _ = run("cases", "--open", "--json", "--db", url)
    assert json.loads(out) == []
    code, _, err = run("resolve", "77", "--note", "x", "--db", url)
    assert code == 2 and "no case 77" in err


def test_report_json_and_csv(make_monitor: MonitorFactory, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monitor = make_monitor("us-ca-sb243", url)
    monitor.before_turn("app", "u1", "I want to kill myself.")
    code, out, _ = run("report", "--year", "2026", "--policy", "us-ca-sb243", "--db", url)
    data = json.loads(out)
    assert code == 0 and data["crisis_referrals"] == 1 and data["policy"] == "us-ca-sb243@1.0.0"
    code, out, _ = run("report", "--year", "2026", "--format", "csv", "--db", url)
    rows = dict(csv.reader(io.StringIO(out)))
    assert rows["crisis_referrals"] == "1" and "988" in rows["protocol.en"]
    code, _, err = run("report", "--year", "2026", "--format", "xml", "--db", url)
    assert code == 2 and "--format" in err
    code, _, err = run("report", "--year", "2026", "--policy", "cn-tc260", "--db", url)
    assert code == 2 and "no companion rules" in err


def test_delete_history(make_monitor: MonitorFactory, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    make_monitor("cn-companion", url).before_turn("app", "u1", "你好")
    code, out, _ = run("delete", "--app", "app", "--user", "u1", "--db", url)
    assert code == 0 and "1" in out
    code, _, err = run("delete", "--app", "app", "--user", "ghost", "--db", url)
    assert code == 2 and "ghost" in err


def test_simulate_prints_every_event_with_its_time(tmp_path: Path) -> None:
    script = tmp_path / "script.jsonl"
    lines = [
        {"at": "2026-07-20T20:00:00+08:00", "user": "u1", "text": "你好"},
        {"at": "2026-07-20T21:50:00+08:00", "user": "u1", "text": "好久没看电影了"},
        {"at": "2026-07-20T20:10:00+08:00", "user": "kid", "text": "hi", "minor": True},
        {"at": "2026-07-20T22:05:00+08:00", "user": "u1", "text": "推荐一部电影吧"},
        {"at": "2026-07-20T22:06:00+08:00", "user": "u1", "text": "我想自杀，药已经准备好了"},
        {"at": "2026-07-20T22:07:00+08:00", "user": "u1", "text": "退出"},
    ]
    script.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n")
    code, out, _ = run("simulate", "--script", str(script), "--policy", "cn-companion", "--json")
    assert code == 0
    turns = json.loads(out)["turns"]
    kinds = [[e["kind"] for e in t["events"]] for t in turns]
    assert kinds[0] == ["identity_notice"]
    assert "pause_reminder" not in kinds[1]
    assert [t["action"] for t in turns][-2:] == ["escalate", "exit"]
    assert turns[2]["notices"][0]["reason"] == "first_use"
    assert all(t["at"] for t in turns)


def test_simulate_with_a_bad_script_names_file_line_and_field(tmp_path: Path) -> None:
    script = tmp_path / "bad.jsonl"
    script.write_text(
        '{"at": "2026-07-20T20:00:00+08:00", "user": "u1", "text": "hi"}\n'
        '{"at": "2026-07-20T20:01:00", "user": "u1", "text": "hi"}\n'
    )
    code, _, err = run("simulate", "--script", str(script), "--policy", "cn-companion")
    assert code == 2 and f"{script}:2" in err and "at" in err and "time zone" in err
    script.write_text('{"at": "2026-07-20T20:00:00+08:00", "text": "hi"}\n{oops\n')
    code, _, err = run("simulate", "--script", str(script), "--policy", "cn-companion")
    assert code == 2 and f"{script}:2" in err and "JSON" in err
    code, _, err = run("simulate", "--script", str(tmp_path / "none.jsonl"), "--policy", "x")
    assert code == 2 and "Traceback" not in err


def test_simulate_reads_a_yaml_script_with_the_exit_button(tmp_path: Path) -> None:
    script = tmp_path / "script.yaml"
    script.write_text(
        '- {at: "2026-07-20T20:00:00+08:00", user: u1, text: "你好"}\n'
        '- {at: "2026-07-20T20:05:00+08:00", user: u1, exit: true}\n',
        "utf-8",
    )
    code, out, _ = run("simulate", "--script", str(script), "--policy", "cn-companion", "--json")
    assert code == 0
    assert [t["action"] for t in json.loads(out)["turns"]] == ["proceed", "exit"]
    code, out, _ = run("simulate", "--script", str(script), "--policy", "cn-companion")
    assert code == 0 and "proceed" in out and "exit" in out
