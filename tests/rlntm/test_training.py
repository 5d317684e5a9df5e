"""The training command end to end: files, errors, resume after a kill, learning Copy."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from rlntm.checkpoints import load_checkpoint
from rlntm.config import RunConfig
from rlntm.curricula import make_curriculum
from rlntm.seeding import attempt_seed
from rlntm.training import TABLE_SEED, Trainer, fresh_agent, load_agent, make_agent

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "train_agent.py"
EVALUATE = ROOT / "scripts" / "evaluate.py"
SMALL = {
    "env": "Copy",
    "seed": 3,
    "curriculum": "none",
    "curriculum_kwargs": {"lengths": [2, 5]},
    "max_steps": 4000,
    "max_minutes": None,
    "eval_lengths": [4, 8],
    "eval_episodes": 10,
    "solve_length": 8,
    "solve_episodes": 5,
    "checkpoint_every": 3,
    "log_every": 2,
    "agent": {"hidden": 16, "batch_size": 8},
}


def assert_run_folder(out: Path) -> dict:
    """Every file of a finished run folder is there; returns its eval.json table."""
    for name in ("config.json", "metrics.jsonl", "checkpoint.pt", "eval.json", "summary.json"):
        assert (out / name).is_file(), name
    assert any((out / "tb").iterdir())
    return json.loads((out / "eval.json").read_text())


def cli(*args, check=True, timeout=120, script=SCRIPT):
    """Run ``script`` (train_agent.py unless told) with ``args``; assert success if ``check``."""
    result = subprocess.run(
        [sys.executable, str(script), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


def write_config(path: Path, **changes) -> Path:
    path.write_text(json.dumps({**SMALL, **changes}))
    return path


def test_help_documents_every_flag():
    out = cli("--help").stdout
    for flag in (
        "--env",
        "--algo",
        "--seed",
        "--device",
        "--controller",
        "--curriculum",
        "--max-steps",
        "--max-minutes",
        "--eval-lengths",
        "--out",
        "--resume",
        "--config",
    ):
        assert flag in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--env", "Sort"], "invalid choice: 'Sort' (choose from"),
        (["--algo", "ppo"], "invalid choice: 'ppo'"),
        (["--controller", "rnn"], "invalid choice: 'rnn'"),
        (["--curriculum", "fast"], "invalid choice: 'fast'"),
        (["--env", "ForwardReverse", "--max-steps", "10"], "unknown env 'ForwardReverse' for"),
        (["--max-steps", "10", "--device", "tpu"], "device must be 'cpu' or 'cuda'"),
    ],
)
def test_bad_flags_fail_at_once_with_the_choices(args, message):
    result = cli(*args, check=False, timeout=60)
    assert result.returncode == 2
    assert message in result.stderr


@pytest.mark.parametrize(
    "agent, message",
    [
        ({"step_discount": 1.5}, "step_discount must lie in [0, 1]"),
        ({"controller": "direct"}, "qlambda controller must be one of"),
        ({"speed": 3}, "unknown qlambda settings ['speed']"),
    ],
)
def test_bad_agent_settings_are_named(agent, message):
    with pytest.raises(ValueError) as err:
        RunConfig(env="Copy", agent=agent)
    assert message in str(err.value)


@pytest.mark.parametrize(
    "budget, message",
    [
        ({"max_updates": 0}, "max_updates must be >= 1, got 0"),
        ({"max_updates": 2.5}, "max_updates must be an integer or None, got 2.5"),
        ({"max_steps": -1}, "max_steps must be >= 1, got -1"),
        ({"max_minutes": None}, "give a budget: max_steps, max_updates and/or max_minutes"),
        ({"restart_updates": -1}, "restart_updates must be >= 0, got -1"),
        ({"restart_updates": 2.5}, "restart_updates must be an integer or None, got 2.5"),
    ],
)
def test_bad_budgets_are_named(budget, message):
    with pytest.raises(ValueError) as err:
        RunConfig(env="Copy", **budget)
    assert message in str(err.value)


def test_update_budget_stops_after_exactly_that_many_updates(tmp_path):
    cfg = RunConfig(**{**SMALL, "max_steps": None, "max_updates": 7})
    trainer = Trainer(cfg, tmp_path / "run", progress=False)
    result = trainer.run()
    assert (result.status, result.updates) == ("budget", 7)
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["updates"] == 7 and summary["status"] == "budget"
    assert summary["level"] == trainer.curriculum.level


def test_malformed_config_file(tmp_path):
    bad = tmp_path / "config.json"
    bad.write_text("{not json")
    result = cli("--config", bad, check=False)
    assert result.returncode == 2 and "not valid JSON" in result.stderr
    bad.write_text(json.dumps({"env": "Copy", "speed": 3}))
    result = cli("--config", bad, check=False)
    assert result.returncode == 2 and "unknown keys ['speed']" in result.stderr


def test_agent_flag_sets_agent_settings_over_the_config(tmp_path):
    out = tmp_path / "run"
    config = write_config(tmp_path / "c.json", **REINFORCE_TINY, max_steps=300)
    settings = '{"entropy": 0.0, "normalize": false, "controller": "direct"}'
    cli(
        "--config",
        config,
        "--out",
        out,
        "--no-progress",
        "--agent",
        settings,
        "--controller",
        "lstm",
    )
    agent = json.loads((out / "config.json").read_text())["agent"]
    assert agent["entropy"] == 0.0 and agent["normalize"] is False
    assert agent["controller"] == "lstm"  # --controller wins over the JSON's
    assert agent["hidden"] == REINFORCE_TINY["agent"]["hidden"]  # the config's, kept


@pytest.mark.parametrize(
    "text, message",
    [
        ("{entropy: 0}", "--agent is not valid JSON"),
        ("[0.1]", "--agent must be a JSON object"),
        ('{"entropie": 0}', "unknown qlambda settings ['entropie']"),
    ],
)
def test_bad_agent_flag_is_named(text, message):
    result = cli("--env", "Copy", "--agent", text, "--max-updates", 1, check=False)
    assert result.returncode == 2 and message in result.stderr


def test_tiny_run_writes_every_file(tmp_path):
    out = tmp_path / "run"
    result = cli("--config", write_config(tmp_path / "c.json"), "--out", out, "--no-progress")
    assert "sequences exact" in result.stdout and "run folder" in result.stdout
    table = assert_run_folder(out)
    assert set(table) == {"4", "8"}
    for row in table.values():
        assert set(row) == {"sequence_accuracy", "symbol_accuracy", "episodes"}
        assert row["episodes"] == 10 and 0.0 <= row["sequence_accuracy"] <= 1.0
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert {"train/q_loss", "rollout/return", "curriculum/level", "time/steps_per_second"} <= set(
        rows[0]
    )
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] in ("solved", "budget") and summary["env_steps"] >= 1


def test_corrupt_checkpoint_is_refused_clearly(tmp_path):
    out = tmp_path / "run"
    cli("--config", write_config(tmp_path / "c.json", max_steps=300), "--out", out, "--no-progress")
    data = (out / "checkpoint.pt").read_bytes()
    (out / "checkpoint.pt").write_bytes(data[: len(data) // 2])
    result = cli("--resume", out, check=False)
    assert result.returncode == 2
    assert "checkpoint.pt" in result.stderr and "truncated or corrupt" in result.stderr


def final_state(run_dir: Path) -> dict:
    return load_checkpoint(run_dir / "checkpoint.pt")


def assert_same_state(a: dict, b: dict):
    assert a["updates"] == b["updates"] and a["env_steps"] == b["env_steps"]
    assert a["curriculum"] == b["curriculum"] and a["attempt"] == b["attempt"]
    for key, value in a["agent"]["model"].items():
        assert torch.equal(value, b["agent"]["model"][key]), key


#: the REINFORCE agent, small (its own tests import it)
REINFORCE_TINY = {"algo": "reinforce", "agent": {"hidden": 16, "memory_size": 4, "batch_size": 8}}


@pytest.mark.parametrize(
    "changes, stop, total",
    [
        ({}, 1500, 4000),
        (REINFORCE_TINY, 1200, 3000),
        ({**REINFORCE_TINY, "restart_updates": 4}, 1200, 3000),
    ],
    ids=["qlambda", "reinforce", "reinforce-restarting"],
)
def test_resume_after_budget_stop_equals_an_uninterrupted_run(tmp_path, changes, stop, total):
    config = write_config(
        tmp_path / "c.json", **changes, curriculum="rlntm", curriculum_kwargs={}, max_steps=total
    )
    cli("--config", config, "--out", tmp_path / "whole", "--no-progress")
    cli("--config", config, "--out", tmp_path / "part", "--no-progress", "--max-steps", stop)
    first = final_state(tmp_path / "part")
    assert stop <= first["env_steps"] < total
    cli("--resume", tmp_path / "part", "--max-steps", total, "--no-progress")
    whole = final_state(tmp_path / "whole")
    assert_same_state(whole, final_state(tmp_path / "part"))
    if "restart_updates" in changes:  # restarts before the stop and after the resume
        assert 1 <= first["attempt"][0] < whole["attempt"][0]


def test_resume_after_kill_equals_an_uninterrupted_run(tmp_path):
    config = write_config(tmp_path / "c.json", max_steps=6000, checkpoint_every=5)
    cli("--config", config, "--out", tmp_path / "whole", "--no-progress")
    killed = tmp_path / "killed"
    proc = subprocess.Popen(
        [
            sys.executable,
            str(SCRIPT),
            "--config",
            str(config),
            "--out",
            str(killed),
            "--no-progress",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 90
    while time.time() < deadline:  # wait for a checkpoint past the first ones, then kill
        path = killed / "checkpoint.pt"
        if path.exists():
            try:
                if load_checkpoint(path)["updates"] >= 10:
                    break
            except Exception:  # noqa: BLE001  (being replaced right now)
                pass
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    at_kill = load_checkpoint(killed / "checkpoint.pt")
    assert at_kill["env_steps"] < 6000, "the run finished before it could be killed"
    cli("--resume", killed, "--no-progress")
    assert_same_state(final_state(tmp_path / "whole"), final_state(killed))
    steps = [json.loads(x)["step"] for x in (killed / "metrics.jsonl").read_text().splitlines()]
    assert steps == sorted(steps) and len(steps) == len(set(steps))


def _weights(agent) -> dict:
    return agent.state_dict()["model"]


def test_a_stalled_attempt_restarts_with_a_fresh_agent_and_curriculum(tmp_path):
    """With restart_updates 3 update 4 is the first of the agent built for attempt 1, new
    weights, with the curriculum back at its start; the updates before the restart are those
    of the same run without restarts. A budget that ends at update 3 ends on the stalled
    attempt's agent, never on a fresh one."""
    base = {**SMALL, **REINFORCE_TINY, "curriculum": "rlntm", "curriculum_kwargs": {}}
    base.update(max_steps=None, max_updates=4, log_every=1)
    plain = Trainer(RunConfig(**base), tmp_path / "plain", progress=False)
    plain.run()
    cfg = RunConfig(**base, restart_updates=3)
    trainer = Trainer(cfg, tmp_path / "restarting", progress=False)
    at_restart = {}  # the agent and curriculum the restart puts in place, before update 4

    def restart():
        Trainer.restart(trainer)
        at_restart["weights"] = {k: v.clone() for k, v in _weights(trainer.agent).items()}
        at_restart["curriculum"] = trainer.curriculum.state_dict()

    trainer.restart = restart
    result = trainer.run()
    assert result.restarts == 1 and (trainer.attempts.start, trainer.attempts.finished) == (
        3,
        False,
    )
    assert trainer.agent.updates == 1  # the fresh agent's own count
    summary = json.loads((tmp_path / "restarting" / "summary.json").read_text())
    assert (summary["restarts"], summary["attempt_updates"]) == (1, 1)
    short = RunConfig(**{**base, "max_updates": 3}, restart_updates=3)
    stopped = Trainer(short, tmp_path / "short", progress=False)
    assert stopped.run().restarts == 0 and stopped.agent.updates == 3

    fresh = fresh_agent(cfg, trainer.data, 1)
    first = make_agent(cfg)[0]
    for key, value in at_restart["weights"].items():
        assert torch.equal(value, _weights(fresh)[key]), key
    assert any(not torch.equal(v, _weights(first)[k]) for k, v in _weights(fresh).items())
    assert at_restart["curriculum"] == make_curriculum(cfg.curriculum).state_dict()
    assert plain.curriculum.state_dict() != at_restart["curriculum"]

    def rows(run):  # the metrics of updates 1-3, timings aside
        lines = (tmp_path / run / "metrics.jsonl").read_text().splitlines()[:3]
        return [{k: v for k, v in json.loads(x).items() if "time" not in k} for x in lines]

    assert rows("plain") == rows("restarting") and len(rows("plain")[2]) > 5
    assert (
        len({attempt_seed(1, 0), attempt_seed(1, 1), attempt_seed(1, 2), attempt_seed(2, 1)}) == 4
    )


