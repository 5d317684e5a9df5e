"""Train an agent on an algorithmic task and print its generalisation table.

    python scripts/train_agent.py --env Reverse --algo qlambda
    python scripts/train_agent.py --resume runs/Reverse__qlambda__1__1763900000

The run stops by itself when the task is solved (the curriculum reached its end and every
held-out sequence of length --solve-length was exact) or when its budget runs out, and says
which. Everything lands in the run folder (see rlntm.training).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import rlntm  # noqa: F401  (registers the environments)
from agents.base import NonFiniteError
from rlntm.algorithms import ALGORITHMS
from rlntm.checkpoints import CheckpointError
from rlntm.config import RunConfig, parse_agent_json
from rlntm.curricula import CURRICULA
from rlntm.training import CONFIG_NAME, Trainer, default_run_dir, format_table

#: every controller some algorithm offers; each algorithm's config checks its own
CONTROLLERS = ("gru", "lstm", "ff", "direct")


def parser() -> argparse.ArgumentParser:
    """The command line; every flag documented in --help."""
    p = argparse.ArgumentParser(
        description="Train an agent on an algorithmic task (rlntm). Flags left out take the "
        "algorithm's defaults for the task (rlntm/algorithms.py), or the saved config's.",
    )
    tasks = sorted({task for algo in ALGORITHMS.values() for task in algo.tasks})
    p.add_argument("--env", choices=tasks, default=None, help="task (default Reverse)")
    p.add_argument(
        "--algo", choices=sorted(ALGORITHMS), default=None, help="learning algorithm (qlambda)"
    )
    p.add_argument("--seed", type=int, default=None, help="random seed (default 1)")
    p.add_argument("--device", default=None, help="cpu or cuda (default cpu)")
    p.add_argument(
        "--controller",
        choices=CONTROLLERS,
        default=None,
        help="controller (default per algorithm and task: qlambda ff for Reverse, gru otherwise)",
    )
    p.add_argument(
        "--curriculum",
        choices=sorted(CURRICULA),
        default=None,
        help="length schedule (default per algorithm and task: zaremba for qlambda on Copy, "
        "none for ntm and lstm, rlntm otherwise)",
    )
    p.add_argument(
        "--agent",
        type=parse_agent_json,
        default=None,
        metavar="JSON",
        help="agent settings over the defaults (or the saved config's), as a JSON object, "
        "e.g. '{\"entropy\": 0}'; --controller wins over a controller given here",
    )
    p.add_argument("--max-steps", type=int, default=None, help="budget in environment steps")
    p.add_argument(
        "--max-updates", type=int, default=None, help="budget in parameter updates (none)"
    )
    p.add_argument("--max-minutes", type=float, default=None, help="budget in minutes (20)")
    p.add_argument(
        "--restart-updates",
        type=int,
        default=None,
        metavar="R",
        help="start the agent afresh when its curriculum has not reached the end (the "
        "sequence models: their cost has not fallen under the lr's first anneal threshold) "
        "within R updates of its start; the budget runs on (0: never; default per algorithm "
        "and task: 2000 for reinforce on Reverse, 4000 on ForwardReverse and RepeatCopy, 2500 "
        "for ntm on AssociativeRecall, else 0)",
    )
    p.add_argument(
        "--eval-lengths", type=int, nargs="+", default=None, help="test lengths (10 100 1000)"
    )
    p.add_argument("--out", type=Path, default=None, help="run folder (runs/{env}__{algo}__...)")
    p.add_argument("--resume", type=Path, default=None, metavar="RUN_DIR", help="continue a run")
    p.add_argument("--config", type=Path, default=None, metavar="FILE", help="saved config.json")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    return p


def resolve(args: argparse.Namespace) -> RunConfig:
    """The run's configuration: --config or the resumed run's, then the flags given."""
    overrides = {
        key: value
        for key, value in (
            ("env", args.env),
            ("algo", args.algo),
            ("seed", args.seed),
            ("device", args.device),
            ("curriculum", args.curriculum),
            ("max_steps", args.max_steps),
            ("max_updates", args.max_updates),
            ("max_minutes", args.max_minutes),
            ("restart_updates", args.restart_updates),
            ("eval_lengths", args.eval_lengths),
        )
        if value is not None
    }
    agent = {**(args.agent or {}), **({"controller": args.controller} if args.controller else {})}
    if agent:
        overrides["agent"] = agent
    source = args.config or (args.resume / CONFIG_NAME if args.resume else None)
    if source is not None:
        return RunConfig.from_file(source, **overrides)
    return RunConfig(**overrides)


def main(argv: list[str] | None = None) -> int:
    """Train; print the generalisation table and why the run stopped."""
    args = parser().parse_args(argv)
    try:
        cfg = resolve(args)
        run_dir = args.resume or args.out or default_run_dir(cfg)
        trainer = Trainer(
            cfg, run_dir, resume=args.resume is not None, progress=not args.no_progress
        )
    except (ValueError, CheckpointError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"run folder: {run_dir}")
    print(f"config: {dataclasses.asdict(cfg)}")
    try:
        result = trainer.run()
    except NonFiniteError as err:
        print(f"\nerror: training diverged: {err}", file=sys.stderr)
        return 1
    why = "solved" if result.status == "solved" else "budget spent, not solved"
    print(
        f"\n{cfg.env} / {cfg.algo} / seed {cfg.seed}: {why} after {result.updates} updates, "
        f"{result.env_steps} env steps, {result.minutes:.1f} min"
        + (f", {result.restarts} restarts" if result.restarts else "")
    )
    print(format_table(result.table))
    return 0


if __name__ == "__main__":
    sys.exit(main())
