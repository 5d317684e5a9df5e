"""Every task, defined once: the registry of task names."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from envs.tasks.base import DISTRIBUTIONS, MOVES, Instances, Task
from envs.tasks.grid import Addition, Addition3, SingleDigitMultiplication, Walk
from envs.tasks.legacy import (
    GYM_REGISTRY,
    LegacyCopy,
    LegacyDuplicatedInput,
    LegacyRepeatCopy,
    LegacyReverse,
    LegacyReversedAddition,
    LegacyReversedAddition3,
)
from envs.tasks.tape import Copy, DuplicatedInput, ForwardReverse, RepeatCopy, Reverse

#: task name -> constructor; the environment id is ``rlntm/<name>-v0``
TASKS: dict[str, Callable[..., Task]] = {
    "Copy": Copy,
    "DuplicatedInput": DuplicatedInput,
    "Reverse": Reverse,
    "RepeatCopy": RepeatCopy,
    "ForwardReverse": ForwardReverse,
    "Walk": Walk,
    "Addition": Addition,
    "Addition3": Addition3,
    "SingleDigitMultiplication": SingleDigitMultiplication,
    "LegacyCopy": LegacyCopy,
    "LegacyDuplicatedInput": LegacyDuplicatedInput,
    "LegacyRepeatCopy": LegacyRepeatCopy,
    "LegacyReverse": LegacyReverse,
    "LegacyReversedAddition": LegacyReversedAddition,
    "LegacyReversedAddition3": LegacyReversedAddition3,
}


def make_task(task: str | Task, **kwargs: Any) -> Task:
    """The task called ``task`` built with ``kwargs`` (a Task instance passes through)."""
    if isinstance(task, Task):
        if kwargs:
            raise ValueError(f"task parameters {sorted(kwargs)} given with a ready-made task")
        return task
    return construct(TASKS, "task", task, kwargs)


def construct(registry: Mapping[str, Callable[..., Any]], what: str, name: str, kwargs: Any) -> Any:
    """``registry[name](**kwargs)``; ValueError naming an unknown ``name`` or parameter."""
    if name not in registry:
        raise ValueError(f"unknown {what} {name!r}; choose from {sorted(registry)}")
    try:
        return registry[name](**kwargs)
    except TypeError as err:  # a parameter this task does not take
        raise ValueError(f"{name}: {err}") from err


__all__ = [
    "DISTRIBUTIONS",
    "GYM_REGISTRY",
    "MOVES",
    "construct",
    "TASKS",
    "Instances",
    "Task",
    "make_task",
]
