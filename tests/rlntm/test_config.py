"""RunConfig: the algorithm's defaults per task fill only what the user left open."""

from __future__ import annotations

import json

import pytest

from rlntm.algorithms import ALGORITHMS
from rlntm.config import RunConfig


def test_task_defaults_fill_what_is_left_open():
    copy = RunConfig(env="Copy")
    assert copy.curriculum == "zaremba"
    assert copy.curriculum_kwargs == {}  # the rlntm options of the default do not leak in
    assert copy.agent["lr"] == 3e-3 and copy.agent["penalty_accuracy"] == 0.95
    reverse = RunConfig(env="Reverse")
    assert reverse.curriculum == "rlntm" and reverse.curriculum_kwargs == {"max_level": 10}
    assert reverse.agent["controller"] == "ff"
    assert reverse.eval_lengths == [10, 100, 1000] and reverse.solve_length == 1000
    # "solved" is checked on as many sequences as the final table scores
    assert reverse.solve_episodes == reverse.eval_episodes == 100
    assert RunConfig(env="Reverse", eval_episodes=30).solve_episodes == 30
    # REINFORCE checks up to 1000 (in chunks), so that 1-2% failures at length 1000 do not pass
    assert RunConfig(env="Reverse", algo="reinforce").solve_episodes == 1000
    assert RunConfig(env="Reverse", algo="reinforce", solve_episodes=50).solve_episodes == 50
    # restarts: REINFORCE on Reverse and ForwardReverse only, unless the user says otherwise
    assert RunConfig(env="Reverse", algo="reinforce").restart_updates == 2000
    assert RunConfig(env="ForwardReverse", algo="reinforce").restart_updates == 4000
    assert RunConfig(env="Copy", algo="reinforce").restart_updates == 0
    # RepeatCopy: the read window beside the stay, and greedy judging beside the gap
    repeat = RunConfig(env="RepeatCopy", algo="reinforce")
    assert repeat.env_kwargs == {"stay": True, "window": 1}
    assert repeat.curriculum_kwargs == {"min_gap": 10, "greedy_episodes": 64}
    assert repeat.agent["explore_floor"] == 0.2 and repeat.agent["demo_share"] == 0.5
    assert not repeat.agent["controller_content"] and repeat.restart_updates == 4000
    assert not repeat.agent["floor_after_curriculum"]  # the floor ends with the curriculum
    assert reverse.restart_updates == 0
    assert RunConfig(env="Reverse", algo="reinforce", restart_updates=0).restart_updates == 0
    # and the NTM on AssociativeRecall (an attempt not past its lr cut after 2,500 updates)
    assert RunConfig(env="AssociativeRecall", algo="ntm").restart_updates == 2500
    assert RunConfig(env="AssociativeRecall", algo="lstm").restart_updates == 0
    assert RunConfig(env="BitCopy", algo="ntm").restart_updates == 0


def test_what_the_user_gives_wins():
    cfg = RunConfig(env="Reverse", curriculum="gym", agent={"controller": "gru", "lr": 0.01})
    assert cfg.curriculum == "gym" and cfg.curriculum_kwargs == {}
    assert cfg.agent["controller"] == "gru" and cfg.agent["lr"] == 0.01
    cfg = RunConfig(env="Reverse", curriculum_kwargs={"max_level": 4}, eval_lengths=[7])
    assert cfg.curriculum_kwargs == {"max_level": 4} and cfg.eval_lengths == [7]
    assert RunConfig(env="Reverse", solve_episodes=7).solve_episodes == 7


def test_saved_config_round_trips(tmp_path):
    cfg = RunConfig(env="Walk", seed=4)
    path = tmp_path / "config.json"
    path.write_text(json.dumps(cfg.to_dict()))
    assert RunConfig.from_file(path) == cfg


def test_a_config_saved_before_restarts_existed_resumes_without_them(tmp_path):
    """Its run went without restarts, so resuming it must too, whatever the default now."""
    saved = RunConfig(env="Reverse", algo="reinforce").to_dict()
    del saved["restart_updates"]
    path = tmp_path / "config.json"
    path.write_text(json.dumps(saved))
    assert RunConfig.from_file(path).restart_updates == 0
    assert RunConfig.from_file(path, restart_updates=300).restart_updates == 300


@pytest.mark.parametrize("algo", sorted(ALGORITHMS))
def test_every_algorithm_resolves_a_default_config_for_each_task(algo):
    for task in ALGORITHMS[algo].tasks:
        cfg = RunConfig(env=task, algo=algo, max_minutes=1)
        assert cfg.agent and cfg.curriculum and cfg.eval_lengths and cfg.solve_length
