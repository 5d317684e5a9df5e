"""The training loop every agent shares: curriculum, budget, evaluation, checkpoints, logs.

A run folder holds ``config.json`` (the resolved :class:`rlntm.config.RunConfig`), ``tb/``
(TensorBoard), ``metrics.jsonl``, ``checkpoint.pt`` (written atomically every
``checkpoint_every`` updates and at the end), ``eval.json`` (the final generalisation table)
and ``summary.json`` (why the run stopped: ``solved``, ``budget``, or ``diverged`` when the
agent met a NaN or Inf, with the message; the checkpoint is then the last good one; and the
updates, environment steps, minutes, curriculum level and restarts it stopped at). A killed
run resumes from its last checkpoint and reaches the same state as a run that was never
interrupted: checkpoints fall on fixed update counts, and hold the weights, optimiser,
curriculum, counters, every random state and the episodes (or sequences) drawn ahead.
Algorithms with pictures (the sequence models) also draw, every ``picture_every`` updates and
at the end, what the agent does on one instance into TensorBoard (``pictures/length_<L>``).

With ``restart_updates`` R > 0, an attempt whose curriculum has not reached its end R updates
after the attempt began (for the sequence models, whose lengths are fixed: whose running cost
has not fallen under the lr's first anneal threshold, :attr:`agents.base.Agent.past_start`)
is given up: the agent is built afresh (weights, optimiser and action
draws from :func:`rlntm.seeding.attempt_seed`) and the curriculum starts again, while the data,
the counters and the budget run on. Up to its first restart a run is the run without restarts.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agents.base import Agent, NonFiniteError
from rlntm.algorithms import algorithm
from rlntm.checkpoints import CHECKPOINT_NAME, load_checkpoint, save_checkpoint
from rlntm.config import RunConfig
from rlntm.curricula import Curriculum, make_curriculum
from rlntm.plots import trace_figure
from rlntm.run_log import Progress, RunLogger, write_json_atomic
from rlntm.seeding import attempt_seed, capture_rng_state, restore_rng_state, seed_everything

CONFIG_NAME = "config.json"
PICTURE_SEED = 0  #: the instances drawn in TensorBoard pictures (the same ones all run long)
#: the final table's inputs (the same for every run, so that tables compare)
TABLE_SEED = 777
#: the held-out check after update u draws its inputs in chunks of at most SOLVE_CHUNK
#: sequences, chunk i with seed SOLVE_CHECK_SEED + u + i * SOLVE_CHUNK_STRIDE (the stride keeps
#: every chunk of every check apart), and stops at the first chunk not all exact
SOLVE_CHECK_SEED = 1_000_000
SOLVE_CHUNK = 200
SOLVE_CHUNK_STRIDE = 10_000_000


def default_run_dir(cfg: RunConfig, root: str | Path = "runs") -> Path:
    """``runs/{env}__{algo}__{seed}__{unix time}``."""
    return Path(root) / f"{cfg.env}__{cfg.algo}__{cfg.seed}__{int(time.time())}"


def make_agent(cfg: RunConfig, batch: int | None = None) -> tuple[Agent, Any]:
    """The agent ``cfg.algo`` and the data it trains on (``batch`` episodes per update;
    the agent's batch size by default)."""
    algo, config = algorithm(cfg.algo), cfg.agent_config()
    data = algo.data(cfg.env, cfg.env_kwargs, batch or config.batch_size, cfg.seed)
    return algo.build(config, data, cfg.seed, cfg.device), data


def fresh_agent(cfg: RunConfig, data: Any, attempt: int) -> Agent:
    """A new agent for the ``attempt``-th restart of a run: weights from the global torch
    generator, reseeded (with Python's and numpy's) by :func:`attempt_seed`."""
    seed = attempt_seed(cfg.seed, attempt)
    seed_everything(seed)
    return algorithm(cfg.algo).build(cfg.agent_config(), data, seed, cfg.device)


@dataclass
class Attempts:
    """The restarts of one run (``restart_updates``, 0: never): an attempt is given up
    ``limit`` updates after it began unless by then its curriculum has reached its end with
    the agent past its start (:attr:`agents.base.Agent.past_start`)."""

    limit: int
    number: int = 0  #: restarts so far
    start: int = 0  #: the update the current attempt began after
    finished: bool = False  #: the current attempt has reached the curriculum's end

    def note(self, curriculum_finished: bool, agent: Agent) -> None:
        """Record the state after an update of the current attempt."""
        self.finished |= curriculum_finished and agent.past_start

    def due(self, updates: int) -> bool:
        """The current attempt has had ``limit`` updates without finishing."""
        return bool(self.limit) and not self.finished and updates - self.start >= self.limit

    def begin(self, updates: int) -> int:
        """Start the next attempt after ``updates`` updates; its number (the seed of
        :func:`fresh_agent`)."""
        self.number += 1
        self.start, self.finished = updates, False
        return self.number


@dataclass
class TrainResult:
    """How a run ended."""

    status: str  #: "solved" or "budget"
    run_dir: Path
    table: dict[str, dict[str, float]]  #: the final generalisation table
    updates: int
    env_steps: int
    minutes: float
    restarts: int = 0  #: attempts given up (``restart_updates``)


class Trainer:
    """Trains one agent on one task under one curriculum.

    Args:
        cfg: the run's configuration.
        run_dir: the run folder (created; for ``resume`` it must hold a checkpoint).
        resume: continue from ``run_dir/checkpoint.pt``.
        progress: show a progress bar.
    """

    def __init__(
        self, cfg: RunConfig, run_dir: Path, resume: bool = False, progress: bool = True
    ) -> None:
        self.cfg = cfg
        self.run_dir = Path(run_dir)
        seed_everything(cfg.seed)
        self.algo = algorithm(cfg.algo)
        self.agent, self.data = make_agent(cfg)
        self.curriculum: Curriculum = make_curriculum(cfg.curriculum, **cfg.curriculum_kwargs)
        self.updates, self.env_steps, self.minutes_before = 0, 0, 0.0
        self.attempts = Attempts(cfg.restart_updates)
        if resume:
            self._restore()
        self.run_dir.mkdir(parents=True, exist_ok=True)
        write_json_atomic(self.run_dir / CONFIG_NAME, cfg.to_dict())
        self.log = RunLogger(
            self.run_dir, cfg.to_dict(), resume_step=self.env_steps if resume else None
        )
        total = cfg.max_steps
        self.progress = Progress(
            total, cfg.max_minutes, initial=self.env_steps, disable=not progress
        )

    # ----------------------------------------------------------------------------- state
    def meta(self) -> dict[str, Any]:
        """What a checkpoint records it was written for. On loading, the agent checks its own
        settings, knowing their defaults (:func:`agents.base.check_saved_config`)."""
        return {**_task_meta(self.cfg), "agent": self.cfg.agent}

    def _save(self) -> None:
        state = {
            "agent": self.agent.state_dict(),
            "curriculum": self.curriculum.state_dict(),
            "updates": self.updates,
            "env_steps": self.env_steps,
            "minutes": self.minutes(),
            "attempt": [self.attempts.number, self.attempts.start, self.attempts.finished],
            "rng": capture_rng_state(),
            "data": self.data.state_dict(),
        }
        save_checkpoint(self.run_dir / CHECKPOINT_NAME, state, self.meta())

    def _restore(self) -> None:
        state = load_checkpoint(
            self.run_dir / CHECKPOINT_NAME, _task_meta(self.cfg), map_location=str(self.cfg.device)
        )
        self.agent.load_state_dict(state["agent"])
        self.curriculum.load_state_dict(state["curriculum"])
        self.updates, self.env_steps = state["updates"], state["env_steps"]
        self.minutes_before = state["minutes"]
        # checkpoints from before restarts existed: their run was in its first attempt
        number, start, finished = state.get("attempt", [0, 0, self.curriculum.finished])
        self.attempts = Attempts(self.cfg.restart_updates, number, start, finished)
        restore_rng_state(state["rng"])
        self.data.load_state_dict(state["data"])

    def minutes(self) -> float:
        """Wall-clock minutes of training, earlier sessions of a resumed run included."""
        return self.minutes_before + self.progress.elapsed_minutes

    # ----------------------------------------------------------------------------- loop
    def evaluator(self, lengths: Any, episodes: int, seed: int | None = None) -> dict[int, float]:
        """Sequence accuracy at each length (greedy; ``seed`` picks the inputs, None the
        evaluation's fixed default): what curricula call."""
        fixed = {} if seed is None else {"seed": seed}
        table = self.algo.evaluate(
            self.agent, self.cfg.env, lengths, episodes, self.cfg.env_kwargs, **fixed
        )
        return {int(k): v["sequence_accuracy"] for k, v in table.items()}

    def out_of_budget(self) -> bool:
        """The step, update or time budget is spent."""
        cfg = self.cfg
        steps_done = cfg.max_steps is not None and self.env_steps >= cfg.max_steps
        updates_done = cfg.max_updates is not None and self.updates >= cfg.max_updates
        time_done = cfg.max_minutes is not None and self.minutes() >= cfg.max_minutes
        return steps_done or updates_done or time_done

    def restart(self) -> None:
        """Give the attempt up: a fresh agent, the curriculum from its start."""
        self.agent = fresh_agent(self.cfg, self.data, self.attempts.begin(self.updates))
        self.curriculum = make_curriculum(self.cfg.curriculum, **self.cfg.curriculum_kwargs)

    def solved(self, was_finished: bool) -> bool:
        """Held-out check on long inputs, run when the curriculum reaches its end."""
        cfg = self.cfg
        if not self.curriculum.finished:
            return False
        if was_finished and self.updates % cfg.checkpoint_every:
            return False  # finished earlier and failed: check again at the next checkpoint
        # new inputs at every check, so that checks are independent samples: one fixed set,
        # checked again every few updates, can be passed by selection while the program
        # still fails other inputs. In chunks, stopping at the first failure, so that a large
        # check (REINFORCE: 1000) costs its full size only for a program that is nearly exact
        checked, exact = 0, 0
        for i, start in enumerate(range(0, cfg.solve_episodes, SOLVE_CHUNK)):
            n = min(SOLVE_CHUNK, cfg.solve_episodes - start)
            seed = SOLVE_CHECK_SEED + self.updates + i * SOLVE_CHUNK_STRIDE
            accuracy = self.evaluator([cfg.solve_length], n, seed)[cfg.solve_length]
            checked, exact = checked + n, exact + round(accuracy * n)
            if accuracy < 1.0:
                break
        self.log.record("eval/solve_check_accuracy", exact / checked)
        self.log.record("eval/solve_check_sequences", checked)
        if exact == checked:
            return True
        self.curriculum.advance()
        return False

    def _train(self) -> str:
        """The update loop; returns "solved" or "budget"."""
        cfg = self.cfg
        start_steps, start_time = self.env_steps, time.monotonic()
        while not self.out_of_budget():
            # before the update, not after: a run never ends on (nor evaluates) a fresh agent,
            # and a resumed run restarts where the uninterrupted one would
            if self.attempts.due(self.updates):
                self.restart()
            self.data.set_length_distribution(self.curriculum.distribution())
            self.agent.curriculum_reached_end = self.attempts.finished
            metrics = self.agent.update(self.data)
            episodes = metrics.pop("episodes")
            self.updates += 1
            self.env_steps += metrics["rollout/steps"]
            was_finished = self.curriculum.finished
            self.curriculum.update(episodes, self.evaluator)
            self.attempts.note(self.curriculum.finished, self.agent)
            done = self.solved(was_finished)
            for key, value in metrics.items():
                self.log.record(key, value)
            self.log.record("curriculum/level", self.curriculum.level)
            self.log.record("curriculum/max_length", self.curriculum.max_length)
            rate = (self.env_steps - start_steps) / max(time.monotonic() - start_time, 1e-9)
            self.log.record("time/steps_per_second", rate)
            self.log.record("time/updates", self.updates)
            self.log.record("train/restarts", self.attempts.number)
            if self.updates % cfg.log_every == 0 and not (done or self.out_of_budget()):
                self.log.dump(self.env_steps)  # the last update's row also holds the evaluation
            self.progress.update(
                metrics["rollout/steps"],
                level=self.curriculum.level,
                acc=f"{metrics['rollout/sequence_accuracy']:.2f}",
            )
            if cfg.picture_every and self.updates % cfg.picture_every == 0:
                self._pictures([self.curriculum.max_length])
            if self.updates % cfg.checkpoint_every == 0:
                self._save()
            if done:
                return "solved"
        return "budget"

    def run(self) -> TrainResult:
        """Train until solved or out of budget; evaluate; write every file of the run folder."""
        cfg = self.cfg
        try:
            status = self._train()
        except NonFiniteError as err:
            self.progress.close()
            self.log.close()
            self._write_summary("diverged", error=str(err))
            raise
        self._save()
        self.progress.close()
        table = self.algo.evaluate(
            self.agent,
            cfg.env,
            cfg.eval_lengths,
            cfg.eval_episodes,
            cfg.env_kwargs,
            seed=TABLE_SEED,
        )
        for length, row in table.items():
            for key, value in row.items():
                if key != "episodes":  # accuracies, and bits per sequence for sequence models
                    self.log.record(f"eval/{key}_{length}", value)
        self.log.dump(self.env_steps)
        self._pictures(cfg.eval_lengths)
        self.log.close()
        write_json_atomic(self.run_dir / "eval.json", table)
        self._write_summary(status)
        return TrainResult(
            status,
            self.run_dir,
            table,
            self.updates,
            self.env_steps,
            round(self.minutes(), 3),
            self.attempts.number,
        )

    def _pictures(self, lengths: Any) -> None:
        """TensorBoard pictures (``pictures/length_<L>``) of what the agent does on one fixed
        instance per length, for algorithms that draw them."""
        if self.algo.trace is None:
            return
        cfg = self.cfg
        for length in lengths:
            trace = self.algo.trace(self.agent, cfg.env, cfg.env_kwargs, int(length), PICTURE_SEED)
            title = (
                f"{cfg.env} / {cfg.algo} / seed {cfg.seed}, length {length}, {self.updates} updates"
            )
            self.log.figure(f"pictures/length_{length}", trace_figure(trace, title), self.env_steps)

    def _write_summary(self, status: str, **extra: Any) -> None:
        """``summary.json``: why the run stopped, and how far it got."""
        summary = {
            "status": status,
            "updates": self.updates,
            "env_steps": self.env_steps,
            "minutes": round(self.minutes(), 3),
            "level": self.curriculum.level,  # where the length schedule stopped
            "restarts": self.attempts.number,
            "attempt_updates": self.updates - self.attempts.start,  # in the last attempt
            **extra,
        }
        write_json_atomic(self.run_dir / "summary.json", summary)


def format_table(table: dict[str, dict[str, float]]) -> str:
    """The generalisation table as aligned text."""
    lines = [f"{'length':>8} {'sequences exact':>16} {'symbols correct':>16} {'episodes':>9}"]
    for length, row in table.items():
        lines.append(
            f"{length:>8} {row['sequence_accuracy']:>16.1%} {row['symbol_accuracy']:>16.1%} "
            f"{row['episodes']:>9}"
        )
    return "\n".join(lines)


def _task_meta(cfg: RunConfig) -> dict[str, Any]:
    """What a checkpoint must have been written for to load into a run of ``cfg``."""
    return {"env": cfg.env, "algo": cfg.algo}


def load_agent(run_dir: str | Path, device: str | None = None) -> tuple[RunConfig, Agent]:
    """The configuration and the trained agent of a run folder (clear errors if broken)."""
    run_dir = Path(run_dir)
    cfg = RunConfig.from_file(run_dir / CONFIG_NAME)
    if device is not None:
        cfg.device = device
    agent, _ = make_agent(cfg, batch=1)
    state = load_checkpoint(
        run_dir / CHECKPOINT_NAME, _task_meta(cfg), map_location=str(cfg.device)
    )
    agent.load_state_dict(state["agent"])
    return cfg, agent


__all__ = ["Trainer", "TrainResult", "default_run_dir", "format_table", "load_agent", "make_agent"]
