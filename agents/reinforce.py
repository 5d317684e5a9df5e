"""REINFORCE with variance reduction: Zaremba and Sutskever, "Reinforcement Learning Neural
Turing Machines - Revised" (arXiv 1505.00521v3).

A controller (LSTM, or LSTM plus the paper's direct-access paths, :mod:`agents.direct_access`)
reads one-hot inputs: the symbols under the heads and its previous head actions, plus the real
vector under its memory head. Each step it samples its discrete head actions from softmax
policies: input-head move, output write flag and, with a memory tape, the memory-head move (and,
driving the environment's discrete memory tape instead, the memory write flag and symbol). The
symbol written is the argmax of a softmax head trained by cross-entropy at the steps that write
(backprop, not REINFORCE); so are the real vectors written to memory (:mod:`agents.real_memory`).

The head policies follow the REINFORCE gradient of the expected return::

    grad J = E[ sum_t grad log pi(a_t | s_t) * (G_t - b_t) ]

with, each switchable: ``causality`` (``G_t`` the rewards from step t on, else the whole
return), an ``online_baseline`` (a head on the controller state), an ``offline_baseline``
(:mod:`agents.baselines`; with both, ``b_t`` is their mean), ``normalize`` (advantages centred
and scaled over the batch) and an ``entropy`` bonus. Rewards: the environment's (+1 per
correct symbol), plus ``logprob_reward`` times the log-probability of the target at the steps
that write (the reward of the authors' code); as a wrong symbol ends the episode here, the
targets never written (after a wrong symbol or when time runs out) count at chance,
``log(1 / base)`` each, so that failing early never pays. The write is forced whenever the
symbols still to write equal the steps left; a forced write is no sampled action and has no
log-probability. Exploration aids, off by default and not the paper's: a floor under every
head's probabilities while sampling (``explore_floor``; optionally only until the curriculum
has reached its end, ``floor_after_curriculum=False``), a penalty for a sampled wrong write
(``wrong_penalty``), head logits scaled down before the softmax (``action_scale``; the
authors' code does this), and starts on the reference program's path (``demo_share``: a share
of the training episodes replays the task oracle's head actions up to a random step and hands
over to the policy there, the resets to demonstration states of Nair et al. 2018, "Overcoming
Exploration in Reinforcement Learning with Demonstrations", and Salimans and Chen 2018).

Each update runs ``batch_size`` episodes together in the vector environment, keeping the graph of
the whole rollout, then takes one gradient step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from gymnasium.vector import VectorEnv
from torch import nn

from agents import real_memory
from agents.base import PolicyAgent
from agents.baselines import OfflineBaseline
from agents.controllers import Controller, OneHot
from agents.direct_access import DirectAccess
from rlntm.curricula import EpisodeStats

MEMORIES = ("real", "env", "none")
#: the tasks of the RL-NTM paper, which the agent trains on
REINFORCE_TASKS = ("Copy", "DuplicatedInput", "Reverse", "RepeatCopy", "ForwardReverse")
#: the modules of :attr:`ReinforceAgent.net` that are baselines (clipped apart, never policy)
BASELINES = ("online", "offline")


@dataclass
class ReinforceConfig:
    """Hyper-parameters of the REINFORCE agent (the paper's where known, else measured)."""

    controller: str = "direct"  #: "lstm", or "direct" (LSTM plus the direct-access paths)
    #: with the direct controller, the LSTM adds content of its own: symbol logits beside
    #: the direct paths' and values written to the real memory. False: the LSTM only routes
    #: (gates and head moves) and every symbol comes from the input tape or memory, so the
    #: agent cannot recite a short sequence from its state and must move its heads (the
    #: trap of RepeatCopy and ForwardReverse, docs/reinforce.md)
    controller_content: bool = True
    hidden: int = 100  #: LSTM units
    #: "real": the agent's tape of real vectors; "env": the environment's discrete memory tape
    #: (tasks that have one); "none": no memory (its extra sampled head move only adds noise
    #: where no memory is needed: Reverse at length 2 learnt far slower with it)
    memory: str = "none"
    memory_size: int = 16  #: reals per memory cell (the paper: 35)
    #: the real memory head may stay (moves -1 / 0 / +1, the paper's); False: it moves -1 or
    #: +1 every step, so a symbol written is never overwritten in place by the next one
    memory_stay: bool = True
    causality: bool = True  #: credit each action only with the rewards after it
    online_baseline: bool = True  #: baseline predicted by a head on the controller state
    offline_baseline: bool = True  #: baseline from a separate LSTM that reads the input first
    normalize: bool = True  #: centre and scale the advantages over the batch
    entropy: float = 0.01  #: weight of the entropy bonus on the head policies
    #: weight of log p(target) as an extra reward at writes (Reverse at lengths 2-4 after 600
    #: updates, seed 1: 99% of sampled episodes exact with it, 65% without)
    logprob_reward: float = 1.0
    forced_writes: bool = True  #: write when the symbols left equal the steps left
    #: in training each head samples from ``(1 - floor) * pi + floor / K`` (K actions) and
    #: REINFORCE uses that mixture's log-probability, so no action falls under floor / K
    #: (the entropy bonus vanishes once a softmax saturates); greedy acting is unchanged
    explore_floor: float = 0.0
    #: keep the floor once the curriculum has reached its end; False: from then on sample
    #: from the policy alone, since what is left to learn is long inputs, where the floor's
    #: noise fails nearly every episode (RepeatCopy: such runs unlearnt a found program)
    floor_after_curriculum: bool = True
    #: the head-policy logits are multiplied by this before the softmax (the authors' code:
    #: ``action_slowdown``, 0.01 to 0.03), so the policies start near uniform and sharpen
    #: slowly beside the symbol head; 1: plain softmax
    action_scale: float = 1.0
    #: subtracted from the reward of a sampled write of a wrong symbol (a forced write does
    #: not pay it); 0: a wrong write only ends the episode, as in the paper
    wrong_penalty: float = 0.0
    #: share of each training batch that starts on the reference program's path: such an
    #: episode replays the task oracle's head actions for a number of steps drawn uniformly
    #: from 1 to one less than the program's length, then the policy takes over. Replayed
    #: actions carry no log-probability, and those episodes do not count for the curriculum
    #: or the rollout accuracies; greedy acting is unchanged. 0: every episode is the
    #: policy's own (the paper)
    demo_share: float = 0.0
    optimizer: str = "adam"  #: "adam" or "sgd" (the paper: SGD, lr 0.05, momentum 0.9)
    lr: float = 3e-3  #: learning rate (the same check without log-prob reward: 65%; 1e-3: 7%)
    batch_size: int = 64  #: episodes per update (the paper: 200)
    grad_clip: float = 5.0  #: gradient-norm clip of the controller
    baseline_clip: float = 2.0  #: gradient-norm clip of the baselines
    symbol_weight: float = 1.0  #: weight of the symbol cross-entropy

    def __post_init__(self) -> None:
        if self.controller not in ("lstm", "direct"):
            raise ValueError(
                f"the reinforce controller must be 'lstm' or 'direct', got {self.controller!r}"
            )
        if not self.controller_content and self.controller != "direct":
            raise ValueError("controller_content=False needs controller='direct' (no other path)")
        if self.memory not in MEMORIES:
            raise ValueError(f"memory must be one of {MEMORIES}, got {self.memory!r}")
        if self.optimizer not in ("adam", "sgd"):
            raise ValueError(f"optimizer must be 'adam' or 'sgd', got {self.optimizer!r}")
        if self.entropy < 0 or self.memory_size < 1 or self.hidden < 1:
            raise ValueError("entropy must be >= 0, memory_size and hidden >= 1")
        if not 0 <= self.explore_floor < 1 or self.wrong_penalty < 0:
            raise ValueError("explore_floor must be in [0, 1) and wrong_penalty >= 0")
        if not 0 <= self.demo_share < 1:
            raise ValueError(f"demo_share must be in [0, 1), got {self.demo_share}")
        if self.action_scale <= 0:
            raise ValueError(f"action_scale must be > 0, got {self.action_scale}")


# --------------------------------------------------------------------------------- estimator
def returns_to_go(rewards: torch.Tensor, alive: torch.Tensor, causality: bool) -> torch.Tensor:
    """(T, B) the return credited to each step: the rewards from t on, or the whole return."""
    r = rewards * alive  # (T, B)
    if not causality:
        return r.sum(0, keepdim=True).expand_as(r) * alive
    return r.flip(0).cumsum(0).flip(0) * alive


def advantages(
    returns: torch.Tensor, baseline: torch.Tensor, alive: torch.Tensor, normalize: bool
) -> torch.Tensor:
    """(T, B) ``G_t - b_t`` at live steps, centred and scaled over them if ``normalize``."""
    adv = (returns - baseline) * alive  # (T, B)
    if normalize:
        live = adv[alive.bool()]
        adv = (adv - live.mean()) / (live.std(unbiased=False) + 1e-8) * alive
    return adv


def surrogate(logp: torch.Tensor, adv: torch.Tensor, alive: torch.Tensor) -> torch.Tensor:
    """(B,) per-episode policy loss ``-sum_t log pi(a_t) A_t``; its gradient is REINFORCE's."""
    return -(logp * adv.detach() * alive).sum(0)


# --------------------------------------------------------------------------------- the agent
class ReinforceAgent(PolicyAgent):
    """REINFORCE over the discrete head actions; symbols and memory values by backprop.

    Args:
        obs_nvec: sizes of the observation components (read window, then the env memory cell).
        action_nvec: ``[n_moves, 2, base]``, plus ``[3, 2, base]`` with a memory tape.
        config: hyper-parameters.
        seed: seeds the action draws (weights come from torch's global seed).
        device: where the networks run.
    """

    def __init__(
        self,
        obs_nvec: np.ndarray,
        action_nvec: np.ndarray,
        config: ReinforceConfig,
        seed: int = 0,
        device: str = "cpu",
    ) -> None:
        self.config = cfg = config
        self.device = torch.device(device)
        self.action_nvec = np.asarray(action_nvec)
        self.env_memory = len(self.action_nvec) == 6
        if cfg.memory == "env" and not self.env_memory:
            raise ValueError("memory='env' needs a task with a memory tape (e.g. ForwardReverse)")
        n_moves, _, self.base = (int(v) for v in self.action_nvec[:3])
        #: the sampled head actions: name -> number of values
        self.components = {"move": n_moves, "write": 2}
        if cfg.memory == "real":
            self.components["mem_move"] = 3 if cfg.memory_stay else 2
        elif cfg.memory == "env":
            self.components.update(mem_move=3, mem_write=2, mem_symbol=self.base)
        sizes = np.array(list(self.components.values()))
        obs_nvec = np.asarray(obs_nvec)
        self.encoder = OneHot(np.concatenate([obs_nvec, sizes + 1]))  # +1: "start" value
        self.start = sizes  # (k,) the previous actions before the first step
        cells = len(obs_nvec) - self.env_memory
        centre = (cells - 1) // 2  # the cell under the input head
        at = int(self.encoder.offsets[centre])
        self.symbol_slice = slice(at, at + int(obs_nvec[centre]))
        mem_dim = cfg.memory_size if cfg.memory == "real" else 0
        heads = {**self.components}
        if cfg.controller_content:
            heads["symbol"] = self.base
        if mem_dim:
            heads["erase"] = 1
            if cfg.controller_content:
                heads["value"] = mem_dim
        self.model = nn.ModuleDict(
            {"controller": Controller("lstm", self.encoder.size + mem_dim, cfg.hidden, heads)}
        )
        if cfg.controller == "direct":
            self.model["direct"] = DirectAccess(
                cfg.hidden, int(obs_nvec[centre]), self.base, mem_dim
            )
        if cfg.online_baseline:
            self.model["online"] = nn.Linear(cfg.hidden, 1)
        if cfg.offline_baseline:
            self.model["offline"] = OfflineBaseline(int(obs_nvec[0]), self.encoder.size, cfg.hidden)
        self.model.to(self.device)
        self.baseline_params = [
            p for name, p in self.model.named_parameters() if name.split(".")[0] in BASELINES
        ]
        self.policy_params = [
            p for name, p in self.model.named_parameters() if name.split(".")[0] not in BASELINES
        ]
        opt = torch.optim.Adam if cfg.optimizer == "adam" else torch.optim.SGD
        extra = {"momentum": 0.9} if cfg.optimizer == "sgd" else {}
        self.optimizer = opt(self.model.parameters(), lr=cfg.lr, **extra)
        self.rng = np.random.default_rng(seed)
        self.updates = 0

    # ----------------------------------------------------------------------------- acting
    def initial_state(self, batch: int) -> Any:
        """Zero LSTM state, a blank memory tape and the "start" previous actions."""
        core = self.model["controller"].initial_state(batch, self.device)
        cells, pos = real_memory.blank_tape(batch, self.config.memory_size, self.device)
        return core, cells, pos, np.tile(self.start, (batch, 1))

    def _choose(self, logits: torch.Tensor, given: np.ndarray | None, explore: bool) -> np.ndarray:
        """(B,) actions: ``given``, sampled from softmax(``logits``) (B, K), or the argmax."""
        if given is not None:
            return given
        if not explore:
            return logits.argmax(-1).cpu().numpy()
        cdf = torch.softmax(logits.detach(), -1).cumsum(-1).cpu().numpy()  # (B, K)
        u = self.rng.random((len(cdf), 1))
        return np.minimum((cdf < u).sum(1), logits.shape[1] - 1)

    def _heads(
        self,
        out: dict[str, torch.Tensor],
        explore: bool,
        imposed: np.ndarray | None,
        given: np.ndarray | None,
    ) -> tuple[np.ndarray, torch.Tensor, torch.Tensor]:
        """The head actions (B, k) from the policy logits in ``out``, with the summed
        log-probability (B,) and entropy (B,) of the policy's own (not the ``imposed``)."""
        b = len(next(iter(out.values())))
        chosen = np.zeros((b, len(self.components)), dtype=np.int64)
        logp = torch.zeros(b, device=self.device)
        entropy = torch.zeros(b, device=self.device)
        floor_on = self.config.floor_after_curriculum or not self.curriculum_reached_end
        floor = self.config.explore_floor if explore and floor_on else 0.0
        for i, name in enumerate(self.components):
            log_pi = torch.log_softmax(self.config.action_scale * out[name], -1)  # (B, K)
            log_mix = log_pi  # (B, K) what is sampled from
            if floor > 0:
                log_mix = torch.log((1 - floor) * log_pi.exp() + floor / log_pi.shape[-1])
            chosen[:, i] = self._choose(log_mix, None if given is None else given[:, i], explore)
            sampled = torch.ones(b, device=self.device)
            mask = None if imposed is None else imposed[:, i] >= 0  # (B,)
            if mask is not None and mask.any():  # most steps impose nothing: no tensor then
                chosen[:, i] = np.where(mask, imposed[:, i], chosen[:, i])
                sampled = torch.as_tensor(~mask, device=self.device).float()
            taken = torch.as_tensor(chosen[:, i], device=self.device)
            logp = logp + sampled * log_mix.gather(1, taken[:, None])[:, 0]
            entropy = entropy - sampled * (log_pi.exp() * log_pi).sum(-1)
        return chosen, logp, entropy

    def step(
        self,
        obs: np.ndarray,
        state: Any,
        explore: bool,
        imposed: np.ndarray | None = None,
        given: np.ndarray | None = None,
    ) -> tuple[np.ndarray, Any, dict[str, Any]]:
        """One controller step.

        Args:
            obs: (B, n_obs) observations.
            state: the controller state (see :meth:`initial_state`).
            explore: sample the head actions (else take the most likely ones).
            imposed: (B, k) head actions the policy does not choose (forced writes, replayed
                reference steps), -1 where it does; they carry no log-probability.
            given: (B, k) head actions to take instead of choosing, scored as if the policy
                had sampled them (to replay a trajectory).

        Returns:
            The environment actions (B, n_act), the next state, and the step's tensors:
            ``logp`` (B,) of the sampled head actions, ``entropy`` (B,), ``symbol`` (B, base)
            logits, ``features`` (B, F) the one-hot input, ``online`` (B,) the online baseline,
            and ``chosen`` (B, k) the head actions.
        """
        core, cells, pos, prev = state
        index = self.encoder.index(np.concatenate([obs, prev], axis=1))  # (B, k_obs + k)
        features = self.encoder.encode(torch.as_tensor(index, device=self.device))  # (B, F)
        real = self.config.memory == "real"
        read = real_memory.read(cells, pos) if real else None  # (B, D)
        x = features if read is None else torch.cat([features, read], dim=1)
        out, core = self.model["controller"](x[None], core)
        out = {name: value[0] for name, value in out.items()}  # (B, size) each
        h = core[0][0]  # (B, hidden)
        symbol = out.get("symbol", 0.0)  # (B, base)
        value = torch.tanh(out["value"]) if "value" in out else 0.0  # (B, D)
        direct = {}
        if "direct" in self.model:
            direct = self.model["direct"](h, features[:, self.symbol_slice], read)
            symbol = symbol + direct["output"]  # (B, base)
            value = value + direct["memory"] if real else None
        b = len(obs)
        chosen, logp, entropy = self._heads(out, explore, imposed, given)
        if real:
            erase = torch.sigmoid(out["erase"])  # (B, 1)
            cells = real_memory.write(cells, pos, (1 - erase) * read + erase * value)
            moves = (-1, 0, 1) if self.config.memory_stay else (-1, 1)
            delta = torch.as_tensor(np.take(moves, chosen[:, 2]), device=self.device)
            cells, pos = real_memory.move(cells, pos, delta)
            if "carry" in direct:
                carried = real_memory.read(cells, pos) + direct["carry"] * read  # (B, D)
                cells = real_memory.write(cells, pos, carried)
        actions = np.zeros((b, len(self.action_nvec)), dtype=np.int64)
        actions[:, :2] = chosen[:, :2]
        actions[:, 2] = symbol.argmax(-1).cpu().numpy()
        if self.config.memory == "env":
            actions[:, 3:] = chosen[:, 2:]
        elif self.env_memory:
            actions[:, 3] = 1  # the environment's memory head stays, nothing written
        online = self.model["online"](h.detach())[:, 0] if "online" in self.model else None
        tensors = {"logp": logp, "entropy": entropy, "symbol": symbol, "features": features}
        tensors.update(online=online, chosen=chosen)
        return actions, (core, cells, pos, chosen), tensors

    @torch.no_grad()
    def act(self, obs: np.ndarray, state: Any, explore: bool = False) -> tuple[np.ndarray, Any]:
        """Actions (B, n_act) for observations (B, n_obs); most likely unless ``explore``."""
        actions, state, _ = self.step(obs, state, explore)
        return actions, state

    # ----------------------------------------------------------------------------- learning
    def update(self, envs: VectorEnv) -> dict[str, Any]:
        """One batch of sampled episodes, then one gradient step."""
        batch = self.rollout(envs)
        losses = self.losses(batch)
        metrics = self._learn(losses)
        self.updates += 1
        stats = batch["stats"]
        metrics.update(
            {
                "rollout/symbol_accuracy": float(np.mean(stats.correct / stats.target_length)),
                "rollout/sequence_accuracy": float(stats.solved.mean()),
                "rollout/return": float(stats.returns.mean()),
                "rollout/steps": batch["steps"],
                "rollout/forced_writes": batch["forced"],
                "rollout/replayed_steps": batch["replayed"],
                "episodes": stats,
            }
        )
        return metrics

    def rollout(
        self,
        envs: VectorEnv,
        given: np.ndarray | None = None,
        options: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Run every environment's episode to its end, keeping the graph; tensors (T, B).

        ``given`` (T, B, k) replays fixed head actions instead of sampling them (at most T
        steps); ``options`` go to ``envs.reset`` (e.g. fixed inputs). Without ``given``, a
        ``demo_share`` of the episodes first follow the reference program (:meth:`handovers`).
        """
        m = envs.unwrapped.machine
        n = envs.num_envs
        obs, info = envs.reset(options=options)
        state = self.initial_state(n)
        alive = np.ones(n, dtype=bool)
        returns, correct = np.zeros(n), np.zeros(n, dtype=np.int64)
        handover = self.handovers(m) if given is None else np.zeros(n, dtype=np.int64)  # (B,)
        forced = replayed = 0
        steps: dict[str, list[Any]] = {
            k: [] for k in ("logp", "entropy", "symbol", "features", "online")
        }
        rec: dict[str, list[np.ndarray]] = {
            k: [] for k in ("reward", "alive", "write", "expected", "unwritten", "wrong")
        }
        horizon = int(m.time_limit.max()) if given is None else len(given)
        for t in range(horizon):
            imposed = np.full((n, len(self.components)), -1)  # (B, k) -1: the policy chooses
            if self.config.forced_writes:
                force = m.target_len - m.out_pos >= m.time_limit - m.t  # (B,)
                imposed[force, 1] = 1
                forced += int((force & alive).sum())
            replay = t < handover  # (B,)
            if replay.any():
                reference = m.oracle_action()  # (B, n_act)
                imposed[replay] = self.as_components(reference)[replay]
                replayed += int((replay & alive).sum())
            expected = np.minimum(m.expected().astype(np.int64), self.base - 1)
            actions, state, out = self.step(
                obs, state, True, imposed, None if given is None else given[t]
            )
            if replay.any():  # the reference's symbol too: a replayed step is all its own
                actions[replay, 2] = reference[replay, 2]
            obs, reward, terminated, truncated, info = envs.step(actions)
            ended = alive & (terminated | truncated)
            left = m.target_len - m.out_pos  # (B,) targets not written; the failed one included
            returns += np.where(alive, reward, 0.0)
            correct = np.where(ended, info["correct"], correct)
            for key in steps:
                steps[key].append(out[key])
            for key, value in (
                ("reward", reward),
                ("alive", alive.copy()),
                ("write", actions[:, 1] == 1),
                ("expected", expected),
                ("unwritten", np.where(ended, left - (terminated & (left > 0)), 0)),
                # a sampled (not imposed) write of a wrong symbol: it ended the episode
                ("wrong", alive & terminated & (left > 0) & (imposed[:, 1] < 0)),
            ):
                rec[key].append(value)
            alive &= ~(terminated | truncated)
            if not alive.any():
                break
        batch = {k: torch.as_tensor(np.stack(v), device=self.device) for k, v in rec.items()}
        batch.update({k: torch.stack(v) for k, v in steps.items() if v[0] is not None})
        if self.config.offline_baseline:
            batch["tape"] = self._tapes(m)
        own = handover == 0  # (B,) the episodes the policy ran from the start
        stats = EpisodeStats(
            length=info["length"][own],
            target_length=info["target_length"][own],
            correct=correct[own],
            returns=returns[own],
        )
        live = int(batch["alive"].sum())
        shares = {"forced": forced / max(live, 1), "replayed": replayed / max(live, 1)}
        return {**batch, "stats": stats, "steps": live, **shares}

    def handovers(self, m: Any) -> np.ndarray:
        """(B,) steps of the reference program each episode of machine ``m`` replays before
        the policy takes over: 0 (the policy's from the start) except in ``demo_share`` of
        them, drawn uniformly from 1 to the program's length minus one."""
        out = np.zeros(m.num_envs, dtype=np.int64)
        if self.config.demo_share == 0:  # no draws: runs without demonstrations stay as they were
            return out
        demos = self.rng.permutation(m.num_envs)[: int(self.config.demo_share * m.num_envs)]
        steps = m.params["oracle_steps"][demos]  # (d,) the reference program's length
        drawn = 1 + (self.rng.random(len(demos)) * (steps - 1)).astype(np.int64)  # 1 .. steps-1
        out[demos] = np.where(steps > 1, drawn, 0)
        return out

    def as_components(self, actions: np.ndarray) -> np.ndarray:
        """(B, k) the head actions among environment ``actions`` (B, n_act), as the agent's
        components; -1 for the real memory head, which the environment does not move."""
        heads = np.full((len(actions), len(self.components)), -1)
        heads[:, :2] = actions[:, :2]  # input move, write flag
        if self.config.memory == "env":
            heads[:, 2:] = actions[:, 3:6]  # memory move, write flag, symbol
        return heads

    def _tapes(self, m: Any) -> torch.Tensor:
        """(W, B, n_symbols) one-hot input tapes of the machine's episodes, for the offline
        baseline; W ends at the last cell that is not blank in some episode."""
        rows = np.stack([m.grid(i)[0] for i in range(m.num_envs)])  # (B, W_capacity)
        used = np.flatnonzero((rows != m.task.blank).any(axis=0))
        rows = rows[:, : int(used.max()) + 1 if used.size else 1]
        index = torch.as_tensor(rows.T, device=self.device)  # (W, B)
        return nn.functional.one_hot(index, self.encoder.nvec[0]).to(torch.get_default_dtype())

    def rewards(self, b: dict[str, Any], log_target: torch.Tensor) -> torch.Tensor:
        """(T, B) the reward of each step of a rollout: the environment's, plus
        ``logprob_reward`` times ``log_target`` (T, B) (log p of the expected symbol) at the
        writes and ``log(1 / base)`` per target never written, minus ``wrong_penalty`` at a
        sampled wrong write."""
        cfg = self.config
        writes = (b["write"] & b["alive"]).float()  # (T, B)
        at_chance = b["unwritten"] * -np.log(self.base)  # (T, B)
        paper = log_target * writes + at_chance  # (T, B)
        return b["reward"].float() + cfg.logprob_reward * paper - cfg.wrong_penalty * b["wrong"]

    def losses(self, b: dict[str, Any]) -> dict[str, torch.Tensor]:
        """The loss terms of a rollout, per episode (B,): ``policy`` (the REINFORCE surrogate),
        ``entropy`` and ``symbol`` (cross-entropy at the writes); and each baseline's mean
        squared error (a scalar)."""
        cfg = self.config
        alive = b["alive"].float()  # (T, B)
        writes = (b["write"] & b["alive"]).float()  # (T, B)
        log_target = torch.log_softmax(b["symbol"], -1)  # (T, B, base)
        log_target = log_target.gather(-1, b["expected"][..., None])[..., 0]  # (T, B)
        g = returns_to_go(self.rewards(b, log_target.detach()), alive, cfg.causality)  # (T, B)
        predictions = {}  # name -> (T, B) predicted return-to-go
        if cfg.online_baseline:
            predictions["online"] = b["online"]
        if cfg.offline_baseline:
            predictions["offline"] = self.model["offline"](b["tape"], b["features"])
        out = {
            f"{name}_baseline": (((pred - g) ** 2) * alive).sum() / alive.sum()
            for name, pred in predictions.items()
        }
        baseline = torch.zeros_like(g)
        if predictions:
            baseline = torch.stack(list(predictions.values())).mean(0).detach()
        adv = advantages(g, baseline, alive, cfg.normalize)
        out["policy"] = surrogate(b["logp"], adv, alive)  # (B,)
        out["entropy"] = (b["entropy"] * alive).sum(0)  # (B,)
        out["symbol"] = -(log_target * writes).sum(0)  # (B,)
        return out

    def _learn(self, losses: dict[str, torch.Tensor]) -> dict[str, float]:
        """One gradient step on the weighted sum of the loss terms (averaged over episodes)."""
        cfg = self.config
        weights = {"policy": 1.0, "entropy": -cfg.entropy, "symbol": cfg.symbol_weight}
        losses = {name: value.mean() for name, value in losses.items()}
        loss = sum(weights.get(name, 1.0) * value for name, value in losses.items())
        self.optimizer.zero_grad()
        loss.backward()
        norm = nn.utils.clip_grad_norm_(self.policy_params, cfg.grad_clip)
        if self.baseline_params:
            nn.utils.clip_grad_norm_(self.baseline_params, cfg.baseline_clip)
        self.optimizer.step()
        metrics = {f"train/{name}_loss": value.item() for name, value in losses.items()}
        metrics.update({"train/loss": loss.item(), "train/grad_norm": float(norm)})
        return metrics


def build_reinforce(config: ReinforceConfig, data: Any, seed: int, device: str) -> ReinforceAgent:
    """A REINFORCE agent for the spaces of the vector env ``data``."""
    spaces = data.single_observation_space, data.single_action_space
    return ReinforceAgent(*(s.nvec for s in spaces), config, seed=seed, device=device)
