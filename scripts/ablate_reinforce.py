"""Which variance-reduction techniques matter: REINFORCE with each one switched off in turn.

    OMP_NUM_THREADS=1 python scripts/ablate_reinforce.py --env Reverse --seeds 1 2 3 4 5 \\
        --max-updates 3000 --jobs 2

Every variant starts from the agent's defaults for the task and changes only what its name
says; each seed is one ``train_agent.py`` run with the same budget in parameter updates (so
the result does not depend on the machine's load; ``--max-minutes`` is only a guard). A seed
counts as solved by the benchmark's rule (``rlntm/benchmark.py``, as in ``bench_agents.py``):
the run stopped by itself on a passed held-out check at length 1000 (up to 1000 sequences for
REINFORCE), and then all 100 fresh test sequences at 10, 100 and 1000 were exact. Prints a
JSON line per run and per variant, then a Markdown table: seeds solved, median and largest
updates to solve, and the curriculum level each seed ended at (a graded measure where nothing
is solved).
"""

from __future__ import annotations

import argparse
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from rlntm.benchmark import markdown, summarise, train_seed
from rlntm.config import RunConfig

#: every technique the agent has, off: the "all off" variant
ALL_OFF = {
    "causality": False,
    "online_baseline": False,
    "offline_baseline": False,
    "normalize": False,
    "entropy": 0.0,
}
#: variant name -> the agent settings it changes from the task's defaults
VARIANTS = {
    "default": {},
    "online baseline on": {"online_baseline": True},
    "no causality": {"causality": False},
    "no online baseline": {"online_baseline": False},
    "no offline baseline": {"offline_baseline": False},
    "no baselines": {"online_baseline": False, "offline_baseline": False},
    "no normalisation": {"normalize": False},
    "no entropy bonus": {"entropy": 0.0},
    "all off": ALL_OFF,
}


def run(args: argparse.Namespace, name: str, seed: int) -> dict:
    """Train one variant on one seed; its outcome."""
    out = args.out / f"{args.env}__{name.replace(' ', '_')}__{seed}"
    result = train_seed(
        args.env,
        "reinforce",
        seed,
        out,
        max_minutes=args.max_minutes,
        max_updates=args.max_updates,
        controller=args.controller,
        agent=VARIANTS[name],
    )
    return {"variant": name, **result}


def distinct(args: argparse.Namespace) -> list[str]:
    """The chosen variants, less those whose resolved settings equal an earlier one's (on
    Reverse the online baseline is off by default, so "no online baseline" is the default)."""
    kept: dict[str, str] = {}  # resolved settings -> first variant name
    for name in args.variants:
        agent = {**({"controller": args.controller} if args.controller else {}), **VARIANTS[name]}
        resolved = RunConfig(env=args.env, algo="reinforce", agent=agent).agent
        key = json.dumps(resolved, sort_keys=True)
        if key in kept:
            print(f"{name!r} is {kept[key]!r} on {args.env}: not run twice", flush=True)
        else:
            kept[key] = name
    return list(kept.values())


def main() -> None:
    """Run every chosen variant on every seed; print JSON lines and the table."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--env", default="Reverse", help="task")
    p.add_argument("--controller", default=None, help="lstm or direct (the task's default)")
    p.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    p.add_argument(
        "--max-updates", type=int, default=3000, help="budget per run in parameter updates (3000)"
    )
    p.add_argument("--max-minutes", type=float, default=60.0, help="guard per run in minutes (60)")
    p.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=list(VARIANTS))
    p.add_argument("--jobs", type=int, default=1, help="runs at once (one core each)")
    p.add_argument("--out", type=Path, default=Path("runs/ablation"), help="folder for the runs")
    args = p.parse_args()
    variants = distinct(args)
    jobs = [(name, seed) for name in variants for seed in args.seeds]
    results = []
    with ThreadPoolExecutor(args.jobs) as pool:
        for result in pool.map(lambda job: run(args, *job), jobs):
            results.append(result)
            print(json.dumps({k: v for k, v in result.items() if k != "table"}), flush=True)
    rows = []
    for name in variants:
        mine = [r for r in results if r["variant"] == name]
        rows.append({"variant": name, "agent": VARIANTS[name], **summarise(mine)})
        print(json.dumps(rows[-1]), flush=True)
    print(markdown(rows, [("variant", "variant")]))


if __name__ == "__main__":
    main()
