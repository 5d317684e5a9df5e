"""The vector environment: ``num_envs`` episodes on one batched machine, with autoreset.

Made by ``gym.make_vec("rlntm/<Name>-v0", num_envs=B, vectorization_mode="vector_entry_point")``.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from envs import rendering
from envs.episodes import LengthControl, assemble
from envs.machine import END_REASONS
from envs.tasks import Task


class AlgorithmicVectorEnv(LengthControl, VectorEnv):
    """``num_envs`` copies of :class:`envs.env.AlgorithmicEnv`, stepped by one numpy machine.

    Takes the single environment's keyword arguments (``base``, ``length``, ``reward_scheme``,
    ``window``, ``stay``, ``distribution``, ``render_mode``, task parameters) plus ``num_envs``,
    ``autoreset_mode``
    (``NEXT_STEP`` by default, ``SAME_STEP`` or ``DISABLED``) and ``max_episode_steps``.
    Episodes started on autoreset draw their lengths from the distribution set by
    :meth:`set_length_distribution`. ``info`` holds arrays (B,) ``length``, ``target_length``,
    ``correct`` and ``t``, and ``end_reason`` (with mask ``_end_reason``) on steps where
    episodes ended. ``reset(options={"input": [...]})`` takes one input per environment and
    ``{"reset_mask": mask}`` resets only some of them.
    """

    metadata = {
        "render_modes": ["ansi", "rgb_array"],
        "render_fps": 4,
        "autoreset_mode": AutoresetMode.NEXT_STEP,
    }

    def __init__(
        self,
        num_envs: int = 1,
        task: str | Task = "Copy",
        *,
        autoreset_mode: AutoresetMode | str = AutoresetMode.NEXT_STEP,
        max_episode_steps: int | None = None,
        **kwargs: Any,
    ) -> None:
        self.num_envs = int(num_envs)
        self.machine, self.source = assemble(
            self.num_envs, task, max_episode_steps=max_episode_steps, **kwargs
        )
        self.task = self.machine.task
        self.render_mode = kwargs.get("render_mode")
        self.autoreset_mode = AutoresetMode(autoreset_mode)
        self.metadata = {**self.metadata, "autoreset_mode": self.autoreset_mode}
        self.single_action_space = spaces.MultiDiscrete(self.machine.action_nvec)
        self.single_observation_space = spaces.MultiDiscrete(self.machine.obs_nvec)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self._all = np.arange(self.num_envs, dtype=np.int64)
        self._pending = np.zeros(self.num_envs, dtype=bool)  # ended, reset on the next step
        self._mask = np.ones(self.num_envs, dtype=bool)
        self._mask.flags.writeable = False
        self._reasons = np.array(END_REASONS, dtype=object)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Start new episodes in every environment (or those in ``options["reset_mask"]``)."""
        super().reset(seed=seed)
        self._seeded(seed)
        options = dict(options or {})
        mask = options.pop("reset_mask", None)
        idx = self._all if mask is None else np.flatnonzero(np.asarray(mask, dtype=bool))
        self.source.start(self.machine, idx, self.np_random, options, batched_input=True)
        self._pending[idx] = False
        return self.machine.observe(), self._info()

    def step(
        self, actions: Any
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Step every environment; ended episodes restart as ``autoreset_mode`` says."""
        m = self.machine
        a = m.check_actions(actions)
        reward, terminated, truncated = m.step(a)
        if self.autoreset_mode is AutoresetMode.NEXT_STEP and self._pending.any():
            restart = np.flatnonzero(self._pending)
            self.source.start(m, restart, self.np_random)
            reward[restart], terminated[restart], truncated[restart] = 0.0, False, False
        ended = terminated | truncated
        info = self._info()
        if ended.any():
            at = np.flatnonzero(ended)
            info["end_reason"] = np.empty(self.num_envs, dtype=object)  # None where running
            info["end_reason"][at] = self._reasons[m.end_code[at]]
            info["_end_reason"] = ended
        if self.autoreset_mode is AutoresetMode.NEXT_STEP:
            self._pending = ended
        elif self.autoreset_mode is AutoresetMode.SAME_STEP and ended.any():
            final = {"final_obs": m.observe(), "_final_obs": ended}
            final["final_info"], final["_final_info"] = info, ended
            self.source.start(m, np.flatnonzero(ended), self.np_random)
            info = {**self._info(), **final}
        return m.observe(), reward, terminated, truncated, info

    def state_dict(self) -> dict[str, Any]:
        """The random state and the episodes drawn ahead: what exact resumption needs."""
        rng = copy.deepcopy(self.np_random.bit_generator.state)
        return {"rng": rng, "episodes": self.source.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore :meth:`state_dict`; later episodes are those the saved env would draw."""
        self.np_random.bit_generator.state = copy.deepcopy(state["rng"])
        self.source.load_state_dict(state["episodes"])

    def oracle_action(self) -> np.ndarray:
        """(num_envs, n_act) the reference program's action in every environment."""
        return self.machine.oracle_action()

    def render(self) -> tuple[Any, ...] | None:
        """One rendering per environment, as the single environment draws it."""
        draw = {"ansi": rendering.ansi, "rgb_array": rendering.rgb}.get(self.render_mode or "")
        if draw is None:
            return None
        return tuple(draw(self.machine, i) for i in range(self.num_envs))

    def _info(self) -> dict[str, Any]:
        m = self.machine
        info: dict[str, Any] = {}
        for key, value in (
            ("length", m.length),
            ("target_length", m.target_len),
            ("correct", m.out_pos),
            ("t", m.t),
        ):
            info[key] = value.copy()
            info["_" + key] = self._mask
        return info
