"""The ``hegui`` command: one Typer app, a subcommand group per part."""

from __future__ import annotations

import typer

from hegui import __version__
from hegui.assess.bank_cli import app as bank_app
from hegui.assess.cli import app as assess_app
from hegui.companion.cli import app as companion_app
from hegui.corpus.cli import app as corpus_app
from hegui.detect.classifier.cli import train
from hegui.detect.cli import check
from hegui.detect.coverage import coverage
from hegui.detect.keywords.cli import app as keywords_app
from hegui.detect.refusal.cli import refusal
from hegui.gateway.cli import audit_app, complaints_app, label_app, serve
from hegui.policy.cli import app as policy_app

app = typer.Typer(
    name="hegui",
    help="合规 hegui — gate, assess and document a generative-AI service against its policy.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command("check")(check)
app.command("refusal")(refusal)
app.command("train")(train)
policy_app.command("coverage")(coverage)
app.add_typer(policy_app, name="policy", help="Policy packs / 策略包")
app.add_typer(companion_app, name="companion", help="Companion-chat safeguards / 陪伴聊天安全")
app.add_typer(keywords_app, name="keywords", help="Keyword library / 关键词库")
app.add_typer(assess_app, name="assess", help="Pre-launch assessment / 上线前安全评估")
app.add_typer(bank_app, name="bank", help="Test banks / 测试题库")
app.add_typer(corpus_app, name="corpus", help="Training-data audit / 训练语料审核")
app.command("serve")(serve)
app.add_typer(audit_app, name="audit", help="Audit log / 审计日志")
app.add_typer(label_app, name="label", help="Content labels / 内容标识")
app.add_typer(complaints_app, name="complaints", help="Complaints / 投诉")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"hegui {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True),
) -> None:
    """合规 hegui."""


def main() -> None:
    app()
