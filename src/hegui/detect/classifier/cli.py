"""``hegui train``: train classifier heads from labelled JSONL files."""

from __future__ import annotations

import functools
import hashlib
import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from hegui._cli_support import reports_errors
from hegui.detect.classifier._data import Example, read_labelled
from hegui.detect.classifier._heads import save_heads
from hegui.detect.classifier._text import normalise
from hegui.detect.classifier._train import Featuriser, fit_heads
from hegui.errors import HeguiError

app = typer.Typer(help="Train classifier heads / 训练分类器头", no_args_is_help=True)


class Kind(StrEnum):
    """Which classifier's heads to train."""

    NGRAM = "ngram"
    E5 = "e5"
    BOTH = "both"


def split_dev(
    examples: list[Example], share: float, seed: int
) -> tuple[list[Example], list[Example]]:
    """Split ``examples`` into (train, dev) by a seeded hash of the normalised text."""
    train: list[Example] = []
    dev: list[Example] = []
    for example in examples:
        digest = hashlib.sha1(f"{seed}\n{normalise(example.text)}".encode()).hexdigest()
        (dev if int(digest, 16) % 10_000 < share * 10_000 else train).append(example)
    return train, dev


@reports_errors
def train(
    data: Annotated[
        list[Path],
        typer.Option(
            "--data", help="Labelled JSONL (text, label, lang?, role?); repeatable / 标注数据"
        ),
    ],
    kind: Annotated[Kind, typer.Option("--kind", help="ngram | e5 | both")] = Kind.NGRAM,
    out: Annotated[Path, typer.Option("--out", help="Output directory / 输出目录")] = Path("heads"),
    seed: Annotated[int, typer.Option("--seed", help="Random seed / 随机种子")] = 0,
    dev_share: Annotated[
        float, typer.Option("--dev-share", help="Share held out to tune and measure / 验证集比例")
    ] = 0.15,
    cache: Annotated[
        Path | None, typer.Option("--cache", help="Embedding cache directory / 向量缓存目录")
    ] = None,
) -> None:
    """Train classifier heads (ngram.npz, e5.npz) and write metrics.json / 训练分类器头。"""
    if not 0.0 <= dev_share < 1.0:
        raise HeguiError(
            "--dev-share must be in [0, 1)", "--dev-share 必须在 [0, 1) 之间", "--dev-share"
        )
    examples = [example for path in data for example in read_labelled(path)]
    train_set, dev_set = split_dev(examples, dev_share, seed)
    console = Console(stderr=True)
    console.print(f"{len(train_set)} train / 训练, {len(dev_set)} dev / 验证")
    kinds = ["ngram", "e5"] if kind is Kind.BOTH else [kind.value]
    metrics = {}
    for name in kinds:
        if name == "e5":
            with Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=console,
            ) as bar:
                task = bar.add_task("embedding / 向量化", total=2 * (len(train_set) + len(dev_set)))
                featuriser = Featuriser(
                    "e5", cache_dir=cache, progress=functools.partial(bar.advance, task)
                )
                heads = fit_heads(featuriser, train_set, dev_set, seed)
        else:
            heads = fit_heads(Featuriser(name), train_set, dev_set, seed)
        target = out / f"{name}.npz"
        save_heads(target, heads)
        metrics[name] = {"heads": str(target), "labels": list(heads.labels), **heads.meta}
        console.print(f"wrote / 已写入 {target}")
    out.mkdir(parents=True, exist_ok=True)
    (out / "metrics.json").write_text(
        json.dumps(metrics, ensure_ascii=False, indent=2) + "\n", "utf-8"
    )
    typer.echo(
        json.dumps({name: m.get("metrics", {}) for name, m in metrics.items()}, ensure_ascii=False)
    )


@app.callback()
def _group() -> None:
    """Classifier heads / 分类器头."""


app.command("train")(train)