def test_an_attempt_whose_curriculum_ended_is_never_restarted(tmp_path):
    """A fixed length distribution (curriculum "none") has ended from the start."""
    cfg = RunConfig(**{**SMALL, "max_steps": None, "max_updates": 6, "restart_updates": 1})
    result = Trainer(cfg, tmp_path / "run", progress=False).run()
    assert (result.status, result.updates, result.restarts) == ("budget", 6, 0)


@pytest.mark.parametrize(
    "kwargs, ended",
    [({}, False), ({"start": 3, "max_level": 3}, True)],
    ids=["climbing", "ended-then-moved-on"],
)
def test_the_trainer_tells_the_agent_whether_the_curriculum_has_ended(tmp_path, kwargs, ended):
    """What ``floor_after_curriculum`` reads, set before every update. A schedule that starts
    at its end fails the first held-out check, which moves its end on (``finished`` False
    again); the agent must still hear that this attempt has reached the end."""
    changes = {"curriculum": "rlntm", "curriculum_kwargs": kwargs, "max_updates": 3}
    cfg = RunConfig(**{**SMALL, **REINFORCE_TINY, **changes, "max_steps": None})
    trainer = Trainer(cfg, tmp_path / "run", progress=False)
    assert not trainer.agent.curriculum_reached_end
    seen = []
    update = trainer.agent.update
    trainer.agent.update = lambda data: (
        seen.append(trainer.agent.curriculum_reached_end) or update(data)
    )
    assert trainer.run().status == "budget"
    assert not trainer.curriculum.finished  # climbing, or moved on by the failed check
    assert seen == [False, ended, ended]


