"""Reload a trained run and measure how far its program generalises.

    python scripts/evaluate.py RUN_DIR --lengths 100 1000 10000
    python scripts/evaluate.py RUN_DIR --distribution adversarial   # arithmetic tasks
    python scripts/evaluate.py RUN_DIR --render 2 --lengths 8       # traces of the program
    python scripts/evaluate.py RUN_DIR --plot --lengths 10 20       # NTM: heads over time, PNG

Prints the generalisation table (share of fresh sequences solved exactly, share of symbols
correct, per length) and writes it to RUN_DIR/eval_<distribution>.json.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import gymnasium as gym

import rlntm  # noqa: F401  (registers the environments)
from agents.base import PolicyAgent
from envs import env_id
from rlntm.algorithms import algorithm
from rlntm.checkpoints import CheckpointError
from rlntm.plots import save_figure, trace_figure
from rlntm.run_log import write_json_atomic
from rlntm.training import format_table, load_agent


def parser() -> argparse.ArgumentParser:
    """The command line."""
    p = argparse.ArgumentParser(
        description="Evaluate a trained rlntm run across input lengths.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("run_dir", type=Path, help="run folder written by train_agent.py")
    p.add_argument("--lengths", type=int, nargs="+", default=[10, 100, 1000], help="test lengths")
    p.add_argument("--episodes", type=int, default=100, help="test sequences per length")
    p.add_argument(
        "--distribution",
        choices=["uniform", "adversarial"],
        default="uniform",
        help="input distribution (adversarial: carry chains, runs, zeros; arithmetic only)",
    )
    p.add_argument(
        "--render", type=int, default=0, metavar="N", help="print N traces (step-by-step agents)"
    )
    p.add_argument(
        "--plot",
        action="store_true",
        help="sequence models: draw inputs, outputs and head weightings of one test sequence "
        "per length as RUN_DIR/plot_<length>.png",
    )
    p.add_argument("--device", default=None, help="cpu or cuda (default: the run's)")
    p.add_argument("--seed", type=int, default=2024, help="seed of the test inputs")
    return p


def render_traces(agent: object, cfg: object, kwargs: dict, length: int, count: int) -> None:
    """Print ``count`` episodes of the greedy program, step by step."""
    env = gym.make(env_id(cfg.env), render_mode="ansi", **kwargs)
    for episode in range(count):
        obs, _ = env.reset(seed=episode, options={"length": length})
        state = agent.initial_state(1)
        print(env.render())
        done = False
        while not done:
            actions, state = agent.act(obs[None], state, explore=False)
            obs, _, terminated, truncated, info = env.step(actions[0])
            done = terminated or truncated
            print(env.render())
        print(f"episode {episode}: {info['end_reason']}\n")


def plot_pictures(agent: object, cfg: object, kwargs: dict, args: argparse.Namespace) -> None:
    """Save what the agent does on one test instance per length as RUN_DIR/plot_<L>.png."""
    trace = algorithm(cfg.algo).trace
    for length in args.lengths:
        title = f"{cfg.env} / {cfg.algo} / seed {cfg.seed}, length {length}"
        figure = trace_figure(trace(agent, cfg.env, kwargs, length, args.seed), title)
        print(f"picture: {save_figure(figure, args.run_dir / f'plot_{length}.png')}")


def main(argv: list[str] | None = None) -> int:
    """Evaluate; print and save the table."""
    args = parser().parse_args(argv)
    try:
        cfg, agent = load_agent(args.run_dir, args.device)
        kwargs = dict(cfg.env_kwargs)
        if args.distribution != "uniform":
            kwargs["distribution"] = args.distribution
        table = algorithm(cfg.algo).evaluate(
            agent, cfg.env, args.lengths, args.episodes, kwargs, seed=args.seed
        )
    except (ValueError, CheckpointError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if args.render and isinstance(agent, PolicyAgent):
        render_traces(agent, cfg, kwargs, min(args.lengths), args.render)
    elif args.render:
        print(f"--render shows step-by-step agents; {cfg.algo} is not one (try --plot)")
    if args.plot and algorithm(cfg.algo).trace is not None:
        plot_pictures(agent, cfg, kwargs, args)
    elif args.plot:
        print(f"--plot draws sequence models (ntm, lstm); {cfg.algo} is not one (try --render)")
    print(f"{cfg.env} / {cfg.algo} / seed {cfg.seed}, {args.distribution} inputs")
    print(format_table(table))
    write_json_atomic(args.run_dir / f"eval_{args.distribution}.json", table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
