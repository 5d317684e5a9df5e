"""Generalisation across lengths: the share of fresh test sequences an agent solves exactly."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import gymnasium as gym
import numpy as np

from agents.base import PolicyAgent
from envs import env_id


def make_eval_envs(
    task: str, num_envs: int, length: int, env_kwargs: dict[str, Any], seed: int
) -> gym.vector.VectorEnv:
    """A vector env (autoreset off) whose episodes all have input length ``length``."""
    envs = gym.make_vec(
        env_id(task),
        num_envs=num_envs,
        vectorization_mode="vector_entry_point",
        autoreset_mode="Disabled",
        **{**env_kwargs, "length": length},
    )
    envs.reset(seed=seed)
    return envs


def run_episodes(agent: PolicyAgent, envs: gym.vector.VectorEnv) -> dict[str, np.ndarray]:
    """Run every environment's current episode to its end with the greedy policy.

    Returns per-episode arrays (B,): ``solved``, ``correct``, ``target_length``, ``steps``.
    """
    m = envs.unwrapped.machine
    n = envs.num_envs
    obs = m.observe()
    state = agent.initial_state(n)
    alive = np.ones(n, dtype=bool)
    solved = np.zeros(n, dtype=bool)
    correct = np.zeros(n, dtype=np.int64)
    steps = np.zeros(n, dtype=np.int64)
    while alive.any():
        actions, state = agent.act(obs, state, explore=False)
        obs, _, terminated, truncated, info = envs.step(actions)
        ended = alive & (terminated | truncated)
        solved |= ended & (info["correct"] == info["target_length"])
        correct = np.where(ended, info["correct"], correct)
        steps += alive
        alive &= ~ended
    return {
        "solved": solved,
        "correct": correct,
        "target_length": m.target_len.copy(),
        "steps": steps,
    }


def evaluate(
    agent: PolicyAgent,
    task: str,
    lengths: Sequence[int],
    episodes: int = 100,
    env_kwargs: dict[str, Any] | None = None,
    seed: int = 12345,
    batch: int = 256,
) -> dict[str, dict[str, float]]:
    """The generalisation table: for each length, sequence and symbol accuracy.

    Returns ``{str(length): {"sequence_accuracy", "symbol_accuracy", "episodes"}}`` over
    ``episodes`` fresh inputs per length (``seed`` fixes them), the agent acting greedily.
    """
    table = {}
    for length in lengths:
        solved, correct, total, done = 0, 0, 0, 0
        while done < episodes:
            n = min(batch, episodes - done)
            envs = make_eval_envs(task, n, int(length), env_kwargs or {}, seed + done)
            result = run_episodes(agent, envs)
            solved += int(result["solved"].sum())
            correct += int(result["correct"].sum())
            total += int(result["target_length"].sum())
            done += n
        table[str(length)] = {
            "sequence_accuracy": solved / episodes,
            "symbol_accuracy": correct / max(total, 1),
            "episodes": episodes,
        }
    return table