@pytest.mark.parametrize(
    "anneal_below, restarts", [(1e-9, 2), (1e6, 0), (0.0, 0)], ids=["stalled", "past", "none"]
)
def test_a_sequence_model_restarts_until_its_cost_falls_under_the_anneal(
    tmp_path, anneal_below, restarts
):
    """Its lengths are fixed, so an attempt counts as past its start once its running cost has
    fallen under the first anneal threshold: never (1e-9 bits: restarts after updates 2 and
    4), at the first update (1e6), or with no threshold at all (0: never restarted)."""
    agent = {"hidden": 8, "memory_size": 8, "anneal_below": anneal_below, "batch_size": 2}
    cfg = RunConfig(
        env="BitCopy",
        algo="ntm",
        seed=1,
        max_updates=5,
        restart_updates=2,
        picture_every=0,
        eval_lengths=[3],
        eval_episodes=4,
        curriculum_kwargs={"lengths": [1, 2]},
        agent=agent,
    )
    trainer = Trainer(cfg, tmp_path / "run", progress=False)
    assert (trainer.run().restarts, trainer.agent.past_start) == (restarts, not restarts)
    if restarts:  # the last attempt's own agent, counting from its start
        assert trainer.agent.updates == 1 and trainer.attempts.start == 4


def test_checkpoint_of_another_run_is_refused(tmp_path):
    out = tmp_path / "run"
    cli("--config", write_config(tmp_path / "c.json", max_steps=300), "--out", out, "--no-progress")
    cfg = json.loads((out / "config.json").read_text())
    cfg["env"] = "Reverse"
    (out / "config.json").write_text(json.dumps(cfg))
    result = cli("--resume", out, check=False)
    assert result.returncode == 2 and "written for env=Copy" in result.stderr


