"""Distributions over input lengths: the hook through which curricula steer the environments.

A curriculum lives in the trainer, never in the environment. The trainer hands the environment a
:class:`LengthDistribution` (or anything :func:`as_length_distribution` accepts) and every episode
started afterwards, including those a vector environment starts on autoreset, draws its input
length from it::

    env.unwrapped.set_length_distribution((2, 12))          # uniform over 2..12
    envs.unwrapped.set_length_distribution({5: 0.9, 50: 0.1})
    envs.call("set_length_distribution", 7)                 # Gymnasium's Sync/Async vector envs
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class LengthDistribution:
    """A finite distribution over input lengths.

    Attributes:
        lengths: the possible lengths, each >= 0.
        probs: their probabilities (same shape, sums to 1).
    """

    lengths: np.ndarray
    probs: np.ndarray

    def __post_init__(self) -> None:
        lengths = np.asarray(self.lengths, dtype=np.int64).reshape(-1)
        probs = np.asarray(self.probs, dtype=np.float64).reshape(-1)
        if lengths.size == 0 or lengths.shape != probs.shape:
            raise ValueError("a length distribution needs as many probabilities as lengths (>= 1)")
        if (lengths < 0).any():
            raise ValueError(f"input lengths must be >= 0, got {lengths[lengths < 0].tolist()}")
        if (probs < 0).any() or not np.isclose(probs.sum(), 1.0):
            raise ValueError(
                f"length probabilities must be >= 0 and sum to 1, got {probs.tolist()}"
            )
        object.__setattr__(self, "lengths", lengths)
        object.__setattr__(self, "probs", probs / probs.sum())

    @property
    def max_length(self) -> int:
        """The longest length this distribution can draw."""
        return int(self.lengths[self.probs > 0].max())

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Draw ``n`` lengths, shape (n,)."""
        if self.lengths.size == 1:
            return np.full(n, self.lengths[0], dtype=np.int64)
        return rng.choice(self.lengths, size=n, p=self.probs)

    @classmethod
    def fixed(cls, length: int) -> LengthDistribution:
        """Always the same length."""
        return cls(np.array([length]), np.array([1.0]))

    @classmethod
    def uniform(cls, low: int, high: int) -> LengthDistribution:
        """Uniform over ``low..high`` inclusive."""
        if high < low:
            raise ValueError(f"empty length range ({low}, {high})")
        lengths = np.arange(low, high + 1)
        return cls(lengths, np.full(lengths.size, 1.0 / lengths.size))


def as_length_distribution(spec: object) -> LengthDistribution:
    """Build a :class:`LengthDistribution` from a friendlier description.

    Accepts an int (fixed length), a ``(low, high)`` tuple (uniform, inclusive), a mapping
    ``{length: probability}``, a list of lengths (uniform over the list) or a distribution.
    """
    if isinstance(spec, LengthDistribution):
        return spec
    if isinstance(spec, (int, np.integer)) and not isinstance(spec, bool):
        if spec < 0:
            raise ValueError(f"input length must be >= 0, got {spec}")
        return LengthDistribution.fixed(int(spec))
    if isinstance(spec, tuple) and len(spec) == 2:
        return LengthDistribution.uniform(int(spec[0]), int(spec[1]))
    if isinstance(spec, Mapping):  # keys may be strings, as JSON writes them
        lengths = np.array([int(k) for k in spec.keys()], dtype=np.int64)
        return LengthDistribution(lengths, np.array(list(spec.values()), dtype=float))
    if isinstance(spec, (Sequence, np.ndarray)) and not isinstance(spec, str):
        lengths = np.asarray(spec)
        return LengthDistribution(lengths, np.full(lengths.size, 1.0 / max(lengths.size, 1)))
    raise ValueError(
        f"cannot read a length distribution from {spec!r}: give an int, a (low, high) tuple, "
        "a {length: probability} mapping, a list of lengths or a LengthDistribution"
    )
