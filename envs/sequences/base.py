"""Supervised sequence tasks: what every one of them is made of.

A sequence task turns a batch of B instances into three arrays, time-major:

- ``inputs`` (T, B, in_dim): the vectors fed to the model, one a step;
- ``targets`` (T, B, out_dim): what the model should output at each step;
- ``mask`` (T, B): the steps whose outputs are scored.

Outputs are either independent bits (``categorical = False``: sigmoid outputs, binary
cross-entropy, as in the NTM paper) or one symbol a step (``categorical = True``: ``targets``
one-hot, softmax and cross-entropy). The cost of a sequence is its summed cross-entropy in
bits over the scored steps (the NTM paper's "bits per sequence").

Instances of different lengths share a batch: each is laid out from step 0 and padded after
its end (padding is never scored). The models are causal, so padding never changes an
instance's scored outputs.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

import numpy as np


@dataclass
class SequenceBatch:
    """A batch of B instances, time-major, padded to the longest one.

    Attributes:
        inputs: (T, B, in_dim) float32.
        targets: (T, B, out_dim) float32 (one-hot rows for categorical tasks).
        mask: (T, B) bool, the scored steps.
        length: (B,) the length each instance was drawn at.
        reference_bits: (B,) the cost of a reference predictor (DynamicNGrams' optimal
            estimator), or None.
        steps: (B,) each instance's own number of steps (before padding); None: all T.
    """

    inputs: np.ndarray
    targets: np.ndarray
    mask: np.ndarray
    length: np.ndarray
    reference_bits: np.ndarray | None = None
    steps: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.steps is None:
            self.steps = np.full(self.length.shape, self.inputs.shape[0], dtype=np.int64)

    def __len__(self) -> int:
        return int(self.length.size)

    @classmethod
    def pad(cls, parts: list[tuple[np.ndarray, SequenceBatch]], n: int) -> SequenceBatch:
        """One batch of ``n`` from parts placed at batch indices; time padded with zeros."""
        first = parts[0][1]
        steps = max(part.inputs.shape[0] for _, part in parts)
        out = cls(
            inputs=np.zeros((steps, n, first.inputs.shape[2]), dtype=np.float32),
            targets=np.zeros((steps, n, first.targets.shape[2]), dtype=np.float32),
            mask=np.zeros((steps, n), dtype=bool),
            length=np.zeros(n, dtype=np.int64),
            reference_bits=None if first.reference_bits is None else np.zeros(n),
        )
        for at, part in parts:
            t = part.inputs.shape[0]
            out.inputs[:t, at] = part.inputs
            out.targets[:t, at] = part.targets
            out.mask[:t, at] = part.mask
            out.length[at] = part.length
            out.steps[at] = part.steps
            if out.reference_bits is not None:
                out.reference_bits[at] = part.reference_bits
        return out


class SequenceTask(ABC):
    """One supervised sequence task: subclasses implement :meth:`draw` for one length."""

    name: ClassVar[str]
    #: outputs are one symbol a step (softmax) rather than independent bits (sigmoids)
    categorical: ClassVar[bool] = False
    #: the smallest length the task accepts
    min_length: ClassVar[int] = 1
    in_dim: int  #: features of an input vector
    out_dim: int  #: features of an output vector (symbols, for categorical tasks)

    @abstractmethod
    def draw(self, rng: np.random.Generator, n: int, length: int) -> SequenceBatch:
        """``n`` fresh instances, all of length ``length`` (no padding)."""

    def sample(self, rng: np.random.Generator, lengths: np.ndarray) -> SequenceBatch:
        """One instance per entry of ``lengths`` (B,), padded into one batch."""
        lengths = np.asarray(lengths, dtype=np.int64)
        if lengths.size and lengths.min() < self.min_length:
            raise ValueError(
                f"{self.name}: length must be >= {self.min_length}, got {int(lengths.min())}"
            )
        parts = []
        for length in np.unique(lengths):
            at = np.flatnonzero(lengths == length)
            parts.append((at, self.draw(rng, at.size, int(length))))
        return SequenceBatch.pad(parts, lengths.size)


def random_bits(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Uniform random bits as float32."""
    return rng.integers(0, 2, size=shape).astype(np.float32)


__all__ = ["SequenceBatch", "SequenceTask", "random_bits"]
