"""Agent benchmark: tasks over several seeds; seeds solved, time to solve, generalisation.

    python scripts/bench_agents.py --env Copy --seeds 1 2 3 4 5 --max-minutes 3
    python scripts/bench_agents.py --env Reverse --seeds 1 2 3 4 5 --max-minutes 15 --jobs 2
    python scripts/bench_agents.py --env Walk Addition --seeds 1 2 3 --max-minutes 6 --jobs 2
    python scripts/bench_agents.py --env ForwardReverse --algo reinforce --max-updates 20000 \
        --max-minutes 60

Each seed is one ``train_agent.py`` run (in its own process, ``--jobs`` at a time) with the
algorithm's defaults for the task; "solved" means the run stopped by itself because every
held-out sequence of the solve length (1000 for the RL agents, at least 20x the longest
training length) was exact, and then every sequence of the final table (100 fresh ones per
--eval-lengths) was exact too. Prints one JSON line per seed and a summary line per task, then
a Markdown table: task, controller, seeds solved, median and largest minutes and parameter
updates to solve, and the longest test length at which every seed was 100% exact.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from rlntm.config import RunConfig

ROOT = Path(__file__).resolve().parents[1]


def run_seed(args: argparse.Namespace, env: str, seed: int) -> dict:
    """Train one seed; return its summary and generalisation table."""
    out = args.out / f"{env}__{args.algo}__{seed}"
    command = [
        sys.executable,
        str(ROOT / "scripts" / "train_agent.py"),
        "--env", env, "--algo", args.algo, "--seed", str(seed),
        "--max-minutes", str(args.max_minutes), "--out", str(out), "--no-progress",
        "--eval-lengths", *map(str, args.eval_lengths),
    ]  # fmt: skip
    for flag, value in (
        ("--controller", args.controller),
        ("--curriculum", args.curriculum),
        ("--max-updates", args.max_updates),
    ):
        if value is not None:
            command += [flag, str(value)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        return {"seed": seed, "error": done.stderr.strip().splitlines()[-1:]}
    summary = json.loads((out / "summary.json").read_text())
    table = json.loads((out / "eval.json").read_text())
    exact = [int(k) for k, v in table.items() if v["sequence_accuracy"] == 1.0]
    return {
        "seed": seed,
        # stopped by its own solve check, and every final test sequence exact as well
        "solved": summary["status"] == "solved" and len(exact) == len(table),
        "minutes": summary["minutes"],
        "updates": summary["updates"],
        "env_steps": summary["env_steps"],
        "longest_exact": max(exact, default=0),
        "table": table,
        "run_dir": str(out),
    }


def summarise(args: argparse.Namespace, env: str, results: list[dict]) -> dict:
    """Seeds solved, minutes and updates to solve, longest length every seed got 100% exact."""
    controller = args.controller or RunConfig(env=env, algo=args.algo).agent.get("controller")
    minutes = [r["minutes"] for r in results if r.get("solved")]
    updates = [r["updates"] for r in results if r.get("solved")]
    return {
        "env": env,
        "algo": args.algo,
        "controller": controller,
        "curriculum": args.curriculum or "default",
        "seeds_solved": f"{len(minutes)}/{len(results)}",
        "median_minutes_to_solve": statistics.median(minutes) if minutes else None,
        "max_minutes_to_solve": max(minutes, default=None),
        "median_updates_to_solve": statistics.median(updates) if updates else None,
        "max_updates_to_solve": max(updates, default=None),
        "longest_length_all_exact": min((r.get("longest_exact", 0) for r in results), default=0),
    }


def markdown(rows: list[dict]) -> str:
    """The summaries as a Markdown table."""
    lines = [
        "| task | controller | seeds solved | median min to solve | max "
        "| median updates to solve | max | longest length, all exact |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        cells = [r["env"], r["controller"], r["seeds_solved"]]
        for key, fmt in (("minutes", ".2f"), ("updates", ".0f")):
            for stat in ("median", "max"):
                value = r[f"{stat}_{key}_to_solve"]
                cells.append("-" if value is None else format(value, fmt))
        cells.append(r["longest_length_all_exact"] or "-")
        lines.append("| " + " | ".join(map(str, cells)) + " |")
    return "\n".join(lines)


def main() -> None:
    """Run the seeds of every task; print JSON lines, summaries and the Markdown table."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--env", nargs="+", default=["Copy"], help="tasks")
    p.add_argument("--algo", default="qlambda", help="algorithm")
    p.add_argument("--controller", default=None, help="controller (the task's default)")
    p.add_argument("--curriculum", default=None, help="length schedule (the task's default)")
    p.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    p.add_argument("--max-minutes", type=float, default=15.0, help="budget per seed")
    p.add_argument(
        "--max-updates", type=int, default=None, help="budget per seed in parameter updates"
    )
    p.add_argument("--eval-lengths", type=int, nargs="+", default=[10, 100, 1000])
    p.add_argument("--jobs", type=int, default=1, help="seeds trained at once (one core each)")
    p.add_argument("--out", type=Path, default=Path("runs/bench"), help="folder for the runs")
    args = p.parse_args()
    summaries = []
    for env in args.env:
        with ThreadPoolExecutor(args.jobs) as pool:
            results = list(pool.map(lambda s, e=env: run_seed(args, e, s), args.seeds))
        for row in results:
            print(json.dumps(row), flush=True)
        summaries.append(summarise(args, env, results))
        print(json.dumps(summaries[-1]), flush=True)
    print(markdown(summaries))


if __name__ == "__main__":
    main()
