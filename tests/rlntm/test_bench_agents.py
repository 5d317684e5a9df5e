"""bench_agents.py's summary: seeds solved, minutes and updates over the solved seeds only."""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "bench_agents.py"
spec = importlib.util.spec_from_file_location("bench_agents", SCRIPT)
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)


def test_summary_counts_only_solved_seeds_and_prints_updates():
    args = argparse.Namespace(controller="direct", algo="reinforce", curriculum=None)
    results = [
        {"seed": 1, "solved": True, "minutes": 0.5, "updates": 300, "longest_exact": 1000},
        {"seed": 2, "solved": True, "minutes": 1.5, "updates": 900, "longest_exact": 1000},
        {"seed": 3, "solved": False, "minutes": 9.0, "updates": 20000, "longest_exact": 10},
    ]
    row = bench.summarise(args, "Reverse", results)
    assert row["seeds_solved"] == "2/3"
    assert (row["median_updates_to_solve"], row["max_updates_to_solve"]) == (600, 900)
    assert (row["median_minutes_to_solve"], row["max_minutes_to_solve"]) == (1.0, 1.5)
    assert row["longest_length_all_exact"] == 10
    table = bench.markdown([row]).splitlines()
    assert table[2] == "| Reverse | direct | 2/3 | 1.00 | 1.50 | 600 | 900 | 10 |"


def test_summary_of_no_solved_seed_prints_dashes():
    args = argparse.Namespace(controller="direct", algo="reinforce", curriculum=None)
    row = bench.summarise(args, "RepeatCopy", [{"seed": 1, "solved": False, "updates": 5}])
    assert row["seeds_solved"] == "0/1" and row["median_updates_to_solve"] is None
    assert (
        bench.markdown([row]).splitlines()[2] == "| RepeatCopy | direct | 0/1 | - | - | - | - | - |"
    )
