"""The NTM and LSTM through the training command: files, resume, a NaN stop, pictures."""

from __future__ import annotations

import json

import pytest
import torch

from agents.sequence_learner import NonFiniteError
from rlntm.checkpoints import load_checkpoint
from rlntm.config import RunConfig
from rlntm.training import Trainer
from tests.rlntm.test_training import (
    EVALUATE,
    assert_run_folder,
    assert_same_state,
    cli,
    final_state,
)

TINY = {
    "algo": "ntm",
    "env": "BitCopy",
    "seed": 2,
    "max_steps": 600,
    "max_minutes": None,
    "eval_lengths": [3, 6],
    "eval_episodes": 8,
    "solve_length": 6,
    "solve_episodes": 4,
    "checkpoint_every": 3,
    "log_every": 2,
    "curriculum_kwargs": {"lengths": [1, 2, 3, 4]},
    "agent": {"hidden": 12, "memory_size": 16, "memory_width": 6, "batch_size": 4},
}


def tiny_config(tmp_path, **changes):
    path = tmp_path / "c.json"
    path.write_text(json.dumps({**TINY, **changes}))
    return path


@pytest.mark.parametrize(
    ("env", "algo", "agent"),
    [
        ("BitCopy", "ntm", TINY["agent"]),
        ("Reverse", "ntm", TINY["agent"]),
        ("AssociativeRecall", "lstm", {"hidden": 12, "layers": 1, "batch_size": 4}),
    ],
)
def test_tiny_run_writes_every_file_with_bits_per_sequence(tmp_path, env, algo, agent):
    changes = {"env": env, "algo": algo, "agent": agent}
    if env == "AssociativeRecall":
        changes["curriculum_kwargs"] = {"lengths": [2, 3]}  # a list: each of them
    out = tmp_path / "run"
    result = cli("--config", tiny_config(tmp_path, **changes), "--out", out, "--no-progress")
    assert "sequences exact" in result.stdout
    table = assert_run_folder(out)
    assert set(table) == {"3", "6"}
    for row in table.values():
        assert row["episodes"] == 8 and row["bits_per_sequence"] > 0
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert {"train/bits_per_sequence", "rollout/sequence_accuracy", "curriculum/level"} <= set(
        rows[0]
    )


def test_default_flags_train_bitcopy_on_lengths_1_to_20():
    cfg = RunConfig(env="BitCopy", algo="ntm", max_steps=10)
    assert cfg.curriculum == "none" and cfg.curriculum_kwargs == {"lengths": list(range(1, 21))}
    assert cfg.eval_lengths == [10, 20, 30, 50, 120]
    assert cfg.agent["memory_size"] == 128 and cfg.agent["controller"] == "lstm"
    assert (cfg.agent["lr"], cfg.agent["batch_size"], cfg.agent["grad_clip"]) == (1e-2, 4, 1.0)
    recall = RunConfig(env="AssociativeRecall", algo="ntm", max_steps=10)
    assert recall.agent["read_heads"] == 4 and recall.agent["hidden"] == 256
    assert recall.agent["controller"] == "ff" and recall.agent["weight_grad_clip"] == 1.0
    assert (recall.agent["optimizer"], recall.agent["lr"], recall.agent["grad_clip"]) == (
        "rmsprop",
        1e-4,
        10.0,
    )
    assert (recall.agent["anneal_below"], recall.agent["anneal_factor"]) == (1.0, 0.3)
    assert recall.agent["write_gate_bias"] == -2.0 and cfg.agent["write_gate_bias"] == 0.0
    assert recall.agent["write_sharpen_bias"] == 2.0 and cfg.agent["write_sharpen_bias"] == 0.0
    assert RunConfig(env="AssociativeRecall", algo="lstm", max_steps=10).agent["layers"] == 3


