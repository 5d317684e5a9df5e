"""Which variance-reduction techniques matter: REINFORCE with each one switched off in turn.

    OMP_NUM_THREADS=1 python scripts/ablate_reinforce.py --env Reverse --seeds 1 2 \\
        --max-steps 2000000

Every variant trains on the same seeds with the same budget in environment steps (so the result
does not depend on the machine's load), one run at a time. Prints a JSON line per run, then a
Markdown table: seeds solved, median updates to solve, and the curriculum level each seed
reached (the longest input length it had mastered; a graded measure where nothing is solved).
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

import rlntm  # noqa: F401  (registers the environments)
from rlntm.config import RunConfig
from rlntm.training import Trainer

#: every technique on, over any per-task default (Reverse defaults to no online baseline)
ALL_ON = {"causality": True, "online_baseline": True, "offline_baseline": True, "normalize": True}
OFF = {"causality": False, "online_baseline": False, "offline_baseline": False}
#: variant name -> the agent settings it changes from the defaults
VARIANTS = {
    "all on (default)": {},
    "no causality": {"causality": False},
    "no online baseline": {"online_baseline": False},
    "no offline baseline": {"offline_baseline": False},
    "no baselines": {"online_baseline": False, "offline_baseline": False},
    "no normalisation": {"normalize": False},
    "no entropy bonus": {"entropy": 0.0},
    "all off": {**OFF, "normalize": False, "entropy": 0.0},
}


def run(args: argparse.Namespace, name: str, seed: int) -> dict:
    """Train one variant on one seed; its outcome."""
    cfg = RunConfig(
        env=args.env,
        algo="reinforce",
        seed=seed,
        max_steps=args.max_steps,
        max_minutes=None,
        eval_lengths=[args.solve_length],
        eval_episodes=20,
        agent={"controller": args.controller, **ALL_ON, **VARIANTS[name]},
        solve_length=args.solve_length,
    )
    out = args.out / f"{args.env}__{name.replace(' ', '_')}__{seed}"
    trainer = Trainer(cfg, out, progress=False)
    result = trainer.run()
    return {
        "variant": name,
        "seed": seed,
        "solved": result.status == "solved",
        "updates": result.updates,
        "level": trainer.curriculum.level,
        "minutes": result.minutes,
    }


def table(rows: list[dict]) -> str:
    """The Markdown summary, one line per variant."""
    lines = [
        "| variant | seeds solved | median updates to solve | level reached per seed |",
        "| --- | --- | --- | --- |",
    ]
    for name in VARIANTS:
        mine = [r for r in rows if r["variant"] == name]
        if not mine:
            continue
        solved = [r["updates"] for r in mine if r["solved"]]
        median = statistics.median(solved) if solved else "-"
        levels = ", ".join(str(r["level"]) for r in mine)
        lines.append(f"| {name} | {len(solved)}/{len(mine)} | {median} | {levels} |")
    return "\n".join(lines)


def main() -> None:
    """Run every chosen variant on every seed; print JSON lines and the table."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--env", default="Reverse", help="task")
    p.add_argument("--controller", default="direct", help="lstm or direct")
    p.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    p.add_argument("--max-steps", type=int, default=2_000_000, help="env steps per run")
    p.add_argument("--solve-length", type=int, default=200, help="held-out length for solved")
    p.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=list(VARIANTS))
    p.add_argument("--out", type=Path, default=Path("runs/ablation"), help="folder for the runs")
    args = p.parse_args()
    rows = []
    for name in args.variants:
        for seed in args.seeds:
            rows.append(run(args, name, seed))
            print(json.dumps(rows[-1]), flush=True)
    print(table(rows))


if __name__ == "__main__":
    main()
