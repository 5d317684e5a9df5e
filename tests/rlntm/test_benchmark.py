"""The benchmark summaries (rlntm/benchmark.py): seeds solved, minutes and updates over the
solved seeds only; one seed trained end to end; the ablation's variants."""

from __future__ import annotations

import argparse
import json

import pytest

from rlntm.benchmark import markdown, summarise, train_seed
from tests.rlntm.script_loader import load_script


def test_summary_counts_only_solved_seeds_and_prints_updates():
    keys = ("seed", "solved", "minutes", "updates", "longest_exact", "level", "restarts")
    results = [
        dict(zip(keys, (1, True, 0.5, 300, 1000, 21, 0), strict=True)),
        dict(zip(keys, (2, True, 1.5, 900, 1000, 22, 2), strict=True)),
        dict(zip(keys, (3, False, 9.0, 20000, 10, 19, 9), strict=True)),
    ]
    row = summarise(results)
    assert row["seeds_solved"] == "2/3"
    assert (row["median_updates_to_solve"], row["max_updates_to_solve"]) == (600, 900)
    assert (row["median_minutes_to_solve"], row["max_minutes_to_solve"]) == (1.0, 1.5)
    assert row["longest_length_all_exact"] == 10 and row["levels"] == "21, 22, 19"
    assert row["restarts"] == "0, 2, 9"
    table = markdown(
        [{"env": "Reverse", "controller": "direct", **row}],
        [("task", "env"), ("controller", "controller")],
    )
    header, rule, line = table.splitlines()
    assert header.startswith("| task | controller | seeds solved |") and rule.count("---") == 10
    assert (
        line == "| Reverse | direct | 2/3 | 1.00 | 1.50 | 600 | 900 | 10 | 21, 22, 19 | 0, 2, 9 |"
    )


def test_summary_of_no_solved_seed_prints_dashes():
    row = summarise([{"seed": 1, "solved": False, "updates": 5, "level": 3}])
    assert row["seeds_solved"] == "0/1" and row["median_updates_to_solve"] is None
    line = markdown([{"variant": "all off", **row}], [("variant", "variant")]).splitlines()[2]
    assert line == "| all off | 0/1 | - | - | - | - | - | 3 | - |"


def test_train_seed_runs_train_agent_with_the_agent_settings(tmp_path):
    out = tmp_path / "run"
    result = train_seed(
        "Copy", "reinforce", 2, out, max_minutes=1.0, max_updates=2,
        agent={"hidden": 8, "batch_size": 4, "entropy": 0.0}, eval_lengths=(3,),
    )  # fmt: skip
    assert (result["solved"], result["updates"], result["level"]) == (False, 2, 2)
    assert set(result["table"]) == {"3"}
    agent = json.loads((out / "config.json").read_text())["agent"]
    assert (agent["hidden"], agent["entropy"]) == (8, 0.0)
    failed = train_seed("Copy", "reinforce", 2, tmp_path / "bad", max_minutes=1.0, agent={"x": 1})
    assert "unknown reinforce settings ['x']" in failed["error"][0]


def test_ablation_runs_each_distinct_setting_once():
    ablate = load_script("ablate_reinforce")
    args = argparse.Namespace(env="Reverse", controller=None, variants=list(ablate.VARIANTS))
    kept = ablate.distinct(args)
    # Reverse's default has no online baseline: switching it off again is the default itself
    assert "no online baseline" not in kept and "no baselines" not in kept
    assert kept[:2] == ["default", "online baseline on"] and "all off" in kept
    args.env = "Copy"  # Copy's default has it: here "on" is the default
    assert "online baseline on" not in ablate.distinct(args)
    assert "no online baseline" in ablate.distinct(args)


def test_bench_agents_rejects_a_bad_setting_or_task_before_any_seed_runs(tmp_path, capsys):
    bench = load_script("bench_agents")
    for argv, message in (
        (["--env", "Copy", "--agent", '{"bogus": 1}'], "unknown reinforce settings ['bogus']"),
        (["--env", "Copy", "Nope"], "unknown env 'Nope' for algo 'reinforce'"),
    ):
        with pytest.raises(SystemExit) as stop:
            bench.main([*argv, "--algo", "reinforce", "--out", str(tmp_path)])
        assert stop.value.code == 2 and message in capsys.readouterr().err
    assert not any(tmp_path.iterdir())  # no seed was trained
