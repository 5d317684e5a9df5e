"""The small interface every agent implements for the training core."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import asdict
from typing import Any

import numpy as np

from rlntm.seeding import generator_state, set_generator_state


class NonFiniteError(FloatingPointError):
    """The loss or the gradients became NaN or Inf; training cannot go on from this state.

    Agents raise it before the optimiser step, so the last checkpoint stays good; the trainer
    records why the run stopped and re-raises it."""


def check_saved_config(saved: dict[str, Any], config: Any) -> None:
    """ValueError unless a checkpoint's agent config ``saved`` equals the dataclass ``config``.

    A setting added after the checkpoint was written counts at its default (the run had no
    other), so checkpoints of earlier versions load as long as this run keeps those defaults.
    """
    filled = {**asdict(type(config)()), **saved}
    if filled != asdict(config):
        raise ValueError(f"checkpoint agent config {saved} differs from {asdict(config)}")


class Agent(ABC):
    """An agent that learns from whole batches of episodes (see :mod:`rlntm.algorithms`).

    Its checkpoint state is built from attributes every agent here has: ``config`` (the
    hyper-parameter dataclass), ``model`` (the torch module), ``optimizer``, optionally ``rng``
    (a numpy Generator it samples with), and the counters named in :attr:`counters`.
    """

    #: attributes saved beside the weights (counters a resumed run must continue from)
    counters: tuple[str, ...] = ("updates",)
    #: set by :class:`rlntm.training.Trainer` before every update: whether the curriculum
    #: has reached its end in this attempt, even if failed held-out checks have moved the
    #: end on since (agents that explore otherwise while it climbs read it)
    curriculum_reached_end: bool = False

    @property
    def past_start(self) -> bool:
        """Whether this attempt has left its starting plateau by the agent's own measure
        (:class:`rlntm.training.Trainer` restarts attempts that have not); True for agents
        that have none."""
        return True

    @abstractmethod
    def update(self, data: Any) -> dict[str, Any]:
        """Draw one batch of episodes from ``data``, learn from them.

        Returns scalar metrics (keys with ``train/`` or ``rollout/`` prefixes; at least
        ``rollout/steps``, the environment steps or sequence steps consumed, and
        ``rollout/sequence_accuracy``) and, under ``"episodes"``, the batch's
        :class:`rlntm.curricula.EpisodeStats` for the curriculum.
        """

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue training exactly: config, weights, optimiser, random
        state and counters."""
        state = {
            "config": asdict(self.config),
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            **{name: getattr(self, name) for name in self.counters},
        }
        if getattr(self, "rng", None) is not None:
            state["rng"] = generator_state(self.rng)
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore a :meth:`state_dict`; ValueError if it was saved with another config."""
        check_saved_config(state["config"], self.config)
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        if getattr(self, "rng", None) is not None:
            set_generator_state(self.rng, state["rng"])
        for name in self.counters:  # one added since the checkpoint keeps its start value
            if name in state:
                setattr(self, name, state[name])


class PolicyAgent(Agent):
    """An agent acting in the environments step by step; ``update`` takes the vector env
    (autoreset disabled) and runs one episode in each of its environments."""

    @abstractmethod
    def initial_state(self, batch: int) -> Any:
        """The controller state at the start of ``batch`` episodes."""

    @abstractmethod
    def act(self, obs: np.ndarray, state: Any, explore: bool) -> tuple[np.ndarray, Any]:
        """Actions (B, n_act) for observations (B, n_obs), and the next controller state."""
