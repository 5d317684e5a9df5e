"""The tape and grid tasks of :mod:`envs.tasks` as sequence-to-sequence tasks.

Nothing of a task's rule is restated here: instances come from the task's own
:meth:`envs.tasks.Task.sample` (its input generator, layout and target function). The model
first reads the input grid one column a step (each row's symbol one-hot, so a tape is one
symbol a step and Addition one column of digits a step), then, with the "answer" channel on
and nothing else, writes the target one symbol a step. The target's steps are scored
(softmax over the ``base`` digits).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from envs.sequences.base import SequenceBatch, SequenceTask
from envs.tasks import make_task

#: tasks whose grid reads naturally column by column (Walk's path does not)
TAPE_SEQUENCE_TASKS = (
    "Copy",
    "DuplicatedInput",
    "Reverse",
    "RepeatCopy",
    "Addition",
    "Addition3",
    "SingleDigitMultiplication",
)


class TapeSequenceTask(SequenceTask):
    """The sequence form of the task ``name`` of :mod:`envs.tasks`.

    Args:
        name: one of :data:`TAPE_SEQUENCE_TASKS`.
        distribution: the task's input distribution (``"adversarial"`` for arithmetic).
        **task_kwargs: the task's parameters (``base``, ``rows``, ``max_repeats``...).
    """

    categorical = True

    def __init__(self, name: str, distribution: str = "uniform", **task_kwargs: Any) -> None:
        if name not in TAPE_SEQUENCE_TASKS:
            raise ValueError(f"no sequence form of {name!r}; choose from {TAPE_SEQUENCE_TASKS}")
        self.name = name
        self.task = make_task(name, **task_kwargs)
        self.distribution = self.task.check_distribution(distribution)
        probe = self.task.sample(np.random.default_rng(0), 1, 1)
        self.rows = probe.grid.shape[1]
        self.symbols = self.task.num_symbols
        self.in_dim = self.rows * self.symbols + 1  # one-hot per row, then "answer now"
        self.out_dim = self.task.base

    def draw(self, rng: np.random.Generator, n: int, length: int) -> SequenceBatch:
        inst = self.task.sample(rng, n, length, self.distribution)
        grid = inst.grid.transpose(2, 0, 1)  # (W, n, R)
        width, out_steps = grid.shape[0], inst.target.shape[1]
        steps = width + out_steps
        inputs = np.zeros((steps, n, self.in_dim), dtype=np.float32)
        one_hot = np.eye(self.symbols, dtype=np.float32)[grid]  # (W, n, R, S)
        inputs[:width, :, :-1] = one_hot.reshape(width, n, -1)
        inputs[width:, :, -1] = 1.0
        scored = np.arange(out_steps)[:, None] < inst.target_len[None, :]  # (Tt, n)
        digits = np.eye(self.task.base + 1, dtype=np.float32)[inst.target.T][..., :-1]
        targets = np.zeros((steps, n, self.out_dim), dtype=np.float32)
        targets[width:] = digits * scored[..., None]  # BLANK beyond the target is never scored
        mask = np.zeros((steps, n), dtype=bool)
        mask[width:] = scored
        return SequenceBatch(inputs, targets, mask, np.full(n, length, dtype=np.int64))


__all__ = ["TAPE_SEQUENCE_TASKS", "TapeSequenceTask"]
