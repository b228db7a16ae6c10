"""The ``hegui`` command: one Typer app, a subcommand group per part."""

from __future__ import annotations

import typer

from hegui import __version__
from hegui.detect.classifier.cli import train
from hegui.detect.cli import check
from hegui.detect.coverage import coverage
from hegui.detect.keywords.cli import app as keywords_app
from hegui.detect.refusal.cli import refusal
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
app.add_typer(keywords_app, name="keywords", help="Keyword library / 关键词库")


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
