"""Agent benchmark: tasks over several seeds; seeds solved, time to solve, generalisation.

    python scripts/bench_agents.py --env Copy --seeds 1 2 3 4 5 --max-minutes 3
    python scripts/bench_agents.py --env Reverse --seeds 1 2 3 4 5 --max-minutes 15 --jobs 2
    python scripts/bench_agents.py --env Walk Addition --seeds 1 2 3 --max-minutes 6 --jobs 2
    python scripts/bench_agents.py --env ForwardReverse --algo reinforce --max-updates 20000 \
        --max-minutes 60

Each seed is one ``train_agent.py`` run (in its own process, ``--jobs`` at a time) with the
algorithm's defaults for the task (``--agent`` changes some); "solved" means the run stopped by
itself because every held-out sequence of the solve length (1000 for the RL agents, at least
20x the longest training length) was exact, and then every sequence of the final table (100
fresh ones per --eval-lengths) was exact too (``rlntm/benchmark.py``). Prints one JSON line per
seed and a summary line per task, then a Markdown table: task, controller, seeds solved, median
and largest minutes and parameter updates to solve, the longest test length at which every
seed was 100% exact, and the curriculum level and restarts (``--restart-updates``) of each seed.
"""

from __future__ import annotations

import argparse
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from rlntm.benchmark import markdown, summarise, train_seed
from rlntm.config import RunConfig, parse_agent_json

LABELS = (("task", "env"), ("controller", "controller"))


def run_seed(args: argparse.Namespace, env: str, seed: int) -> dict:
    """Train one seed of ``env``; its outcome and generalisation table."""
    return train_seed(
        env,
        args.algo,
        seed,
        args.out / f"{env}__{args.algo}__{seed}",
        max_minutes=args.max_minutes,
        max_updates=args.max_updates,
        restart_updates=args.restart_updates,
        controller=args.controller,
        curriculum=args.curriculum,
        agent=args.agent,
        eval_lengths=args.eval_lengths,
    )


def summary(args: argparse.Namespace, config: RunConfig, results: list[dict]) -> dict:
    """The task's summary line: what ran (``config``: the task's resolved settings), then
    :func:`rlntm.benchmark.summarise`."""
    return {
        "env": config.env,
        "algo": args.algo,
        "controller": args.controller or config.agent.get("controller"),
        "curriculum": args.curriculum or "default",
        "agent": args.agent,
        **summarise(results),
    }


def main(argv: list[str] | None = None) -> None:
    """Run the seeds of every task; print JSON lines, summaries and the Markdown table."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--env", nargs="+", default=["Copy"], help="tasks")
    p.add_argument("--algo", default="qlambda", help="algorithm")
    p.add_argument("--controller", default=None, help="controller (the task's default)")
    p.add_argument("--curriculum", default=None, help="length schedule (the task's default)")
    p.add_argument(
        "--agent",
        type=parse_agent_json,
        default={},
        metavar="JSON",
        help="agent settings over the task's defaults, e.g. '{\"entropy\": 0}'",
    )
    p.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    p.add_argument("--max-minutes", type=float, default=15.0, help="budget per seed")
    p.add_argument(
        "--max-updates", type=int, default=None, help="budget per seed in parameter updates"
    )
    p.add_argument(
        "--restart-updates",
        type=int,
        default=None,
        metavar="R",
        help="restart an attempt whose curriculum has not ended within R updates (0: never; "
        "default: the task's, see train_agent.py --help)",
    )
    p.add_argument("--eval-lengths", type=int, nargs="+", default=[10, 100, 1000])
    p.add_argument("--jobs", type=int, default=1, help="seeds trained at once (one core each)")
    p.add_argument("--out", type=Path, default=Path("runs/bench"), help="folder for the runs")
    args = p.parse_args(argv)
    configs = {}
    for env in args.env:  # a bad task, algorithm or setting stops here, before any seed runs
        try:
            configs[env] = RunConfig(
                env=env, algo=args.algo, agent=args.agent, restart_updates=args.restart_updates
            )
        except ValueError as error:
            p.error(str(error))
    summaries = []
    for env, config in configs.items():
        with ThreadPoolExecutor(args.jobs) as pool:
            results = list(pool.map(lambda s, e=env: run_seed(args, e, s), args.seeds))
        for row in results:
            print(json.dumps(row), flush=True)
        summaries.append(summary(args, config, results))
        print(json.dumps(summaries[-1]), flush=True)
    print(markdown(summaries, LABELS))


if __name__ == "__main__":
    main()
