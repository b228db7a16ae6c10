"""Finding, reading, merging (``extends``) and validating policy packs."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from hegui.errors import HeguiError
from hegui.policy._schema import PolicyPack

DEFAULT_POLICY_ID = "cn-tc260"

_PACKS = resources.files("hegui.policy") / "packs"
_LABELS = resources.files("hegui.detect") / "labels.yaml"


def builtin_policy_ids() -> list[str]:
    """Ids of the packs shipped with hegui."""
    return sorted(
        p.name.removesuffix(".yaml") for p in _PACKS.iterdir() if p.name.endswith(".yaml")
    )


@cache
def known_labels() -> frozenset[str]:
    """The detector labels a pack's risks may use."""
    data = yaml.safe_load(_LABELS.read_text("utf-8"))
    return frozenset(str(k) for k in data["labels"])


def load_policy(ref: str | Path) -> PolicyPack:
    """Load a shipped pack by id, or an operator's pack from a YAML / JSON file path.

    Raises :class:`HeguiError` naming the file and the field for a pack that fails its schema,
    the file and line for bad YAML, and the known ids for an unknown id.
    """
    path = Path(ref)
    if isinstance(ref, Path) or path.suffix in {".yaml", ".yml", ".json"} or path.exists():
        return _load_path(path.resolve())
    return _load_builtin(str(ref))


@cache
def _load_builtin(pack_id: str) -> PolicyPack:
    if pack_id not in builtin_policy_ids():
        known = ", ".join(builtin_policy_ids())
        raise HeguiError(
            f"unknown policy '{pack_id}'; shipped packs: {known} (or give a path to a pack file)",
            f"未知策略“{pack_id}”；内置策略包：{known}（也可给出策略包文件路径）",
        )
    text = (_PACKS / f"{pack_id}.yaml").read_text("utf-8")
    return _build(_parse(text, f"{pack_id}.yaml"), f"{pack_id}.yaml", None, (pack_id,))


def _load_path(path: Path, chain: tuple[str, ...] = ()) -> PolicyPack:
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise HeguiError(
            f"cannot read policy pack: {exc.strerror}", f"无法读取策略包：{exc.strerror}", str(path)
        ) from None
    except UnicodeDecodeError:
        raise HeguiError(
            "policy pack is not valid UTF-8", "策略包不是有效的 UTF-8 编码", str(path)
        ) from None
    return _build(_parse(text, str(path)), str(path), path.parent, (*chain, str(path)))


def _parse(text: str, where: str) -> dict[str, Any]:
    try:
        data = json.loads(text) if where.endswith(".json") else yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        raise HeguiError(
            f"not valid YAML: {exc.problem}", f"不是有效的 YAML：{exc.problem}", where + line
        ) from None
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise HeguiError(f"cannot parse pack: {exc}", f"无法解析策略包：{exc}", where) from None
    if not isinstance(data, dict):
        raise HeguiError("a policy pack must be a mapping", "策略包必须是映射（键值对）", where)
    return data


def _build(
    data: dict[str, Any], where: str, base: Path | None, chain: tuple[str, ...]
) -> PolicyPack:
    merged: dict[str, Any] = {}
    for parent_ref in data.get("extends", []) or []:
        parent = _resolve_parent(str(parent_ref), base, chain, where)
        merged = _merge(merged, parent.model_dump(mode="json"))
    merged = _merge(merged, data)
    merged["extends"] = list(data.get("extends", []) or [])
    try:
        pack = PolicyPack.model_validate(merged)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = _field_path(first["loc"])
        more = f" (+{exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise HeguiError(
            f"{field}: {first['msg']}{more}", f"{field}：{first['msg']}{more}", where
        ) from None
    labels = known_labels()
    for index, risk in enumerate(pack.risks):
        for label in risk.labels:
            if label not in labels:
                raise HeguiError(
                    f"risks[{index}] ({risk.id}).labels: unknown detector label '{label}' "
                    "(see hegui/detect/labels.yaml)",
                    f"risks[{index}]（{risk.id}）.labels：未知检测标签“{label}”",
                    where,
                )
    return pack


def _resolve_parent(ref: str, base: Path | None, chain: tuple[str, ...], where: str) -> PolicyPack:
    is_path = ref.endswith((".yaml", ".yml", ".json"))
    key = str((base / ref).resolve()) if is_path and base is not None else ref
    if key in chain:
        cycle = " -> ".join((*chain, key))
        raise HeguiError(f"extends forms a cycle: {cycle}", f"extends 形成循环：{cycle}", where)
    if is_path:
        if base is None:
            raise HeguiError(
                "a shipped pack can only extend shipped packs",
                "内置策略包只能继承内置策略包",
                where,
            )
        return _load_path(Path(key), chain)
    if ref not in builtin_policy_ids():
        return _load_builtin(ref)  # raises the unknown-id error
    text = (_PACKS / f"{ref}.yaml").read_text("utf-8")
    return _build(_parse(text, f"{ref}.yaml"), f"{ref}.yaml", None, (*chain, ref))


def _merge(parent: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    """Child wins; risks and categories merge by id; mappings merge key by key."""
    out = dict(parent)
    for key, value in child.items():
        if key == "extends":
            continue
        old = out.get(key)
        if key in {"risks", "categories"} and isinstance(old, list) and isinstance(value, list):
            by_id = {item["id"]: item for item in old if isinstance(item, dict)}
            for item in value:
                if isinstance(item, dict) and "id" in item:
                    by_id[item["id"]] = item
            out[key] = list(by_id.values())
        elif isinstance(old, dict) and isinstance(value, dict):
            out[key] = {**old, **value}
        else:
            out[key] = value
    return out


def _field_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "(pack)"
