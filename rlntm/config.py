"""The configuration of a training run, as dataclasses saved into every run folder."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import torch

from agents.cuda_graphs import require_cuda
from rlntm.algorithms import ALGORITHMS, algorithm
from rlntm.curricula import CURRICULA


@dataclass
class RunConfig:
    """One training run: task, algorithm, budget, evaluation, and the agent's settings."""

    env: str = "Reverse"  #: task name (``rlntm/<env>-v0``)
    algo: str = "qlambda"  #: learning algorithm
    seed: int = 1  #: seeds python, numpy, torch, exploration and the environments
    device: str = "cpu"  #: "cpu" or "cuda"
    # Fields left None (and the dicts, key by key) take the algorithm's defaults for the task
    # (rlntm.algorithms.Algorithm.defaults and per_task), then the values in comments.
    #: length schedule (rlntm.curricula); None: the best measured for the algorithm and task
    curriculum: str | None = None
    #: its parameters (the algorithm's defaults apply only with its default curriculum)
    curriculum_kwargs: dict[str, Any] = field(default_factory=dict)
    env_kwargs: dict[str, Any] = field(default_factory=dict)  #: task parameters (base, rows...)
    max_steps: int | None = None  #: budget in environment steps (None: no step limit)
    #: budget in parameter updates, the measure of the RL-NTM paper's 20,000-update bound
    #: (None: no update limit)
    max_updates: int | None = None
    max_minutes: float | None = 20.0  #: budget in wall-clock minutes (None: no time limit)
    eval_lengths: list[int] | None = None  #: lengths of the final table ([10, 100, 1000])
    eval_episodes: int = 100  #: fresh test sequences per length
    solve_length: int | None = None  #: held-out length that decides "solved" (1000)
    #: test sequences at solve_length, all of which must be exact (checked in chunks of 200,
    #: stopping at the first failure); None: the algorithm's default (REINFORCE: 1000), else
    #: ``eval_episodes``, as many as the final table scores
    solve_episodes: int | None = None
    #: restart the agent (new weights, optimiser and action draws, from a seed derived from
    #: ``seed`` and the attempt's number; the curriculum from its start) when the curriculum
    #: has not reached its end (the sequence models, whose lengths are fixed: their running
    #: cost has not fallen under the lr's first anneal threshold) within this many updates of
    #: the attempt's start. The budget, the update count and the minutes run on across
    #: attempts. 0: never; None: the algorithm's default for the task (REINFORCE: 2000 on
    #: Reverse, 4000 on ForwardReverse and RepeatCopy, docs/reinforce.md; the NTM: 2500 on
    #: AssociativeRecall, docs/ntm.md)
    restart_updates: int | None = None
    checkpoint_every: int = 100  #: updates between checkpoints
    log_every: int = 10  #: updates between metrics rows
    #: updates between TensorBoard pictures of one training-length instance (algorithms with
    #: pictures: ntm, lstm; 0: none during training). The run's end adds one per eval length
    picture_every: int = 200
    agent: dict[str, Any] = field(default_factory=dict)  #: the algorithm's hyper-parameters

    def __post_init__(self) -> None:
        problems = []
        if self.algo not in ALGORITHMS:
            problems.append(f"unknown algo {self.algo!r}; choose from {sorted(ALGORITHMS)}")
        else:
            algo = ALGORITHMS[self.algo]
            if self.env not in algo.tasks:
                problems.append(
                    f"unknown env {self.env!r} for algo {self.algo!r}; "
                    f"choose from {sorted(algo.tasks)}"
                )
            task = algo.per_task.get(self.env, {})
            if "curriculum" in task:  # the algorithm's curriculum options belong to its own
                task = {"curriculum_kwargs": {}, **task}
            self._fill_defaults({**algo.defaults, **task})
        if self.curriculum is not None and self.curriculum not in CURRICULA:
            problems.append(
                f"unknown curriculum {self.curriculum!r}; choose from {sorted(CURRICULA)}"
            )
        if self.device not in ("cpu", "cuda") and not str(self.device).startswith("cuda:"):
            problems.append(f"device must be 'cpu' or 'cuda', got {self.device!r}")
        elif self.device != "cpu" and not torch.cuda.is_available():
            problems.append(
                f"device {self.device!r} needs a GPU and a CUDA build of PyTorch; "
                f"this one (torch {torch.__version__}) sees none: use --device cpu"
            )
        elif self.agent.get("cuda_graph"):
            try:
                require_cuda(self.device)
            except ValueError as err:
                problems.append(str(err))
        if min(self.checkpoint_every, self.log_every) < 1 or self.picture_every < 0:
            problems.append("checkpoint_every and log_every must be >= 1, picture_every >= 0")
        if self.max_steps is None and self.max_minutes is None and self.max_updates is None:
            problems.append("give a budget: max_steps, max_updates and/or max_minutes")
        # the integer settings and their least values (restart_updates 0: never restart)
        for name, least in (("max_steps", 1), ("max_updates", 1), ("restart_updates", 0)):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                problems.append(f"{name} must be an integer or None, got {value!r}")
            elif value is not None and value < least:
                problems.append(f"{name} must be >= {least}, got {value}")
        if problems:
            raise ValueError("; ".join(problems))
        self.agent = asdict(self.agent_config())  # resolved: every field filled in

    def _fill_defaults(self, defaults: dict[str, Any]) -> None:
        """Fill the fields left None (and missing dict keys) from ``defaults``."""
        if self.curriculum is None:
            self.curriculum = defaults.get("curriculum", "rlntm")
            self.curriculum_kwargs = {
                **defaults.get("curriculum_kwargs", {}),
                **self.curriculum_kwargs,
            }
        for name in ("env_kwargs", "agent"):
            setattr(self, name, {**defaults.get(name, {}), **getattr(self, name)})
        if self.eval_lengths is None:
            self.eval_lengths = list(defaults.get("eval_lengths", [10, 100, 1000]))
        if self.solve_length is None:
            self.solve_length = int(defaults.get("solve_length", 1000))
        if self.solve_episodes is None:
            self.solve_episodes = int(defaults.get("solve_episodes", self.eval_episodes))
        if self.restart_updates is None:
            self.restart_updates = defaults.get("restart_updates", 0)

    def agent_config(self) -> Any:
        """The algorithm's hyper-parameter dataclass, from :attr:`agent`."""
        cls = algorithm(self.algo).config
        known = {f.name for f in fields(cls)}
        unknown = set(self.agent) - known
        if unknown:
            raise ValueError(
                f"unknown {self.algo} settings {sorted(unknown)}; valid: {sorted(known)}"
            )
        return cls(**self.agent)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_file(cls, path: str | Path, **overrides: Any) -> RunConfig:
        """Read a saved ``config.json``; ``overrides`` replace its values. Clear errors."""
        try:
            data = json.loads(Path(path).read_text())
        except FileNotFoundError as err:
            raise ValueError(f"config file {path} does not exist") from err
        except json.JSONDecodeError as err:
            raise ValueError(f"config file {path} is not valid JSON: {err}") from err
        if not isinstance(data, dict):
            raise ValueError(f"config file {path} must hold a JSON object")
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"config file {path} has unknown keys {sorted(unknown)}")
        data.setdefault("restart_updates", 0)  # saved before restarts existed: ran without
        merged = {**data, **overrides}
        merged["agent"] = {**data.get("agent", {}), **overrides.get("agent", {})}
        return cls(**merged)


def parse_agent_json(text: str) -> dict[str, Any]:
    """The ``--agent`` flag: agent settings as a JSON object, e.g. ``'{"entropy": 0}'``.

    Raises ``argparse.ArgumentTypeError`` naming the problem, so the command line reports it
    as a usage error; unknown setting names are caught later, by :class:`RunConfig`.
    """
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise argparse.ArgumentTypeError(f"--agent is not valid JSON ({err}): {text!r}") from err
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError(f"--agent must be a JSON object, got {text!r}")
    return value