def test_a_checkpoint_from_before_a_setting_existed_still_loads(tmp_path):
    """A run written before the setting ``penalty_weight`` existed (here: deleted from its
    checkpoint) resumes and evaluates, since it ran at the default; other settings must match."""
    out = tmp_path / "run"
    cli("--config", write_config(tmp_path / "c.json", max_steps=300), "--out", out, "--no-progress")
    path = out / "checkpoint.pt"
    payload = torch.load(path, weights_only=False)
    del payload["meta"]["agent"]["penalty_weight"]
    del payload["state"]["agent"]["config"]["penalty_weight"]
    torch.save(payload, path)
    cfg, agent = load_agent(out)
    assert agent.updates == load_checkpoint(path)["agent"]["updates"] > 0
    cli("--resume", out, "--max-steps", 600, "--no-progress")
    assert load_checkpoint(path)["env_steps"] >= 600
    saved = json.loads((out / "config.json").read_text())
    saved["agent"]["penalty_weight"] = 0.123  # not what the checkpoint ran with
    (out / "config.json").write_text(json.dumps(saved))
    result = cli("--resume", out, "--max-steps", 900, check=False)
    assert result.returncode == 2 and "differs" in result.stderr


def test_every_held_out_check_draws_new_inputs(tmp_path):
    cfg = RunConfig(**{**SMALL, "max_steps": 600})
    trainer = Trainer(cfg, tmp_path / "run", progress=False)
    seeds = []

    def failing_check(agent, env, lengths, episodes, env_kwargs, seed=12345):
        """Records each call's inputs; the held-out check never passes."""
        seeds.append((tuple(lengths), seed))
        accuracy = 0.5 if list(lengths) == [cfg.solve_length] else 1.0
        return {str(n): {"sequence_accuracy": accuracy, "symbol_accuracy": 1.0} for n in lengths}

    trainer.algo = dataclasses.replace(trainer.algo, evaluate=failing_check)
    result = trainer.run()
    checks = [seed for lengths, seed in seeds if lengths == (cfg.solve_length,)]
    assert result.status == "budget" and len(checks) >= 2
    assert len(set(checks)) == len(checks), "a check reused another check's inputs"
    assert seeds[-1] == (tuple(cfg.eval_lengths), TABLE_SEED)  # the final table's fixed inputs


