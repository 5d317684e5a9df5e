"""Supervised sequence tasks for the differentiable models (NTM, LSTM): the five tasks of the
NTM paper and the sequence form of the tape and grid tasks of :mod:`envs.tasks`."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from envs.sequences.base import SequenceBatch, SequenceTask
from envs.sequences.ntm_tasks import (
    AssociativeRecall,
    BitCopy,
    BitRepeatCopy,
    DynamicNGrams,
    PrioritySort,
)
from envs.sequences.tape import TAPE_SEQUENCE_TASKS, TapeSequenceTask
from envs.tasks import construct

#: task name -> constructor (keyword arguments: the task's parameters)
SEQUENCE_TASKS: dict[str, Callable[..., SequenceTask]] = {
    **{
        cls.name: cls
        for cls in (BitCopy, BitRepeatCopy, AssociativeRecall, DynamicNGrams, PrioritySort)
    },
    **{name: partial(TapeSequenceTask, name) for name in TAPE_SEQUENCE_TASKS},
}


def make_sequence_task(name: str, **kwargs: Any) -> SequenceTask:
    """The sequence task ``name`` with its parameters; ValueError naming the problem."""
    return construct(SEQUENCE_TASKS, "sequence task", name, kwargs)


__all__ = ["SEQUENCE_TASKS", "SequenceBatch", "SequenceTask", "make_sequence_task"]
