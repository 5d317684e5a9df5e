"""The five tasks of the Neural Turing Machine paper (Graves, Wayne, Danihelka 2014, section 4).

Vectors are random bits; "length" counts the items of an instance (vectors to copy, items
to store, bits of an n-gram sequence, vectors to sort). Input and output layouts follow the
paper; where it is vague the choice is said in the class docstring.
"""

from __future__ import annotations

import numpy as np

from envs.sequences.base import SequenceBatch, SequenceTask, random_bits


def empty_batch(steps: int, n: int, in_dim: int, out_dim: int, length: int) -> SequenceBatch:
    """An all-zero batch of ``n`` instances of ``steps`` steps, nothing scored yet."""
    return SequenceBatch(
        inputs=np.zeros((steps, n, in_dim), dtype=np.float32),
        targets=np.zeros((steps, n, out_dim), dtype=np.float32),
        mask=np.zeros((steps, n), dtype=bool),
        length=np.full(n, length, dtype=np.int64),
    )


class BitCopy(SequenceTask):
    """Copy: ``length`` random ``width``-bit vectors, a delimiter, then write them back.

    Inputs have ``width + 1`` channels (the last one the delimiter); the ``length`` output
    steps after the delimiter are scored. Steps: ``2 * length + 1``.
    """

    name = "BitCopy"

    def __init__(self, width: int = 8) -> None:
        self.width = width
        self.in_dim, self.out_dim = width + 1, width

    def draw(self, rng: np.random.Generator, n: int, length: int) -> SequenceBatch:
        x = random_bits(rng, (length, n, self.width))  # (L, n, w)
        b = empty_batch(2 * length + 1, n, self.in_dim, self.out_dim, length)
        b.inputs[:length, :, : self.width] = x
        b.inputs[length, :, self.width] = 1.0
        b.targets[length + 1 :] = x
        b.mask[length + 1 :] = True
        return b


class BitRepeatCopy(SequenceTask):
    """Repeat copy: ``length`` vectors, then a delimiter carrying the repeat count r; write the
    vectors r times, then an end marker.

    Inputs: ``width`` bits, the delimiter channel and the count channel (r / max_repeats,
    given at the delimiter step; the paper normalises the count too). Outputs: ``width`` bits
    and the end-marker channel. r is uniform in 1..max_repeats; the ``length * r + 1`` steps
    after the delimiter are scored.
    """

    name = "BitRepeatCopy"

    def __init__(self, width: int = 8, max_repeats: int = 10) -> None:
        self.width, self.max_repeats = width, max_repeats
        self.in_dim, self.out_dim = width + 2, width + 1

    def draw(self, rng: np.random.Generator, n: int, length: int) -> SequenceBatch:
        w = self.width
        repeats = rng.integers(1, self.max_repeats + 1, size=n)  # (n,)
        x = random_bits(rng, (length, n, w))  # (L, n, w)
        out_steps = length * self.max_repeats + 1
        b = empty_batch(length + 1 + out_steps, n, self.in_dim, self.out_dim, length)
        b.inputs[:length, :, :w] = x
        b.inputs[length, :, w] = 1.0
        b.inputs[length, :, w + 1] = repeats / self.max_repeats
        s = np.arange(out_steps)[:, None]  # (S, 1) output step
        copying = s < length * repeats  # (S, n)
        b.targets[length + 1 :, :, :w] = x[s[:, 0] % length] * copying[..., None]
        b.targets[length + 1 :, :, w] = s == length * repeats
        b.mask[length + 1 :] = s <= length * repeats
        return b


