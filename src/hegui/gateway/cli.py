"""``hegui serve``, ``hegui audit``, ``hegui label`` and ``hegui complaints``."""

from __future__ import annotations

import csv
import gc
import json
import logging
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from hegui._cli_support import reports_errors
from hegui.errors import HeguiError
from hegui.gateway._audit import AuditLog
from hegui.gateway._complaints import ComplaintDesk
from hegui.gateway._config import (
    AppConfig,
    GatewayConfig,
    hash_api_key,
    load_config,
    read_or_create_key,
)
from hegui.gateway._labels import verify_label
from hegui.gateway._store import open_database
from hegui.policy import DEFAULT_POLICY_ID, Scope, load_policy

console = Console(highlight=False, soft_wrap=True)

audit_app = typer.Typer(no_args_is_help=True, help="Audit log / 审计日志")
label_app = typer.Typer(no_args_is_help=True, help="Content labels / 内容标识")
complaints_app = typer.Typer(no_args_is_help=True, help="Complaints / 投诉")

_DB_HELP = "Database URL (default: the config's, else sqlite:///hegui.db) / 数据库地址"
_CONFIG_HELP = "Gateway config file / 网关配置文件"


@reports_errors
def serve(
    config: Annotated[Path | None, typer.Option("--config", help=_CONFIG_HELP)] = None,
    upstream: Annotated[
        str | None, typer.Option(help="Upstream base URL (quick form) / 上游地址")
    ] = None,
    policy: Annotated[str, typer.Option(help="Policy id or path / 策略")] = DEFAULT_POLICY_ID,
    scope: Annotated[Scope, typer.Option(help="public | internal / 部署范围")] = Scope.PUBLIC,
    api_key: Annotated[
        str | None, typer.Option(help="API key clients send (quick form) / 客户端密钥")
    ] = None,
    database: Annotated[str, typer.Option(help=_DB_HELP)] = "sqlite:///hegui.db",
    host: Annotated[str, typer.Option(help="Address to listen on / 监听地址")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port / 端口")] = 8080,
    hash_key: Annotated[
        str | None,
        typer.Option(
            "--hash-key", help="Print the SHA-256 of an API key for the config, then exit"
        ),
    ] = None,
) -> None:
    """Run the gateway / 运行网关: an OpenAI-compatible proxy that checks, labels and records."""
    if hash_key is not None:
        typer.echo(hash_api_key(hash_key))
        return
    settings = _serve_config(config, upstream, policy, scope, api_key, database)
    import uvicorn

    from hegui.gateway._app import create_app

    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    for chatty in ("alembic", "httpx", "httpcore"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    app = create_app(settings)
    _settle_heap()
    console.print(
        f"hegui gateway on http://{host}:{port}/v1 — apps: "
        + ", ".join(f"{a.name} ({a.policy}, {a.scope.value})" for a in settings.apps)
    )
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


def _settle_heap() -> None:
    """Keep full garbage collections from walking the detectors' tables.

    The keyword library, policy packs and label maps are some 360,000 objects that live as long
    as the process; a full collection walks them all, a pause of 100-250 ms that every request
    in flight waits out. Frozen after start-up, they are never walked again.
    """
    gc.collect()
    gc.freeze()


def _serve_config(
    config: Path | None,
    upstream: str | None,
    policy: str,
    scope: Scope,
    api_key: str | None,
    database: str,
) -> GatewayConfig:
    if config is not None:
        if upstream or api_key:
            raise HeguiError(
                "give either --config or the quick form (--upstream, --api-key), not both",
                "请只使用 --config 或快速形式（--upstream、--api-key）之一",
            )
        return load_config(config)
    if not upstream or not api_key:
        raise HeguiError(
            "give --config FILE, or --upstream URL and --api-key KEY",
            "请提供 --config FILE，或 --upstream URL 与 --api-key KEY",
        )
    load_policy(policy)
    app = AppConfig(
        name="default",
        api_key_sha256=[hash_api_key(api_key)],
        upstream=upstream,
        policy=policy,
        scope=scope,
    )
    return GatewayConfig(apps=[app], database_url=database, label_key_file=Path("hegui-label.key"))


def _database(database: str | None, config: Path | None) -> str:
    if database:
        return database
    if config is not None:
        return load_config(config).database_url
    return "sqlite:///hegui.db"


@audit_app.command("verify")
@reports_errors
def audit_verify(
    database: Annotated[str | None, typer.Option(help=_DB_HELP)] = None,
    config: Annotated[Path | None, typer.Option("--config", help=_CONFIG_HELP)] = None,
) -> None:
    """Check the hash chain / 校验哈希链: finds edited, deleted or reordered records."""
    log = AuditLog(open_database(_database(database, config)))
    checked, problems = log.verify()
    if not problems:
        console.print(f"[green]chain intact / 哈希链完整[/]: {checked:,} records / 条记录")
        return
    table = Table("seq", "problem / 问题")
    for problem in problems[:200]:
        table.add_row(str(problem.seq), problem.problem)
    console.print(table)
    console.print(
        f"[red]chain broken / 哈希链被破坏[/]: {len(problems):,} problems in {checked:,} records"
    )
    raise typer.Exit(1)


@audit_app.command("export")
@reports_errors
def audit_export(
    out: Annotated[Path, typer.Option("--out", help="Output file (.jsonl or .csv) / 输出文件")],
    database: Annotated[str | None, typer.Option(help=_DB_HELP)] = None,
    config: Annotated[Path | None, typer.Option("--config", help=_CONFIG_HELP)] = None,
    since: Annotated[
        str | None, typer.Option(help="From this UTC time (ISO 8601) / 起始时间")
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="Before this UTC time (ISO 8601) / 截止时间")
    ] = None,
    app: Annotated[str | None, typer.Option(help="Only this app / 仅此应用")] = None,
    decision: Annotated[
        str | None, typer.Option(help="allow | flag | block | error / 决定")
    ] = None,
) -> None:
    """Export records to JSONL or CSV / 导出审计记录."""
    if out.suffix not in {".jsonl", ".csv"}:
        raise HeguiError("--out must end in .jsonl or .csv", "--out 须以 .jsonl 或 .csv 结尾")
    log = AuditLog(open_database(_database(database, config)))
    records = log.records(_iso(since, "--since"), _iso(until, "--until"), app, decision)
    count = 0
    with out.open("w", encoding="utf-8", newline="") as handle:
        if out.suffix == ".jsonl":
            for record in records:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
                count += 1
        else:
            columns = ["seq", "ts", "kind", "request_id", "app", "decision", "user", "outcome"]
            writer = csv.writer(handle)
            writer.writerow([*columns, "record"])
            for record in records:
                row: list[Any] = [record.get(c, "") for c in columns]
                writer.writerow([*row, json.dumps(record, ensure_ascii=False)])
                count += 1
    console.print(f"exported / 已导出 {count:,} records → {out}")


def _iso(value: str | None, option: str) -> str | None:
    if value is None:
        return None
    from datetime import UTC, datetime

    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise HeguiError(
            f"{option} is not an ISO 8601 time: {value!r}",
            f"{option} 不是 ISO 8601 时间：{value!r}",
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).isoformat(timespec="microseconds")


@audit_app.command("purge")
@reports_errors
def audit_purge(
    older_than_days: Annotated[int, typer.Option(min=1, help="Delete records older than this")],
    database: Annotated[str | None, typer.Option(help=_DB_HELP)] = None,
    config: Annotated[Path | None, typer.Option("--config", help=_CONFIG_HELP)] = None,
) -> None:
    """Apply a retention period / 按保存期限清理: the chain stays verifiable."""
    log = AuditLog(open_database(_database(database, config)))
    removed = log.purge_older_than(older_than_days)
    console.print(f"purged / 已清理 {removed:,} records")


@label_app.command("verify")
@reports_errors
def label_verify(
    response: Annotated[
        Path | None, typer.Argument(help="A saved gateway response (JSON) / 保存的网关响应")
    ] = None,
    content: Annotated[
        Path | None, typer.Option(help="The labelled text (UTF-8 file) / 内容文件")
    ] = None,
    metadata: Annotated[
        str | None, typer.Option(help="The AIGC metadata as JSON / AIGC 元数据")
    ] = None,
    key_env: Annotated[str, typer.Option(help="Env var with the signing key")] = "HEGUI_LABEL_KEY",
    key_file: Annotated[
        Path | None, typer.Option(help="File with the signing key / 密钥文件")
    ] = None,
    policy: Annotated[
        str | None,
        typer.Option(help="Also require this pack's explicit label / 同时检查该策略的显式标识"),
    ] = None,
) -> None:
    """Check a label / 校验标识: the text is what was labelled and the metadata is intact."""
    text, aigc = _label_inputs(response, content, metadata)
    if key_file is not None:
        if not key_file.exists():
            raise HeguiError("key file not found", "找不到密钥文件", str(key_file))
        key = read_or_create_key(key_file)
    else:
        import os

        value = os.environ.get(key_env)
        if not value:
            raise HeguiError(
                f"set the signing key in {key_env} or give --key-file",
                f"请在 {key_env} 中设置签名密钥，或使用 --key-file",
            )
        key = value.encode("utf-8")
    explicit: tuple[str, ...] = ()
    if policy is not None:
        labels = load_policy(policy).labels
        if labels is not None:
            explicit = (labels.explicit.zh, labels.explicit.en)
    result = verify_label(key, text, aigc, explicit)
    if result.valid:
        console.print(f"[green]label valid / 标识有效[/] ProduceID {result.produce_id}")
        return
    for reason in result.reasons:
        console.print(f"[red]✗[/] {reason}")
    raise typer.Exit(1)


def _label_inputs(
    response: Path | None, content: Path | None, metadata: str | None
) -> tuple[str, dict[str, Any]]:
    if response is not None:
        try:
            data = json.loads(response.read_text(encoding="utf-8"))
            text = data["choices"][0]["message"]["content"]
            aigc = data["hegui"]["aigc"]
        except OSError as err:
            raise HeguiError(f"cannot read: {err}", f"无法读取：{err}", str(response)) from None
        except (ValueError, KeyError, IndexError, TypeError):
            raise HeguiError(
                "not a labelled gateway response (choices[0].message.content and hegui.aigc)",
                "不是带标识的网关响应（需要 choices[0].message.content 和 hegui.aigc）",
                str(response),
            ) from None
        return str(text), dict(aigc)
    if content is None or metadata is None:
        raise HeguiError(
            "give a saved response, or --content FILE and --metadata JSON",
            "请提供保存的响应，或 --content 文件与 --metadata JSON",
        )
    try:
        text = content.read_text(encoding="utf-8")
        aigc = json.loads(metadata)
    except OSError as err:
        raise HeguiError(f"cannot read: {err}", f"无法读取：{err}", str(content)) from None
    except ValueError as err:
        raise HeguiError(f"--metadata is not JSON: {err}", f"--metadata 不是 JSON：{err}") from None
    if not isinstance(aigc, dict):
        raise HeguiError("--metadata must be a JSON object", "--metadata 必须是 JSON 对象")
    return text, aigc


@complaints_app.command("list")
@reports_errors
def complaints_list(
    overdue: Annotated[bool, typer.Option("--overdue", help="Only overdue ones / 仅超期")] = False,
    open_only: Annotated[bool, typer.Option("--open", help="Only open ones / 仅未处理")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output")] = False,
    database: Annotated[str | None, typer.Option(help=_DB_HELP)] = None,
    config: Annotated[Path | None, typer.Option("--config", help=_CONFIG_HELP)] = None,
) -> None:
    """List complaints / 列出投诉."""
    desk = ComplaintDesk(open_database(_database(database, config)))
    found = desk.list(overdue_only=overdue, open_only=open_only)
    if as_json:
        typer.echo(json.dumps([c.as_dict() for c in found], ensure_ascii=False, indent=1))
        return
    table = Table(
        "id", "app", "created / 提交", "deadline / 期限", "status / 状态", "reason / 理由"
    )
    for c in found:
        status = "[red]overdue / 超期[/]" if c.overdue else c.status
        table.add_row(c.id, c.app, c.created, c.deadline, status, c.reason[:60])
    console.print(table)
    console.print(f"{len(found)} complaints / 条投诉")


@complaints_app.command("resolve")
@reports_errors
def complaints_resolve(
    complaint_id: Annotated[str, typer.Argument(help="Complaint id / 投诉编号")],
    note: Annotated[str, typer.Option("--note", help="The answer given / 处理结果")],
    database: Annotated[str | None, typer.Option(help=_DB_HELP)] = None,
    config: Annotated[Path | None, typer.Option("--config", help=_CONFIG_HELP)] = None,
) -> None:
    """Resolve a complaint with a note / 处理投诉."""
    if not note.strip():
        raise HeguiError("--note is empty", "--note 为空")
    engine = open_database(_database(database, config))
    resolved = ComplaintDesk(engine).resolve(complaint_id, note)
    from hegui.gateway._audit import AuditEntry

    log = AuditLog(engine)
    log.append_now(
        AuditEntry(
            "complaint", resolved.id, resolved.app, "resolved", {"complaint": resolved.as_dict()}
        )
    )
    log.close()
    late = (
        " (late / 超期)"
        if resolved.resolved_at and resolved.resolved_at > resolved.deadline
        else ""
    )
    console.print(f"resolved / 已处理 {resolved.id}{late}")
