"""The small interface every agent implements for the training core."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import asdict
from typing import Any

import numpy as np


class NonFiniteError(FloatingPointError):
    """The loss or the gradients became NaN or Inf; training cannot go on from this state.

    Agents raise it before the optimiser step, so the last checkpoint stays good; the trainer
    records why the run stopped and re-raises it."""


def check_saved_config(saved: dict[str, Any], config: Any) -> None:
    """ValueError unless a checkpoint's agent config ``saved`` equals the dataclass ``config``."""
    if saved != asdict(config):
        raise ValueError(f"checkpoint agent config {saved} differs from {asdict(config)}")


class Agent(ABC):
    """An agent that learns from whole batches of episodes (see :mod:`rlntm.algorithms`)."""

    @abstractmethod
    def update(self, data: Any) -> dict[str, Any]:
        """Draw one batch of episodes from ``data``, learn from them.

        Returns scalar metrics (keys with ``train/`` or ``rollout/`` prefixes; at least
        ``rollout/steps``, the environment steps or sequence steps consumed, and
        ``rollout/sequence_accuracy``) and, under ``"episodes"``, the batch's
        :class:`rlntm.curricula.EpisodeStats` for the curriculum.
        """

    @abstractmethod
    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue training exactly: weights, optimiser, random state."""

    @abstractmethod
    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` saved."""


class PolicyAgent(Agent):
    """An agent acting in the environments step by step; ``update`` takes the vector env
    (autoreset disabled) and runs one episode in each of its environments."""

    @abstractmethod
    def initial_state(self, batch: int) -> Any:
        """The controller state at the start of ``batch`` episodes."""

    @abstractmethod
    def act(self, obs: np.ndarray, state: Any, explore: bool) -> tuple[np.ndarray, Any]:
        """Actions (B, n_act) for observations (B, n_obs), and the next controller state."""
