"""The embedded classifier tier: an n-gram classifier and an e5 embedding classifier.

Both score the detector labels they have trained heads for, in [0, 1], and share one head
file format (:mod:`._heads`). ``hegui train`` (:mod:`.cli`) trains heads from labelled JSONL.
"""

from __future__ import annotations

from hegui.detect.classifier._data import Example, read_labelled
from hegui.detect.classifier._embedding import EmbeddingClassifier, default_e5_heads
from hegui.detect.classifier._heads import Heads, load_heads, save_heads
from hegui.detect.classifier._ngram import NgramClassifier, NgramFeatures, default_ngram_heads
from hegui.detect.classifier._text import ends_sentence
from hegui.detect.classifier._train import Featuriser, fit_heads, measure

__all__ = [
    "EmbeddingClassifier",
    "Example",
    "Featuriser",
    "Heads",
    "NgramClassifier",
    "NgramFeatures",
    "default_e5_heads",
    "default_ngram_heads",
    "ends_sentence",
    "fit_heads",
    "load_heads",
    "measure",
    "read_labelled",
    "save_heads",
]