def test_held_out_check_runs_in_chunks_and_stops_at_the_first_failure(tmp_path):
    cfg = RunConfig(**{**SMALL, "max_steps": 600, "solve_episodes": 450})
    trainer = Trainer(cfg, tmp_path / "run", progress=False)
    calls = []

    def check(agent, env, lengths, episodes, env_kwargs, seed=12345):
        """The first check fails in its second chunk; every later chunk is exact."""
        if list(lengths) == [cfg.solve_length]:
            calls.append((episodes, seed))
        accuracy = 0.995 if len(calls) == 2 else 1.0
        return {str(n): {"sequence_accuracy": accuracy, "symbol_accuracy": 1.0} for n in lengths}

    trainer.algo = dataclasses.replace(trainer.algo, evaluate=check)
    result = trainer.run()
    # first check: 200 exact, then 199 of 200: stop there; second check: 200 + 200 + 50
    assert [n for n, _ in calls] == [200, 200, 200, 200, 50]
    assert len({seed for _, seed in calls}) == len(calls), "two chunks shared their inputs"
    assert result.status == "solved"
    rows = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").open()]
    logged = [
        (r["eval/solve_check_sequences"], r["eval/solve_check_accuracy"])
        for r in rows
        if "eval/solve_check_sequences" in r
    ]
    assert logged[-1] == (450, 1.0)


def test_qlambda_learns_copy_in_a_fixed_budget(tmp_path):
    cfg = RunConfig(
        env="Copy",
        seed=1,
        curriculum="zaremba",
        agent={"controller": "gru", "lr": 3e-3, "batch_size": 64},
        max_steps=400_000,
        max_minutes=None,
        eval_lengths=[10, 100],
        eval_episodes=50,
        solve_length=200,
        solve_episodes=20,
    )
    result = Trainer(cfg, tmp_path / "copy", progress=False).run()
    assert result.status == "solved"
    assert result.table["100"]["sequence_accuracy"] == 1.0


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message on CPU-only machines")
def test_cuda_without_a_gpu_is_a_clear_error():
    result = cli("--max-steps", "10", "--device", "cuda", check=False, timeout=60)
    assert result.returncode == 2 and "needs a GPU and a CUDA build" in result.stderr
