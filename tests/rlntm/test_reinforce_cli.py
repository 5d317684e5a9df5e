"""The REINFORCE agent through the training core: the command end to end, resume, learning."""

from __future__ import annotations

import json

from rlntm.config import RunConfig
from rlntm.training import Trainer
from tests.rlntm.test_training import (
    EVALUATE,
    REINFORCE_TINY,
    SMALL,
    assert_run_folder,
    cli,
    write_config,
)


def test_tiny_run_writes_every_file_and_evaluates(tmp_path):
    out = tmp_path / "run"
    config = write_config(tmp_path / "c.json", **REINFORCE_TINY, max_steps=1500)
    result = cli("--config", config, "--out", out, "--no-progress", "--controller", "direct")
    assert "sequences exact" in result.stdout
    assert set(assert_run_folder(out)) == {"4", "8"}
    saved = json.loads((out / "config.json").read_text())
    assert saved["agent"]["controller"] == "direct" and saved["env_kwargs"]["stay"] is True
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert {"train/policy_loss", "train/offline_baseline_loss", "rollout/return"} <= set(rows[0])
    evaluated = cli(out, "--lengths", 5, script=EVALUATE)
    assert "sequences exact" in evaluated.stdout


def test_forward_reverse_trains_with_the_environment_memory(tmp_path):
    out = tmp_path / "run"
    agent = {**REINFORCE_TINY["agent"], "memory": "env"}
    config = write_config(
        tmp_path / "c.json",
        **{**REINFORCE_TINY, "agent": agent},
        env="ForwardReverse",
        max_steps=600,
    )
    cli("--config", config, "--out", out, "--no-progress")
    assert json.loads((out / "summary.json").read_text())["updates"] >= 1


def test_reinforce_learns_copy_in_a_fixed_budget(tmp_path):
    changes = {
        "algo": "reinforce",
        "seed": 1,
        "agent": {"hidden": 32, "batch_size": 32},
        "curriculum_kwargs": {"lengths": [2, 6]},
        "max_steps": 200_000,
        "eval_lengths": [10, 30],
        "eval_episodes": 50,
        "solve_length": 30,
        "solve_episodes": 20,
    }
    cfg = RunConfig(**{**SMALL, **changes})
    result = Trainer(cfg, tmp_path / "copy", progress=False).run()
    assert result.status == "solved"
    assert result.table["10"]["sequence_accuracy"] == 1.0
    assert result.table["30"]["sequence_accuracy"] >= 0.95  # 20 held-out were all exact