def test_unknown_settings_fail_with_the_choices():
    result = cli("--env", "BitCopy", "--algo", "ntm", "--controller", "gru", check=False)
    assert result.returncode == 2 and "the ntm controller must be one of" in result.stderr
    result = cli("--env", "Walk", "--algo", "ntm", check=False)
    assert result.returncode == 2 and "unknown env 'Walk' for algo 'ntm'" in result.stderr
    result = cli(
        "--env", "BitCopy", "--algo", "ntm", "--agent", '{"cuda_graph": true}', check=False
    )
    assert (
        result.returncode == 2
        and "cuda_graph needs a CUDA device (--device cuda), got 'cpu'" in result.stderr
    )


@pytest.mark.parametrize(
    "changes",
    [{}, {"average_decay": 0.9}, {"select_every": 4, "select_size": 16}],
    ids=["trained", "averaged", "selected"],
)
def test_resume_after_budget_stop_equals_an_uninterrupted_run(tmp_path, changes):
    config = tiny_config(tmp_path, agent={**TINY["agent"], **changes})
    cli("--config", config, "--out", tmp_path / "whole", "--no-progress")
    cli("--config", config, "--out", tmp_path / "part", "--no-progress", "--max-steps", 250)
    assert 250 <= final_state(tmp_path / "part")["env_steps"] < 600
    cli("--resume", tmp_path / "part", "--max-steps", 600, "--no-progress")
    whole, part = final_state(tmp_path / "whole"), final_state(tmp_path / "part")
    assert_same_state(whole, part)
    assert ("average" in whole["agent"]) == ("average_decay" in changes)
    for key, value in whole["agent"].get("average", {}).items():
        assert torch.equal(value, part["agent"]["average"][key]), key
    assert ("selected" in whole["agent"]) == ("select_every" in changes)
    if "selected" in whole["agent"]:
        assert whole["agent"]["selected"]["bits"] == part["agent"]["selected"]["bits"]
        for key, value in whole["agent"]["selected"]["model"].items():
            assert torch.equal(value, part["agent"]["selected"]["model"][key]), key
    # the final tables are scored with the average or the selected weights: a resume that
    # restarted either would differ
    tables = [json.loads((tmp_path / run / "eval.json").read_text()) for run in ("whole", "part")]
    assert tables[0] == tables[1]


def test_a_nan_stops_the_run_and_keeps_the_last_good_checkpoint(tmp_path):
    cfg = RunConfig.from_file(tiny_config(tmp_path))
    trainer = Trainer(cfg, tmp_path / "run", progress=False)
    original = trainer.agent.update

    def poisoned(data):
        if trainer.updates == 4:  # after the checkpoint of update 3
            with torch.no_grad():
                trainer.agent.model.output.bias.fill_(float("nan"))
        return original(data)

    trainer.agent.update = poisoned
    with pytest.raises(NonFiniteError, match="loss is nan"):
        trainer.run()
    state = load_checkpoint(tmp_path / "run" / "checkpoint.pt")
    assert state["updates"] == 3
    for value in state["agent"]["model"].values():
        assert torch.isfinite(value).all()


def test_evaluate_plots_the_heads_and_renders_only_step_by_step_agents(tmp_path):
    out = tmp_path / "run"
    cli("--config", tiny_config(tmp_path), "--out", out, "--no-progress")
    result = cli(out, "--lengths", 4, "--plot", "--render", 1, "--episodes", 5, script=EVALUATE)
    assert "--render shows step-by-step agents" in result.stdout
    png = out / "plot_4.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "bits_per_sequence" in (out / "eval_uniform.json").read_text()


def test_a_schedule_finished_from_the_start_is_checked_every_checkpoint_every_updates(tmp_path):
    # `none` is finished from the first update: the held-out check must not run every update
    cfg = RunConfig(**{**TINY, "log_every": 1, "picture_every": 0})
    trainer = Trainer(cfg, tmp_path / "run", progress=False)
    trainer.run()
    rows = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").open()]
    checked = [r["time/updates"] for r in rows if "eval/solve_check_accuracy" in r]
    every = TINY["checkpoint_every"]
    assert len(checked) >= 2, "too short a run to tell a period from a single check"
    assert checked == list(range(every, trainer.updates + 1, every))
