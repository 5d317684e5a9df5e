"""The learning algorithms the training core knows, and how it builds, feeds and tests each.

An :class:`Algorithm` ties together four things the core needs and nothing else:

- ``config``: the hyper-parameter dataclass (every one has a ``batch_size``);
- ``tasks``: the task names it trains on;
- ``data``: what its :meth:`agents.base.Agent.update` consumes, built from the task, the
  task's keyword arguments, the batch size and the seed. It has
  ``set_length_distribution(spec)`` (the curriculum's hook) and ``state_dict`` /
  ``load_state_dict`` (its random state, for exact resumption). For the RL agents it is the
  batched vector environment, autoreset off;
- ``evaluate``: the generalisation table of a trained agent (see :mod:`rlntm.evaluation`).

A new algorithm registers here (one entry in :data:`ALGORITHMS`); the Trainer, the command line
and the benchmark scripts then offer it with every feature of the core.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym
import numpy as np

from agents.base import Agent
from agents.qlambda import QLambdaAgent, QLambdaConfig
from agents.reinforce import REINFORCE_TASKS, ReinforceConfig, build_reinforce
from envs import env_id
from envs.tasks import TASKS
from rlntm.evaluation import evaluate
from rlntm.supervised import (
    NTM_DEFAULTS,
    SEQUENCE_DEFAULTS,
    SEQUENCE_TASKS,
    LSTMConfig,
    NTMConfig,
    SequenceData,
    build_lstm,
    build_ntm,
    evaluate_sequences,
    trace_sequence,
)


def make_vector_env(task: str, env_kwargs: dict[str, Any], batch: int, seed: int) -> Any:
    """The batched environment an RL agent trains in: ``batch`` episodes, autoreset off."""
    envs = gym.make_vec(
        env_id(task),
        num_envs=batch,
        vectorization_mode="vector_entry_point",
        autoreset_mode="Disabled",
        **env_kwargs,
    ).unwrapped
    envs.reset(seed=seed)
    return envs


def build_qlambda(config: QLambdaConfig, data: Any, seed: int, device: str) -> Agent:
    """A Q(lambda) agent for the spaces of the vector env ``data``."""
    obs_nvec = np.asarray(data.single_observation_space.nvec)
    action_nvec = np.asarray(data.single_action_space.nvec)
    return QLambdaAgent(obs_nvec, action_nvec, config, seed=seed, device=device)


@dataclass(frozen=True)
class Algorithm:
    """How the core builds, feeds and evaluates one learning algorithm (see the module doc)."""

    config: type  #: hyper-parameter dataclass
    tasks: Collection[str]  #: task names it can train on
    #: (task, env_kwargs, batch, seed) -> the data its update consumes
    data: Callable[[str, dict[str, Any], int, int], Any]
    #: (config, data, seed, device) -> a fresh agent
    build: Callable[[Any, Any, int, str], Agent]
    #: (agent, task, lengths, episodes, env_kwargs, seed) -> the generalisation table
    evaluate: Callable[..., dict[str, dict[str, float]]]
    #: :class:`rlntm.config.RunConfig` fields every task of this algorithm defaults to:
    #: ``curriculum``, ``curriculum_kwargs``, ``env_kwargs``, ``eval_lengths``,
    #: ``solve_length``, ``agent`` (the dicts merge key by key under what the user gives)
    defaults: Mapping[str, Any] = field(default_factory=dict)
    #: task -> the same fields, measured best for that task (over ``defaults``)
    per_task: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    #: (agent, task, env_kwargs, length, seed) -> what the agent does on one instance, as
    #: arrays :func:`rlntm.plots.trace_figure` draws (TensorBoard pictures, ``--plot``); None:
    #: the algorithm has no such pictures
    trace: Callable[..., dict[str, np.ndarray]] | None = None


#: algorithm name -> how to build, feed and evaluate it
ALGORITHMS: dict[str, Algorithm] = {
    "qlambda": Algorithm(
        QLambdaConfig,
        tuple(name for name, task in TASKS.items() if not task.default_memory),
        make_vector_env,
        build_qlambda,
        evaluate,
        defaults={"curriculum": "rlntm", "curriculum_kwargs": {"max_level": 10}},
        per_task={
            # zaremba solved 5/5 seeds within 2.1 min (rlntm 2/4 within 3 min), with the
            # authors' penalty rule and Adam 3e-3 (penalty from the start: 4/5); see the README
            "Copy": {"curriculum": "zaremba", "agent": {"lr": 3e-3, "penalty_accuracy": 0.95}},
            # a reactive program (the previous move tells the phase): the feed-forward
            # controller learns it and generalises to any length (5/5 seeds; docs/qlambda.md).
            # Walk stays on the GRU: feed-forward reached 71/11/2% at best, GRU 98/99/100%
            "Reverse": {"agent": {"controller": "ff"}},
        },
    ),
    "reinforce": Algorithm(
        ReinforceConfig,
        REINFORCE_TASKS,
        make_vector_env,
        build_reinforce,
        evaluate,
        # the paper's input head moves -1 / 0 / +1; min_gap 10 (the paper: 100 updates of
        # 200 episodes): Copy and Reverse reach level 20 in 350 and 1340 updates, not 1800+;
        # see docs/reinforce.md
        # the solve check takes up to 1000 sequences (in chunks of 200, stopping at the first
        # failure): a program failing 1-2% of inputs of length 1000 passed a check of 100
        # (DuplicatedInput seeds 6 and 9, ForwardReverse seed 7) and then missed 1-2 in its
        # table; with 200 those seeds trained on and solved, but ForwardReverse seed 2, 98%
        # exact at 1000, still passed one of its many checks of 200 (docs/reinforce.md)
        defaults={
            "curriculum": "rlntm",
            "curriculum_kwargs": {"min_gap": 10},
            "env_kwargs": {"stay": True},
            "solve_episodes": 1000,
        },
        per_task={
            # the real memory head always moves (no stay): 7/10 seeds solved in 814-3585
            # updates of 20,000 (with the stay: 1/7 in 8 minutes); restarts after 4,000
            # updates without finishing the curriculum (every solver of that table had solved
            # by 3,585): 9/10 on 2026-11-25, seeds 2, 8 and 9 in their second attempt;
            # docs/reinforce.md
            "ForwardReverse": {
                "agent": {"memory": "real", "memory_stay": False},
                "restart_updates": 4000,
            },
            # the ablation (seeds 1-5, 3,000 updates): without the online baseline 4/5 Reverse
            # seeds solved in 717-900 updates, with it 4/5 (other seeds) in 1028-1822; off, the
            # cheaper of two equal counts; over seeds 1-10 without it 9/10 (5/10 when
            # re-measured on 2026-11-25, another machine or build); docs/reinforce.md
            # restarts: seeds that have not finished the curriculum by 2,000 updates crawl
            # (levels 13-18 after thousands, reciting from the LSTM state) and rarely escape;
            # seeds 3, 4, 5 and 10 of 2026-11-25 each solved after one restart (2,729-2,903
            # updates), so 9/10 solved where 5/10 without; docs/reinforce.md
            "Reverse": {"agent": {"online_baseline": False}, "restart_updates": 2000},
            # the walk back is learnt only with the paper's read window, the routing-only
            # controller, demonstrations and a probability floor together (2 of 4 runs on
            # 2026-12-06; without the floor 0 of all); the floor's noise fails long sampled
            # episodes, so the curriculum reads its error from greedy episodes and the floor
            # ends with the curriculum (with it, found programs were unlearnt on the long
            # inputs after failed checks), and attempts stuck on the x1 ending restart:
            # 9/10 seeds solved in 1,220-9,710 updates (2026-12-06); docs/reinforce.md
            "RepeatCopy": {
                "env_kwargs": {"stay": True, "window": 1},
                "curriculum_kwargs": {"min_gap": 10, "greedy_episodes": 64},
                "agent": {
                    "controller_content": False,
                    "demo_share": 0.5,
                    "explore_floor": 0.2,
                    "floor_after_curriculum": False,
                },
                "restart_updates": 4000,
            },
        },
    ),
    "ntm": Algorithm(
        NTMConfig,
        SEQUENCE_TASKS,
        SequenceData,
        build_ntm,
        evaluate_sequences,
        per_task=NTM_DEFAULTS,
        trace=trace_sequence,
    ),
    "lstm": Algorithm(
        LSTMConfig,
        SEQUENCE_TASKS,
        SequenceData,
        build_lstm,
        evaluate_sequences,
        per_task=SEQUENCE_DEFAULTS,
        trace=trace_sequence,
    ),
}


def algorithm(name: str) -> Algorithm:
    """The registered algorithm ``name``; ValueError listing the choices otherwise."""
    if name not in ALGORITHMS:
        raise ValueError(f"unknown algo {name!r}; choose from {sorted(ALGORITHMS)}")
    return ALGORITHMS[name]


__all__ = ["ALGORITHMS", "Algorithm", "algorithm", "make_vector_env"]
