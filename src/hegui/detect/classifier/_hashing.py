"""Hashed character n-gram counts computed with numpy (the ``char-np`` analyzer).

scikit-learn's HashingVectorizer builds every n-gram as a Python string: about 20 ms for the
windows of a 1,000-character answer, too slow for a gateway. Here a text's code points become
one integer array and each n-gram order is a vectorised polynomial hash, so the same windows
cost well under a millisecond. The features are the character n-grams of the text with a space
at each end (so word starts and ends are visible, as with ``char_wb``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse

_BASE = np.uint64(0x100000001B3)
_SALT = np.uint64(0x9E3779B97F4A7C15)
_MIX = np.uint64(0xBF58476D1CE4E5B9)
_LOG_TF = np.concatenate(([0.0], 1.0 + np.log(np.arange(1, 4096)))).astype(np.float32)
"""``1 + log tf`` for the counts a text's n-grams have, looked up rather than computed."""


def hashed_features(
    texts: Sequence[str], n_min: int, n_max: int, n_features: int
) -> sparse.csr_matrix:
    """``(len(texts), n_features)`` n-gram features (``n_min``..``n_max`` characters): counts
    log-scaled (``1 + log tf``), each row L2-normalised.

    All texts are hashed in one pass over their concatenation; an n-gram that would cross from
    one text into the next is dropped, so each row equals the text hashed on its own.
    """
    padded = [f" {text} " for text in texts]
    if not padded:
        return sparse.csr_matrix((0, n_features), dtype=np.float32)
    codes = np.frombuffer("".join(padded).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    lengths = np.fromiter((len(t) for t in padded), dtype=np.int64, count=len(padded))
    # A key is row * n_features + bucket; 32 bits hold it for a batch of up to 2**32 / n_features
    # rows (16,384 with the shipped heads), and sorting 32-bit keys takes half the time.
    key_type = np.uint32 if len(padded) * n_features <= 2**32 else np.uint64
    owner = np.repeat(np.arange(len(padded), dtype=key_type), lengths)
    keys: list[np.ndarray] = []
    modulus = np.uint64(n_features)
    # a power of two (the shipped heads use 2**18): the remainder is a mask, several times faster
    mask = modulus - np.uint64(1) if n_features & (n_features - 1) == 0 else None
    # The hash of an n-gram is SALT * n * BASE**n + sum(code[k] * BASE**(n - 1 - k)) (mod 2**64):
    # the sum for order n extends the one for order n - 1 by one multiply-add.
    prefix = np.zeros(len(codes), dtype=np.uint64)
    power = np.uint64(1)
    with np.errstate(over="ignore"):
        for n in range(1, n_max + 1):
            span = len(codes) - n + 1
            if span <= 0:
                break
            prefix = prefix[:span] * _BASE + codes[n - 1 : n - 1 + span]
            power = power * _BASE
            if n < n_min:
                continue
            h = prefix + _SALT * np.uint64(n) * power
            h ^= h >> np.uint64(31)
            h *= _MIX
            h ^= h >> np.uint64(29)
            inside = owner[:span] == owner[n - 1 :]
            bucket = h[inside] & mask if mask is not None else h[inside] % modulus
            keys.append(owner[:span][inside] * key_type(n_features) + bucket.astype(key_type))
    if not keys:
        return sparse.csr_matrix((len(texts), n_features), dtype=np.float32)
    ordered = np.concatenate(keys)
    ordered.sort()
    first = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    unique = ordered[first]
    counts = np.diff(np.append(first, len(ordered)))
    rows = (unique // key_type(n_features)).astype(np.int64)
    data = (
        _LOG_TF[counts]
        if counts.max() < len(_LOG_TF)
        else (1.0 + np.log(counts)).astype(np.float32)
    )
    norms = np.sqrt(np.bincount(rows, weights=data * data, minlength=len(texts)))
    data /= norms[rows].astype(np.float32)
    indptr = np.searchsorted(rows, np.arange(len(texts) + 1))
    return sparse.csr_matrix(
        (data, (unique % n_features).astype(np.int32), indptr),
        shape=(len(texts), n_features),
        dtype=np.float32,
    )
