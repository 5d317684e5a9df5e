"""Benchmarks over seeds: one ``train_agent.py`` run per seed, what "solved" means, the summary.

Shared by ``scripts/bench_agents.py`` (tasks x seeds at the defaults) and
``scripts/ablate_reinforce.py`` (variants of the agent x seeds), so that both count a seed as
solved by the same rule: the run stopped by itself because its held-out check at the solve
length was all exact, and then every sequence of its final table was exact too.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TRAIN_SCRIPT = ROOT / "scripts" / "train_agent.py"

#: the columns every summary table ends with: header, summary key, format
STAT_COLUMNS = (
    ("seeds solved", "seeds_solved", ""),
    ("median min to solve", "median_minutes_to_solve", ".2f"),
    ("max", "max_minutes_to_solve", ".2f"),
    ("median updates to solve", "median_updates_to_solve", ".0f"),
    ("max", "max_updates_to_solve", ".0f"),
    ("longest length, all exact", "longest_length_all_exact", ""),
    ("level reached per seed", "levels", ""),
    ("restarts per seed", "restarts", ""),
)


def train_seed(
    env: str,
    algo: str,
    seed: int,
    out: Path,
    *,
    max_minutes: float,
    max_updates: int | None = None,
    restart_updates: int | None = None,
    controller: str | None = None,
    curriculum: str | None = None,
    agent: dict[str, Any] | None = None,
    eval_lengths: Sequence[int] = (10, 100, 1000),
) -> dict[str, Any]:
    """Train one seed in its own process; its outcome (``solved``, updates, minutes, table).

    ``agent`` holds settings over the algorithm's defaults for the task. A run that fails to
    start returns ``{"seed": seed, "error": [last line of its stderr]}``.
    """
    command = [
        sys.executable, str(TRAIN_SCRIPT),
        "--env", env, "--algo", algo, "--seed", str(seed),
        "--max-minutes", str(max_minutes), "--out", str(out), "--no-progress",
        "--eval-lengths", *map(str, eval_lengths),
    ]  # fmt: skip
    for flag, value in (
        ("--controller", controller),
        ("--curriculum", curriculum),
        ("--max-updates", max_updates),
        ("--restart-updates", restart_updates),
        ("--agent", json.dumps(agent) if agent else None),
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
        "level": summary.get("level"),
        "restarts": summary.get("restarts", 0),
        "longest_exact": max(exact, default=0),
        "table": table,
        "run_dir": str(out),
    }


def summarise(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Seeds solved; median and largest minutes and updates over the solved seeds only; the
    longest test length at which every seed was exact; the curriculum level and restarts of
    each seed."""
    minutes = [r["minutes"] for r in results if r.get("solved")]
    updates = [r["updates"] for r in results if r.get("solved")]
    return {
        "seeds_solved": f"{len(minutes)}/{len(results)}",
        "median_minutes_to_solve": statistics.median(minutes) if minutes else None,
        "max_minutes_to_solve": max(minutes, default=None),
        "median_updates_to_solve": statistics.median(updates) if updates else None,
        "max_updates_to_solve": max(updates, default=None),
        "longest_length_all_exact": min((r.get("longest_exact", 0) for r in results), default=0),
        "levels": ", ".join(str(r.get("level", "-")) for r in results),
        "restarts": ", ".join(str(r.get("restarts", "-")) for r in results),
    }


def markdown(rows: list[dict[str, Any]], labels: Sequence[tuple[str, str]]) -> str:
    """Summaries as a Markdown table: the ``labels`` columns (header, key) first, then
    :data:`STAT_COLUMNS`; a missing figure prints as ``-``."""
    columns = [*((header, key, "") for header, key in labels), *STAT_COLUMNS]
    lines = [
        "| " + " | ".join(header for header, _, _ in columns) + " |",
        "|" + "---|" * len(columns),
    ]
    for row in rows:
        cells = []
        for _, key, fmt in columns:
            value = row.get(key)
            cells.append("-" if value is None or value in (0, "") else format(value, fmt))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


__all__ = ["STAT_COLUMNS", "markdown", "summarise", "train_seed"]
