"""Training speed of the NTM (sequences per second), and learning in a fixed budget of
sequences; JSON lines.

    python scripts/bench_ntm.py                       # CPU: batch sizes, then memory sizes
    python scripts/bench_ntm.py --device cuda --batches 32 1024 4096
    python scripts/bench_ntm.py --compile             # torch.compile the step function
    python scripts/bench_ntm.py --device cuda --cuda-graph --batches 4096 8192
    python scripts/bench_ntm.py --learn BitCopy --seeds 1 2 3 --sequences 10000
    python scripts/bench_ntm.py --learn Reverse --algo lstm --agent '{"layers": 1}'

``--learn`` trains with the task's default settings (those of ``train_agent.py``) for exactly
``--sequences`` sequences, without the trainer's early stop when solved. Every
``--eval-every`` sequences it scores a fixed held-out set: about 500 instances with the
training lengths in the training proportions (BitCopy: 25 of each length 1-20), the same for
every seed and setting. Each check goes to stderr, with the median and largest gradient norm
since the last check and the lr (and with ``select_every``, which makes the checks score the
weights selected on a validation set of their own, the trained weights' cost beside). At the
end it prints the last held-out cost (bits per sequence), the first sequence count where the
held-out cost was under 0.1 bits, the held-out curve, the generalisation table, and the cost
on a larger final held-out set (``--final-size``, 10,000 instances of the training lengths,
another seed) with its standard error and the share of instances not exactly right: the
final figure to read. The cost of a nearly solved model is a few rare, confidently wrong
instances (on AssociativeRecall up to 180 bits each), so 500 instances put it anywhere from 0
to several tenths of a bit by the luck of the draw. (The
training cost alone, a mean over batches drawn while the weights change, is noisy and lags;
the held-out cost is what the convergence figure uses.) A run repeats to the digit on one
machine, but PyTorch picks its CPU kernels by the vector instructions there
(``cpu_capability`` in the JSON: AVX2, AVX512), and their rounding changes the curves of a
task as chaotic as AssociativeRecall within a few thousand sequences;
``ATEN_CPU_CAPABILITY=avx2`` selects the AVX2 kernels on an AVX512 machine.

The workload is the issue's: BitCopy at length 20 (41 steps a sequence), N = 128, M = 20, an
LSTM controller of 100 units, one read and one write head; one training update (forward,
backward through time, optimiser step) per timed batch. Each row is timed for ``--seconds``
after ``--warmup`` updates (compilation happens there). The first sweep varies the batch size
at N = 128, the second the memory size at batch 32; ``ms_per_step_per_cell`` shows how the cost
of one step grows with N. Run it on an idle machine: other processes change the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np
import torch

from agents.cuda_graphs import require_cuda
from agents.ntm import NTMConfig
from agents.sequence_learner import SequenceLearner
from envs.lengths import LengthDistribution
from envs.sequences import SequenceBatch, make_sequence_task
from rlntm.config import RunConfig, parse_agent_json
from rlntm.curricula import make_curriculum
from rlntm.seeding import seed_everything
from rlntm.supervised import SequenceData, build_ntm, evaluate_sequences
from rlntm.training import TABLE_SEED, Attempts, fresh_agent, make_agent


def parser() -> argparse.ArgumentParser:
    """The command line."""
    p = argparse.ArgumentParser(
        description="NTM training throughput (sequences per second).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--device", default="cpu", help="cpu or cuda")
    p.add_argument("--batches", type=int, nargs="+", default=[1, 32, 256, 1024])
    p.add_argument("--memory-sizes", type=int, nargs="+", default=[64, 128, 256, 512, 1024, 2048])
    p.add_argument("--length", type=int, default=20, help="BitCopy length (2L+1 steps)")
    p.add_argument("--compile", action="store_true", help="torch.compile the step function")
    p.add_argument(
        "--cuda-graph",
        action="store_true",
        help="replay forward and backward from CUDA graphs (with --device cuda)",
    )
    p.add_argument("--seconds", type=float, default=5.0, help="timed seconds per row")
    p.add_argument("--warmup", type=int, default=2, help="untimed updates per row")
    p.add_argument("--learn", metavar="TASK", help="learning benchmark on TASK instead")
    p.add_argument("--algo", default="ntm", help="with --learn: ntm or lstm")
    p.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3], help="with --learn")
    p.add_argument("--sequences", type=int, default=10_000, help="with --learn: the budget")
    p.add_argument(
        "--agent", type=parse_agent_json, default={}, help="with --learn: settings, JSON"
    )
    p.add_argument(
        "--restart-updates",
        type=int,
        default=None,
        help="with --learn: restart an attempt not past its start within R updates (0: never; "
        "default: the task's)",
    )
    p.add_argument(
        "--eval-every",
        type=int,
        default=500,
        help="with --learn: held-out period (each check printed to stderr)",
    )
    p.add_argument(
        "--final-size",
        type=int,
        default=10_000,
        help="with --learn: instances of the final held-out set that scores the model at the "
        "end (a nearly solved model's rare confident errors cost up to about 180 bits each, "
        "so 500 instances estimate its cost poorly)",
    )
    return p


def measure(args: argparse.Namespace, batch: int, memory_size: int) -> dict:
    """Train for ``args.seconds``; the throughput row for one batch and memory size."""
    torch.manual_seed(0)
    data = SequenceData("BitCopy", {}, batch, seed=0)
    data.set_length_distribution(args.length)
    config = NTMConfig(
        batch_size=batch,
        memory_size=memory_size,
        controller="lstm",
        hidden=100,
        compile=args.compile,
        cuda_graph=args.cuda_graph,
    )
    agent = build_ntm(config, data, 0, args.device)
    for _ in range(args.warmup):
        agent.update(data)
    sync = torch.cuda.synchronize if args.device.startswith("cuda") else (lambda: None)
    sync()
    start, updates = time.perf_counter(), 0
    while time.perf_counter() - start < args.seconds:
        agent.update(data)
        updates += 1
    sync()
    seconds = time.perf_counter() - start
    steps = 2 * args.length + 1
    return {
        "device": args.device,
        "compile": args.compile,
        "cuda_graph": args.cuda_graph,
        "batch": batch,
        "memory_size": memory_size,
        "sequences_per_s": round(updates * batch / seconds, 1),
        "ms_per_step_per_cell": round(1e3 * seconds / (updates * steps) / memory_size, 6),
        "updates": updates,
        "threads": torch.get_num_threads(),
        "load_average": round(os.getloadavg()[0], 2),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
    }


#: the seeds of the held-out sets: the checks' (500 instances) and the final one's
CHECK_SEED, FINAL_SEED = 4242, 4243


def held_out(
    cfg: RunConfig, distribution: LengthDistribution, size: int = 500, seed: int = CHECK_SEED
) -> SequenceBatch:
    """A fixed held-out batch of about ``size`` instances of ``cfg.env``, the training lengths
    in their training proportions (drawn from ``seed``: the same for every run)."""
    counts = np.maximum(1, np.round(size * distribution.probs)).astype(np.int64)
    keep = distribution.probs > 0
    lengths = np.repeat(distribution.lengths[keep], counts[keep])  # (about size,)
    task = make_sequence_task(cfg.env, **cfg.env_kwargs)
    return task.sample(np.random.default_rng(seed), lengths)


def final_score(agent: SequenceLearner, batch: SequenceBatch) -> dict:
    """The evaluated weights' cost on ``batch``: mean bits per sequence, its standard error,
    and the share of instances not exactly right."""
    result = agent.evaluate_batch(batch)
    bits, solved = result["bits"], result["solved"]  # (n,), (n,)
    return {
        "instances": len(bits),
        "bits_per_sequence": round(float(bits.mean()), 4),
        "standard_error": round(float(bits.std(ddof=1) / np.sqrt(len(bits))), 4),
        "wrong": round(float(1 - solved.mean()), 5),
    }


def learn(args: argparse.Namespace, seed: int) -> dict:
    """Train one seed for ``args.sequences`` sequences; its held-out costs and generalisation
    table."""
    cfg = RunConfig(
        env=args.learn,
        algo=args.algo,
        seed=seed,
        device=args.device,
        agent=args.agent,
        restart_updates=args.restart_updates,
    )
    seed_everything(seed)
    agent, data = make_agent(cfg)
    distribution = make_curriculum(cfg.curriculum, **cfg.curriculum_kwargs).distribution()
    data.set_length_distribution(distribution)
    fixed = held_out(cfg, distribution)
    curve: list[tuple[int, float]] = []
    converged, start, next_eval = None, time.perf_counter(), args.eval_every
    norms: list[float] = []  # the gradient norms (before clipping) since the last check
    # the sequences and updates of every attempt (a restart's agent counts from 0)
    attempts, updates, earlier = Attempts(cfg.restart_updates), 0, 0
    while earlier + agent.sequences < args.sequences:
        if attempts.due(updates):  # before the update: the budget never ends on a fresh agent
            earlier += agent.sequences
            agent = fresh_agent(cfg, data, attempts.begin(updates))
            print(
                f"seed {seed}: restart {attempts.number} after {earlier} sequences",
                file=sys.stderr,
                flush=True,
            )
        metrics = agent.update(data)
        updates += 1
        norms.append(metrics["train/grad_norm"])
        sequences = earlier + agent.sequences
        if sequences >= min(next_eval, args.sequences):
            next_eval += args.eval_every
            bits = float(agent.evaluate_batch(fixed)["bits"].mean())
            curve.append((sequences, round(bits, 3)))
            if converged is None and bits < 0.1:
                converged = sequences
            trained = ""  # with select_every: what the weights as trained score beside
            if agent.evaluated is not agent.current:
                current = agent.evaluate_batch(fixed, agent.current)["bits"].mean()
                trained = f" (trained weights {current:.3f}; selected at validation "
                trained += f"{agent.selected_bits:.3f})"
            print(
                f"seed {seed}: {sequences} sequences, held-out {bits:.3f} bits{trained}, "
                f"gradient norm median {np.median(norms):.2g} max {max(norms):.2g}, "
                f"lr {metrics['train/lr']:.2g}",
                file=sys.stderr,
                flush=True,
            )
            norms.clear()
        attempts.note(True, agent)  # the lengths are fixed: no curriculum to finish
    minutes = (time.perf_counter() - start) / 60
    final = final_score(agent, held_out(cfg, distribution, args.final_size, FINAL_SEED))
    table = evaluate_sequences(
        agent, cfg.env, cfg.eval_lengths, 100, cfg.env_kwargs, seed=TABLE_SEED
    )
    return {
        "task": cfg.env,
        "algo": cfg.algo,
        "seed": seed,
        "sequences": earlier + agent.sequences,
        "restarts": attempts.number,
        "held_out_bits_per_sequence": curve[-1][1],
        "final_held_out": final,
        "sequences_to_under_0.1_bits": converged,
        "minutes": round(minutes, 2),
        "load_average": round(os.getloadavg()[0], 2),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "agent": {k: v for k, v in cfg.agent.items() if k in args.agent},
        "eval": {
            length: {k: round(v, 4) for k, v in row.items() if k != "episodes"}
            for length, row in table.items()
        },
        "held_out_curve": curve,
    }


def main(argv: list[str] | None = None) -> int:
    """Print one JSON line per configuration (or per seed, with ``--learn``)."""
    p = parser()
    args = p.parse_args(argv)
    if args.cuda_graph:
        try:
            require_cuda(args.device)
        except (ValueError, RuntimeError) as err:  # RuntimeError: not a device name at all
            p.error(str(err))
    if args.learn:
        if args.final_size < 2:
            p.error(
                f"--final-size must be at least 2 (for a standard error), got {args.final_size}"
            )
        for seed in args.seeds:
            print(json.dumps(learn(args, seed)), flush=True)
        return 0
    rows = [(batch, 128) for batch in args.batches]
    rows += [(32, n) for n in args.memory_sizes if n != 128 or 32 not in args.batches]
    for batch, memory_size in rows:
        print(json.dumps(measure(args, batch, memory_size)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
