"""What every CLI command shares: bilingual error reporting without tracebacks."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console

from hegui.errors import HeguiError

P = ParamSpec("P")
R = TypeVar("R")

err_console = Console(stderr=True, highlight=False, soft_wrap=True)

EXIT_BAD_INPUT = 2


def reports_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn a :class:`HeguiError` raised by ``command`` into a message and exit code 2."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except HeguiError as err:
            err_console.print(f"[bold red]error / 错误[/] {err.render()}", markup=True)
            raise typer.Exit(EXIT_BAD_INPUT) from None

    return wrapper


def ensure_text(value: str, where: str) -> str:
    """Reject text that is empty or carries undecodable bytes (surrogate escapes from argv)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise HeguiError("text is not valid UTF-8", "文本不是有效的 UTF-8 编码", where) from None
    if not value.strip():
        raise HeguiError("text is empty", "文本为空", where)
    return value
