"""scripts/bench_ntm.py end to end with tiny budgets: the throughput rows, and the learning
benchmark's JSON line and held-out checks."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import torch

from agents.ntm import NTMConfig
from rlntm.config import RunConfig
from rlntm.curricula import make_curriculum
from tests.rlntm.script_loader import load_script


def test_throughput_rows_sweep_batches_then_memory_sizes(capsys):
    bench = load_script("bench_ntm")
    bench.main(["--batches", "2", "--memory-sizes", "16", "--length", "3", "--seconds", "0.2",
                "--warmup", "1"])  # fmt: skip
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["batch"], r["memory_size"]) for r in rows] == [(2, 128), (32, 16)]
    for row in rows:
        assert row["updates"] >= 1 and row["sequences_per_s"] > 0
        assert row["ms_per_step_per_cell"] > 0 and row["device"] == "cpu"


def test_learn_trains_exactly_the_budget_and_reports_each_check(capsys):
    bench = load_script("bench_ntm")
    agent = '{"batch_size": 4, "hidden": 8, "memory_size": 16}'
    bench.main(["--learn", "BitCopy", "--seeds", "3", "--sequences", "8", "--eval-every", "4",
                "--agent", agent])  # fmt: skip
    captured = capsys.readouterr()
    (row,) = [json.loads(line) for line in captured.out.splitlines()]
    assert (row["task"], row["seed"], row["sequences"]) == ("BitCopy", 3, 8)
    assert [n for n, _ in row["held_out_curve"]] == [4, 8]
    assert row["held_out_bits_per_sequence"] == row["held_out_curve"][-1][1] > 0
    assert row["agent"] == {"batch_size": 4, "hidden": 8, "memory_size": 16}
    assert set(row["eval"]) == {"10", "20", "30", "50", "120"}
    assert all(0 <= r["sequence_accuracy"] <= 1 for r in row["eval"].values())
    assert row["cpu_capability"] == torch.backends.cpu.get_cpu_capability()
    checks = [line for line in captured.err.splitlines() if "held-out" in line]
    assert checks[0].startswith("seed 3: 4 sequences, held-out") and len(checks) == 2
    for check in checks:  # the gradient norms of the updates since the last check, the lr
        norms = re.search(r"gradient norm median (\S+) max (\S+), lr (\S+)$", check)
        median, largest, lr = (float(value) for value in norms.groups())
        assert 0 < median <= largest and lr == NTMConfig().lr


def test_learn_reports_the_final_cost_on_a_held_out_set_of_its_own(capsys):
    bench = load_script("bench_ntm")
    cfg = RunConfig(env="BitCopy", algo="ntm")
    lengths = make_curriculum(cfg.curriculum, **cfg.curriculum_kwargs).distribution()
    checks = bench.held_out(cfg, lengths, 40, bench.CHECK_SEED)
    final = bench.held_out(cfg, lengths, 40, bench.FINAL_SEED)
    np.testing.assert_array_equal(checks.length, final.length)  # the same lengths,
    assert not np.array_equal(checks.inputs, final.inputs)  # other instances
    agent = '{"batch_size": 4, "hidden": 8, "memory_size": 16}'
    bench.main(["--learn", "BitCopy", "--seeds", "3", "--sequences", "8", "--eval-every", "4",
                "--final-size", "40", "--agent", agent])  # fmt: skip
    (row,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    final = row["final_held_out"]
    assert final["instances"] == 40  # 2 of each training length 1-20
    assert final["bits_per_sequence"] > 0 and final["standard_error"] > 0
    assert 0 <= final["wrong"] <= 1


def test_final_score_is_the_mean_its_standard_error_and_the_wrong_share():
    class Scored:  # evaluate_batch's per-instance results, fixed
        def evaluate_batch(self, batch):
            return {"bits": np.array([0.0, 0.0, 2.0, 6.0]), "solved": np.array([1, 1, 1, 0]) > 0}

    score = load_script("bench_ntm").final_score(Scored(), batch=None)
    # mean 2, sample standard deviation sqrt(24 / 3) = 2.828..., over sqrt(4)
    assert score == {"instances": 4, "bits_per_sequence": 2.0, "standard_error": 1.4142,
                     "wrong": 0.25}  # fmt: skip


def test_a_final_set_too_small_for_a_standard_error_is_a_usage_error(capsys):
    bench = load_script("bench_ntm")
    with pytest.raises(SystemExit) as stop:
        bench.main(["--learn", "BitCopy", "--final-size", "1"])
    assert stop.value.code == 2 and "--final-size must be at least 2" in capsys.readouterr().err


def test_learn_restarts_an_attempt_that_has_not_annealed(capsys):
    """``--restart-updates 2`` with a threshold no cost reaches: a fresh agent every 2 updates
    (8 sequences at batch 4), while the budget and the checks run on over the attempts."""
    bench = load_script("bench_ntm")
    agent = '{"batch_size": 4, "hidden": 8, "memory_size": 16, "anneal_below": 1e-9}'
    bench.main(["--learn", "BitCopy", "--seeds", "3", "--sequences", "20", "--eval-every", "4",
                "--restart-updates", "2", "--agent", agent])  # fmt: skip
    captured = capsys.readouterr()
    (row,) = [json.loads(line) for line in captured.out.splitlines()]
    assert (row["sequences"], row["restarts"]) == (20, 2)
    assert [n for n, _ in row["held_out_curve"]] == [4, 8, 12, 16, 20]
    restarts = [line for line in captured.err.splitlines() if "restart" in line]
    assert restarts == [
        "seed 3: restart 1 after 8 sequences",
        "seed 3: restart 2 after 16 sequences",
    ]


def test_a_bad_agent_setting_is_a_usage_error(capsys):
    bench = load_script("bench_ntm")
    with pytest.raises(SystemExit) as stop:
        bench.main(["--learn", "BitCopy", "--agent", "[1]"])
    assert stop.value.code == 2 and "--agent" in capsys.readouterr().err


def test_cuda_graphs_on_the_cpu_are_a_usage_error(capsys):
    bench = load_script("bench_ntm")
    with pytest.raises(SystemExit) as stop:
        bench.main(["--cuda-graph", "--batches", "2"])
    assert stop.value.code == 2
    assert "cuda_graph needs a CUDA device (--device cuda), got 'cpu'" in capsys.readouterr().err
