"""The arithmetic of the refusal answer model: affine maps over sparse features plus the
answer's e5 embedding, softmax, and the one-hidden-layer network averaged with the logistic
model (numpy only; the weights come from scikit-learn fits, see ``training/refusal``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

FloatArray = npt.NDArray[np.float64]


def affine(
    features: dict[int, float],
    embedding: npt.NDArray[np.float32] | None,
    weights: FloatArray,
    embedding_weights: FloatArray | None,
    bias: FloatArray,
) -> FloatArray:
    """``bias + features @ weights + embedding @ embedding_weights`` for sparse ``features``
    (index -> value); ``embedding`` is required exactly when ``embedding_weights`` is given."""
    out = bias.copy()
    if embedding_weights is not None:
        if embedding is None:
            raise ValueError("this refusal model needs the answer's e5 embedding")
        out += embedding.astype(np.float64) @ embedding_weights
    if features:
        idx = np.fromiter(features.keys(), dtype=np.int64, count=len(features))
        val = np.fromiter(features.values(), dtype=np.float64, count=len(features))
        out += val @ weights[idx]
    return out


def float32_arrays(parts: DataclassInstance, prefix: str) -> dict[str, npt.NDArray[np.float32]]:
    """A dataclass's array fields under their names in a weights file (``prefix`` + field
    name), stored as float32; a field that is ``None`` (no e5) has no entry."""
    values = {field.name: getattr(parts, field.name) for field in fields(parts)}
    return {
        f"{prefix}{name}": value.astype(np.float32)
        for name, value in values.items()
        if value is not None
    }


def array_reader(
    arrays: Mapping[str, npt.NDArray[np.generic]], prefix: str
) -> Callable[[str], FloatArray]:
    """Reads ``prefix`` + a field name from ``arrays`` as float64 (``KeyError`` when missing)."""

    def read(name: str) -> FloatArray:
        return np.asarray(arrays[f"{prefix}{name}"], dtype=np.float64)

    return read


def softmax(logits: FloatArray) -> FloatArray:
    exp = np.exp(logits - logits.max())
    result: FloatArray = exp / exp.sum()
    return result


@dataclass(frozen=True, slots=True)
class HiddenLayerNetwork:
    """One hidden ReLU layer over the same inputs as the logistic model, softmax output
    (scikit-learn's ``MLPClassifier`` with one hidden layer, its first layer split into the
    rows of the sparse features and those of the e5 embedding)."""

    feature_weights: FloatArray  # (n_features, hidden)
    embedding_weights: FloatArray | None  # (3 * 384, hidden), or no e5
    hidden_bias: FloatArray  # (hidden,)
    output_weights: FloatArray  # (hidden, n_classes)
    output_bias: FloatArray  # (n_classes,)

    def arrays(self) -> dict[str, npt.NDArray[np.float32]]:
        """The arrays under their names in a weights file (``network_`` + field name)."""
        return float32_arrays(self, "network_")

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, npt.NDArray[np.generic]]) -> HiddenLayerNetwork:
        """The network :meth:`arrays` wrote (``KeyError`` when an array is missing)."""
        read = array_reader(arrays, "network_")
        with_e5 = "network_embedding_weights" in arrays
        return cls(
            read("feature_weights"),
            read("embedding_weights") if with_e5 else None,
            read("hidden_bias"),
            read("output_weights"),
            read("output_bias"),
        )

    def probabilities(
        self, features: dict[int, float], embedding: npt.NDArray[np.float32] | None
    ) -> FloatArray:
        hidden = affine(
            features, embedding, self.feature_weights, self.embedding_weights, self.hidden_bias
        )
        return softmax(np.maximum(hidden, 0.0) @ self.output_weights + self.output_bias)

    def shapes_fit(self, n_features: int, n_embedding: int | None, n_classes: int) -> bool:
        """Whether the arrays fit a model of ``n_features`` features, ``n_embedding`` e5
        inputs (``None``: none) and ``n_classes`` classes."""
        units = self.hidden_bias.shape
        if self.hidden_bias.ndim != 1 or self.feature_weights.shape != (n_features, *units):
            return False
        if (self.embedding_weights is None) != (n_embedding is None):
            return False
        if self.embedding_weights is not None and self.embedding_weights.shape != (
            n_embedding,
            *units,
        ):
            return False
        return self.output_weights.shape == (*units, n_classes) and self.output_bias.shape == (
            n_classes,
        )


@dataclass(frozen=True, slots=True)
class LanguageLogistic:
    """A multinomial logistic model per language (``_text.LANGUAGES`` order) over the same
    inputs as the joint one; a pair is scored by its language's model (see
    ``_text.pair_language``). Stacked: the first axis of every array is the language."""

    feature_weights: FloatArray  # (languages, n_features, n_classes)
    embedding_weights: FloatArray | None  # (languages, 3 * 384, n_classes), or no e5
    bias: FloatArray  # (languages, n_classes)

    def arrays(self) -> dict[str, npt.NDArray[np.float32]]:
        """The arrays under their names in a weights file (``language_`` + field name)."""
        return float32_arrays(self, "language_")

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, npt.NDArray[np.generic]]) -> LanguageLogistic:
        """The models :meth:`arrays` wrote (``KeyError`` when an array is missing)."""
        read = array_reader(arrays, "language_")
        with_e5 = "language_embedding_weights" in arrays
        return cls(
            read("feature_weights"),
            read("embedding_weights") if with_e5 else None,
            read("bias"),
        )

    def probabilities(
        self, language: int, features: dict[int, float], embedding: npt.NDArray[np.float32] | None
    ) -> FloatArray:
        """Class probabilities under the model of language index ``language``."""
        embedding_weights = (
            None if self.embedding_weights is None else self.embedding_weights[language]
        )
        logits = affine(
            features,
            embedding,
            self.feature_weights[language],
            embedding_weights,
            self.bias[language],
        )
        return softmax(logits)

    def shapes_fit(
        self, languages: int, n_features: int, n_embedding: int | None, n_classes: int
    ) -> bool:
        """Whether the arrays hold ``languages`` models of ``n_features`` features,
        ``n_embedding`` e5 inputs (``None``: none) and ``n_classes`` classes."""
        if self.feature_weights.shape != (languages, n_features, n_classes):
            return False
        if self.bias.shape != (languages, n_classes):
            return False
        if self.embedding_weights is None:
            return n_embedding is None
        return self.embedding_weights.shape == (languages, n_embedding, n_classes)