class AssociativeRecall(SequenceTask):
    """Associative recall: ``length`` items of ``item_size`` vectors, then a query item; write
    the item that followed the query in the list.

    Inputs: ``width`` bits, an item delimiter (before each item) and a query delimiter
    (before and after the query). The query is one of the first ``length - 1`` items; the
    ``item_size`` steps after the second query delimiter are scored.
    """

    name = "AssociativeRecall"
    min_length = 2

    def __init__(self, width: int = 6, item_size: int = 3) -> None:
        self.width, self.item_size = width, item_size
        self.in_dim, self.out_dim = width + 2, width

    def draw(self, rng: np.random.Generator, n: int, length: int) -> SequenceBatch:
        w, s = self.width, self.item_size
        items = random_bits(rng, (length, s, n, w))  # (L, s, n, w)
        query = rng.integers(0, length - 1, size=n)  # (n,)
        cols = np.arange(n)
        stored = length * (s + 1)
        b = empty_batch(stored + 2 * s + 2, n, self.in_dim, self.out_dim, length)
        for k in range(length):
            b.inputs[k * (s + 1), :, w] = 1.0
            b.inputs[k * (s + 1) + 1 : (k + 1) * (s + 1), :, :w] = items[k]
        b.inputs[stored, :, w + 1] = 1.0
        b.inputs[stored + 1 : stored + 1 + s, :, :w] = items[query, :, cols].transpose(1, 0, 2)
        b.inputs[stored + 1 + s, :, w + 1] = 1.0
        b.targets[stored + s + 2 :] = items[query + 1, :, cols].transpose(1, 0, 2)
        b.mask[stored + s + 2 :] = True
        return b


class DynamicNGrams(SequenceTask):
    """Dynamic n-grams: predict the next bit of a sequence drawn from a random n-gram model.

    Each instance draws, for every context of ``order - 1`` bits, the probability of a 1 from
    Beta(1/2, 1/2), then ``length + 1`` bits (the context before the first bit is all zeros).
    The model reads bit t and predicts bit t + 1; every step is scored. ``reference_bits``
    holds the cost of the optimal Bayesian estimator, ``(N1 + 1/2) / (N1 + N0 + 1)`` with the
    counts N1, N0 of ones and zeros seen so far after the current context.
    """

    name = "DynamicNGrams"

    def __init__(self, order: int = 6) -> None:
        self.order = order
        self.in_dim, self.out_dim = 1, 1

    def draw(self, rng: np.random.Generator, n: int, length: int) -> SequenceBatch:
        contexts = 2 ** (self.order - 1)
        table = rng.beta(0.5, 0.5, size=(n, contexts))  # (n, C)
        counts = np.zeros((n, contexts, 2))  # (n, C, 2): N0, N1 seen after each context
        bits = np.zeros((length + 1, n), dtype=np.int64)
        context = np.zeros(n, dtype=np.int64)
        cols = np.arange(n)
        reference = np.zeros(n)
        for t in range(length + 1):
            bits[t] = rng.random(n) < table[cols, context]
            if t > 0:  # the first bit is never predicted
                n0, n1 = counts[cols, context, 0], counts[cols, context, 1]
                p_one = (n1 + 0.5) / (n0 + n1 + 1.0)
                reference -= np.log2(np.where(bits[t] == 1, p_one, 1.0 - p_one))
                counts[cols, context, bits[t]] += 1
            context = (context * 2 + bits[t]) % contexts
        b = empty_batch(length, n, 1, 1, length)
        b.inputs[:, :, 0] = bits[:-1]
        b.targets[:, :, 0] = bits[1:]
        b.mask[:] = True
        b.reference_bits = reference
        return b


class PrioritySort(SequenceTask):
    """Priority sort: ``length`` vectors each with a priority uniform in [-1, 1]; after the
    delimiter, write the ``keep`` (16) of highest priority, highest first.

    Inputs: ``width`` bits, the priority channel and the delimiter channel. The paper sorts
    20 vectors and writes the top 16; here ``min(keep, length)`` are written.
    """

    name = "PrioritySort"

    def __init__(self, width: int = 8, keep: int = 16) -> None:
        self.width, self.keep = width, keep
        self.in_dim, self.out_dim = width + 2, width

    def draw(self, rng: np.random.Generator, n: int, length: int) -> SequenceBatch:
        w, k = self.width, min(self.keep, length)
        x = random_bits(rng, (length, n, w))  # (L, n, w)
        priority = rng.uniform(-1.0, 1.0, size=(length, n))  # (L, n)
        order = np.argsort(-priority, axis=0)[:k]  # (k, n) highest first
        b = empty_batch(length + 1 + k, n, self.in_dim, self.out_dim, length)
        b.inputs[:length, :, :w] = x
        b.inputs[:length, :, w] = priority
        b.inputs[length, :, w + 1] = 1.0
        b.targets[length + 1 :] = np.take_along_axis(x, order[..., None], axis=0)
        b.mask[length + 1 :] = True
        return b


__all__ = ["AssociativeRecall", "BitCopy", "BitRepeatCopy", "DynamicNGrams", "PrioritySort"]
