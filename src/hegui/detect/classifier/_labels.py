"""The detector label vocabulary (``hegui/detect/labels.yaml``) as the classifier sees it."""

from __future__ import annotations

import functools
from importlib import resources

import yaml

SAFE = "safe"
"""Training label of a text that violates nothing."""

UNSAFE = "unsafe"
"""Training label of a violating text whose category is unknown: it trains only the
unsafe-vs-safe head, never the category head."""


@functools.cache
def known_labels() -> frozenset[str]:
    """Every detector label defined in ``labels.yaml``."""
    text = resources.files("hegui").joinpath("detect", "labels.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    return frozenset(str(label) for label in data["labels"])
