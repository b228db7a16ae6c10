"""The resumable state of a run in its output folder: ``OUT/.audit/`` or ``OUT/.sample/``.

A state folder holds ``manifest.json`` (what decides the results: the settings, and each input
file's size and modification time) and one result file per completed shard, written
atomically after the shard's flagged items — a shard's result file is its completion marker.
A rerun with the same manifest skips completed shards; another manifest is refused unless
``fresh`` discards the old state.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hegui.corpus._models import AuditSettings
from hegui.corpus._shards import Shard
from hegui.errors import HeguiError


def manifest_of(settings: AuditSettings, files: list[Path], **extra: Any) -> dict[str, Any]:
    """Settings, ``extra`` values (e.g. a sample's size) and every input file's size and
    modification time."""
    stats = {str(f): [f.stat().st_size, f.stat().st_mtime_ns] for f in files}
    return {"settings": settings.model_dump(mode="json"), **extra, "files": stats}


class RunState:
    """The state folder ``OUT/.<kind>`` of one kind of run (module docstring)."""

    def __init__(self, out: Path, kind: str) -> None:
        self.root = out / f".{kind}"
        self.shards = self.root / "shards"

    def open(self, manifest: dict[str, Any], fresh: bool) -> None:
        """Start or resume; raises :class:`HeguiError` when the folder holds another run."""
        path = self.root / "manifest.json"
        if fresh and self.root.exists():
            shutil.rmtree(self.root)
        if path.exists():
            old = json.loads(path.read_text("utf-8"))
            if old != manifest:
                raise HeguiError(
                    "this output folder holds a run with other settings or changed input "
                    "files; use another --out, or --fresh to start over",
                    "该输出目录中已有设置不同或输入文件已变化的运行进度；请换一个 --out，"
                    "或用 --fresh 重新开始",
                    str(path),
                )
        self.shards.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps(manifest, ensure_ascii=False, indent=1))

    def done(self) -> set[str]:
        """Ids of the completed shards."""
        return {p.name.removesuffix(".json") for p in self.shards.glob("*.json")}

    def save(self, result: dict[str, Any]) -> None:
        """Record a shard's result: its flagged items first, then the result file."""
        shard = result["shard"]
        flagged = "".join(json.dumps(f, ensure_ascii=False) + "\n" for f in result["flagged"])
        write_atomic(self.shards / f"{shard}.flagged.jsonl", flagged)
        kept = {k: v for k, v in result.items() if k != "flagged"}
        write_atomic(self.shards / f"{shard}.json", json.dumps(kept, ensure_ascii=False))

    def load(self, shard: Shard) -> dict[str, Any]:
        """A completed shard's result (without its flagged items)."""
        data: dict[str, Any] = json.loads((self.shards / f"{shard.id}.json").read_text("utf-8"))
        return data

    def flagged_lines(self, shard: Shard) -> Iterator[str]:
        """A completed shard's ``flagged.jsonl`` lines."""
        with (self.shards / f"{shard.id}.flagged.jsonl").open(encoding="utf-8") as handle:
            yield from handle


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that a reader sees the old file or the new one."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
