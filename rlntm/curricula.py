"""Curricula over input lengths: schedules owned by the trainer, never by the environment.

A curriculum decides which input lengths new training episodes get. It lives in the trainer,
which saves it in its checkpoints (:meth:`Curriculum.state_dict`), and it steers the environments
only through :mod:`envs.lengths`::

    curriculum = make_curriculum("rlntm", max_level=20)
    env.unwrapped.set_length_distribution(curriculum.distribution())
    for update in range(num_updates):
        stats = ...  # EpisodeStats of the training episodes that ended since the last update
        curriculum.update(stats, evaluate)
        env.unwrapped.set_length_distribution(curriculum.distribution())
        if curriculum.finished:
            if held_out_check_passes():  # much longer inputs than the schedule ever drew
                break
            curriculum.advance()

Schedules (:data:`CURRICULA`): ``none`` (a fixed distribution), ``zaremba`` (Zaremba et al.
2016), ``rlntm`` (Zaremba and Sutskever, RL-NTM), ``gym`` (the historical gym algorithmic
environments) and ``threshold`` (Neural GPU, Kaiser and Sutskever 2015). The facts each one
follows are collected in ``REFERENCES.md`` (sections 1, 2, 3 and 5).

Conventions shared by the schedules that have an end level (``rlntm``, ``gym``, ``threshold``):
the schedule is ``finished`` once its level reaches the current top (``max_level`` at first);
:meth:`Curriculum.advance` raises the level by one and sets the top one above it, so the
schedule must earn one more promotion by its own rule (mastery at the new level) before it
reports ``finished`` again, just as ``zaremba`` must pass a new validation after ``c += 4``.
While a schedule is finished, :meth:`Curriculum.update` promotes nothing.
"""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from envs.lengths import LengthDistribution, as_length_distribution

#: ``evaluate(lengths, episodes_per_length)`` -> share of fresh test sequences solved exactly at
#: each length, the agent acting greedily. Supplied by the trainer; costly, so called sparingly.
Evaluator = Callable[[Sequence[int], int], dict[int, float]]


def _scores(evaluate: Evaluator, lengths: list[int], episodes: int) -> dict[int, float]:
    """``evaluate(lengths, episodes)`` as ``{length: share}``; ValueError if one is missing."""
    scores = {int(k): float(v) for k, v in evaluate(lengths, episodes).items()}
    missing = [n for n in lengths if n not in scores]
    if missing:
        raise ValueError(f"the evaluator gave no score for lengths {missing}")
    return {n: scores[n] for n in lengths}


@dataclass(frozen=True, eq=False)
class EpisodeStats:
    """Training episodes that finished since the last update; each field has shape (n,).

    Attributes:
        length: input length of each episode (int).
        target_length: symbols it had to write (int).
        correct: symbols written correctly (int).
        returns: sum of environment rewards (float).
    """

    length: np.ndarray
    target_length: np.ndarray
    correct: np.ndarray
    returns: np.ndarray

    def __post_init__(self) -> None:
        dtypes = {
            "length": np.int64,
            "target_length": np.int64,
            "correct": np.int64,
            "returns": np.float64,
        }
        sizes = set()
        for field, dtype in dtypes.items():
            a = np.asarray(getattr(self, field))
            if a.ndim != 1:
                raise ValueError(f"EpisodeStats.{field} must have shape (n,), got {a.shape}")
            if dtype is np.int64 and a.size and not np.array_equal(a, np.round(a)):
                raise ValueError(f"EpisodeStats.{field} must hold integers, got {a.tolist()}")
            object.__setattr__(self, field, a.astype(dtype))
            sizes.add(a.size)
        if len(sizes) > 1:
            shapes = {field: getattr(self, field).shape for field in dtypes}
            raise ValueError(f"EpisodeStats fields must all have the same shape (n,), got {shapes}")

    def __len__(self) -> int:
        return int(self.length.size)

    @property
    def solved(self) -> np.ndarray:
        """Whether each episode wrote its whole target correctly, shape (n,) bool."""
        return self.correct == self.target_length

    @classmethod
    def empty(cls) -> EpisodeStats:
        """No episodes (n = 0)."""
        return cls(np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0))

    @classmethod
    def concat(cls, parts: Iterable[EpisodeStats]) -> EpisodeStats:
        """The episodes of ``parts``, in order."""
        parts = list(parts)
        if not parts:
            return cls.empty()
        return cls(
            np.concatenate([p.length for p in parts]),
            np.concatenate([p.target_length for p in parts]),
            np.concatenate([p.correct for p in parts]),
            np.concatenate([p.returns for p in parts]),
        )


# --------------------------------------------------------------------------------- validation


def _whole(what: str, value: Any, minimum: int) -> int:
    """``value`` as an int, or ValueError naming ``what`` unless it is an integer >= minimum."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{what} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _real(what: str, value: Any, low: float = -np.inf, high: float = np.inf) -> float:
    """``value`` as a float, or ValueError naming ``what`` unless it is a number in [low, high]."""
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if not ok or not low <= value <= high:
        raise ValueError(f"{what} must be a number in [{low}, {high}], got {value!r}")
    return float(value)


def _flag(what: str, value: Any) -> bool:
    """``value`` if it is a bool, else ValueError naming ``what``."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{what} must be true or false, got {value!r}")
    return bool(value)


def _options(cls: type[Curriculum]) -> list[str]:
    """The keyword arguments the constructor of ``cls`` accepts."""
    params = inspect.signature(cls.__init__).parameters.values()
    return [p.name for p in params if p.kind is inspect.Parameter.KEYWORD_ONLY]


def _construct(cls: type[Curriculum], kwargs: Mapping[str, Any]) -> Curriculum:
    """``cls(**kwargs)``, or ValueError naming the options ``cls`` does not have."""
    valid = _options(cls)
    unknown = sorted(set(kwargs) - set(valid))
    if unknown:
        raise ValueError(
            f"the {cls.name!r} curriculum has no option(s) {unknown}; its options are {valid}"
        )
    return cls(**kwargs)


# ------------------------------------------------------------------------------- the interface


class Curriculum(ABC):
    """A schedule over input lengths, driven by the trainer.

    The trainer calls :meth:`update` after every parameter update with the training episodes
    that ended since the previous one, then hands :meth:`distribution` to the environments.
    When :attr:`finished` turns True the trainer runs a held-out check on much longer inputs;
    if that fails it calls :meth:`advance`. :meth:`state_dict` / :meth:`load_state_dict` save
    and restore everything (configuration and counters) as plain JSON.
    """

    name: ClassVar[str]

    @abstractmethod
    def distribution(self) -> LengthDistribution:
        """The input lengths new training episodes get now."""

    @abstractmethod
    def update(self, stats: EpisodeStats, evaluate: Evaluator) -> None:
        """Take in the episodes of one parameter update; maybe change the level.

        Args:
            stats: the training episodes that ended since the last update.
            evaluate: the trainer's greedy evaluator (only ``zaremba`` calls it).
        """

    @property
    @abstractmethod
    def level(self) -> int:
        """The current complexity, for logging."""

    @property
    @abstractmethod
    def finished(self) -> bool:
        """Whether the schedule has reached its end (time for the held-out check)."""

    @abstractmethod
    def advance(self) -> None:
        """The held-out check failed: make training harder and un-finish."""

    @property
    def max_length(self) -> int:
        """The longest length :meth:`distribution` can draw now."""
        return self.distribution().max_length

    # Hooks for state_dict / load_state_dict.

    @abstractmethod
    def _config(self) -> dict[str, Any]:
        """The constructor's keyword arguments, JSON-serialisable."""

    @abstractmethod
    def _counters(self) -> dict[str, Any]:
        """Every piece of mutable state, JSON-serialisable."""

    @abstractmethod
    def _load_counters(self, state: Mapping[str, Any]) -> None:
        """Set the counters from ``state``; ValueError naming any bad entry."""

    @classmethod
    def _from_config(cls, config: Mapping[str, Any]) -> Curriculum:
        """A fresh schedule built from :meth:`_config`'s output."""
        return _construct(cls, config)

    def state_dict(self) -> dict[str, Any]:
        """Name, configuration and every counter, as JSON-serialisable plain data."""
        return {"name": self.name, "config": self._config(), **self._counters()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore a :meth:`state_dict`, configuration included (the checkpoint wins).

        Raises:
            ValueError: ``state`` belongs to another schedule or is malformed; this schedule is
                then left unchanged.
        """
        if not isinstance(state, Mapping):
            raise ValueError(f"a curriculum state must be a dict, got {type(state).__name__}")
        name = state.get("name")
        if name != self.name:
            raise ValueError(
                f"cannot load a state saved by the {name!r} curriculum into the {self.name!r} "
                "curriculum"
            )
        expected = {"name", "config", *self._counters()}
        missing, extra = sorted(expected - set(state)), sorted(set(state) - expected)
        if missing or extra:
            raise ValueError(
                f"malformed {self.name!r} curriculum state: missing keys {missing}, "
                f"unexpected keys {extra}"
            )
        config = state["config"]
        if not isinstance(config, Mapping):
            raise ValueError(f"malformed {self.name!r} curriculum state: config must be a dict")
        try:
            fresh = type(self)._from_config(config)
        except (TypeError, ValueError) as err:
            raise ValueError(
                f"malformed {self.name!r} curriculum state: bad config: {err}"
            ) from None
        try:
            fresh._load_counters(state)
        except (TypeError, ValueError) as err:
            raise ValueError(f"malformed {self.name!r} curriculum state: {err}") from None
        self.__dict__.update(fresh.__dict__)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(level={self.level}, finished={self.finished}, "
            f"max_length={self.max_length})"
        )


# -------------------------------------------------------------------------------- the schedules


class NoCurriculum(Curriculum):
    """No curriculum: every episode draws its length from one fixed distribution.

    The baseline the schedules are measured against, as in the NTM experiments (Graves, Wayne,
    Danihelka 2014, arXiv 1410.5401: copy trained on lengths 1-20 throughout) and the length
    generalisation benchmark of Delétang et al. 2023 ("Neural Networks and the Chomsky
    Hierarchy", ICLR: training lengths up to 40).

    ``finished`` is True from the start: the trainer may run its held-out check whenever it
    likes. ``advance()`` does nothing: a fixed distribution cannot be made harder, so the
    schedule stays finished and a trainer should treat a failed held-out check as final (or
    check again on its own cadence). ``level`` is the longest length the distribution draws.

    Args:
        lengths: anything :func:`envs.lengths.as_length_distribution` accepts (in a JSON
            config, a list is a set of lengths, not a range); None: uniform over
            ``[min_length, max_length]``.
        min_length: the shortest length, when ``lengths`` is None.
        max_length: the longest length, when ``lengths`` is None.
    """

    name = "none"

    def __init__(self, *, lengths: Any = None, min_length: int = 2, max_length: int = 20) -> None:
        if lengths is None:
            low = _whole(f"{self.name} curriculum: min_length", min_length, 0)
            high = _whole(f"{self.name} curriculum: max_length (>= min_length)", max_length, low)
            lengths = (low, high)
        self._distribution = as_length_distribution(lengths)

    def distribution(self) -> LengthDistribution:
        """The fixed distribution."""
        return self._distribution

    def update(self, stats: EpisodeStats, evaluate: Evaluator) -> None:
        """Nothing to update."""

    @property
    def level(self) -> int:
        """The longest length drawn (constant)."""
        return self._distribution.max_length

    @property
    def finished(self) -> bool:
        """Always True."""
        return True

    def advance(self) -> None:
        """Does nothing (the distribution is fixed; the schedule stays finished)."""

    def _config(self) -> dict[str, Any]:
        return {
            "lengths": self._distribution.lengths.tolist(),
            "probs": self._distribution.probs.tolist(),
        }

    def _counters(self) -> dict[str, Any]:
        return {}

    def _load_counters(self, state: Mapping[str, Any]) -> None:
        pass

    @classmethod
    def _from_config(cls, config: Mapping[str, Any]) -> Curriculum:
        if set(config) != {"lengths", "probs"}:
            raise ValueError(f"expected keys ['lengths', 'probs'], got {sorted(config)}")
        lengths, probs = np.asarray(config["lengths"]), np.asarray(config["probs"])
        if lengths.dtype.kind not in "iu" or probs.dtype.kind not in "iuf":
            raise ValueError("lengths must be integers and probs numbers")
        return cls(lengths=LengthDistribution(lengths, probs))


class ZarembaCurriculum(Curriculum):
    """Train around a complexity c, validate on [c, c + 10), then test on much longer inputs.

    Zaremba, Mikolov, Joulin, Fergus, "Learning Simple Algorithms from Examples", ICML 2016
    (arXiv 1511.07275); the rule comes from the authors' code (``Curriculum.lua``).

    Rule: each episode's length is ``max(c - U{0..spread}, min_length)`` (the code's
    ``max(c - random(5) + 1, 2)``; lengths clamped to ``min_length`` pile up there). Every
    ``check_every`` updates the schedule calls
    ``evaluate(range(c, c + check_window), check_episodes)``; when every length scores at least
    ``check_accuracy`` the schedule is ``finished`` and the trainer tests much longer inputs.
    ``advance()`` (that test failed) does ``c += step`` and un-finishes.

    Choices where the paper is vague:

    * The code validates continuously on the 20% of training samples it holds out; here
      validation is the trainer's greedy evaluation on fresh sequences, every ``check_every``
      updates (the counter restarts after ``advance()``, so the first check at the new ``c``
      comes ``check_every`` updates later).
    * While finished, ``update()`` does nothing (no evaluation): the trainer's held-out check
      decides what happens next.
    * The code caps ``c`` at ``test_len - 10`` on advance; no cap here (the trainer's held-out
      lengths are its own business).
    * A length missing from ``evaluate``'s answer is an error (ValueError), not a failure.

    Args:
        start: the first complexity c.
        spread: lengths are ``c - U{0..spread}``.
        min_length: lengths are at least this.
        check_every: updates between validations.
        check_window: validation lengths are ``c .. c + check_window - 1``.
        check_episodes: validation episodes per length.
        check_accuracy: the share solved needed at every validation length.
        step: how much ``advance()`` raises c.
    """

    name = "zaremba"

    def __init__(
        self,
        *,
        start: int = 6,
        spread: int = 4,
        min_length: int = 2,
        check_every: int = 50,
        check_window: int = 10,
        check_episodes: int = 50,
        check_accuracy: float = 0.995,
        step: int = 4,
    ) -> None:
        what = f"{self.name} curriculum:"
        self.min_length = _whole(f"{what} min_length", min_length, 1)
        self.start = _whole(f"{what} start (>= min_length)", start, self.min_length)
        self.spread = _whole(f"{what} spread", spread, 0)
        self.check_every = _whole(f"{what} check_every", check_every, 1)
        self.check_window = _whole(f"{what} check_window", check_window, 1)
        self.check_episodes = _whole(f"{what} check_episodes", check_episodes, 1)
        self.check_accuracy = _real(f"{what} check_accuracy", check_accuracy, 0.0, 1.0)
        self.step = _whole(f"{what} step", step, 1)
        self._complexity = self.start
        self._since_check = 0
        self._finished = False
        self._last_check: dict[int, float] = {}

    def distribution(self) -> LengthDistribution:
        """``max(c - U{0..spread}, min_length)``."""
        raw = self._complexity - np.arange(self.spread + 1)
        lengths, counts = np.unique(np.maximum(raw, self.min_length), return_counts=True)
        return LengthDistribution(lengths, counts / counts.sum())

    def update(self, stats: EpisodeStats, evaluate: Evaluator) -> None:
        """Every ``check_every`` updates, validate at ``c .. c + check_window - 1``."""
        if self._finished:
            return
        self._since_check += 1
        if self._since_check < self.check_every:
            return
        self._since_check = 0
        lengths = list(range(self._complexity, self._complexity + self.check_window))
        self._last_check = _scores(evaluate, lengths, self.check_episodes)
        self._finished = all(s >= self.check_accuracy for s in self._last_check.values())

    @property
    def level(self) -> int:
        """The complexity c."""
        return self._complexity

    @property
    def finished(self) -> bool:
        """The last validation passed (and ``advance()`` has not been called since)."""
        return self._finished

    @property
    def last_check(self) -> dict[int, float]:
        """The scores of the latest validation, ``{length: share solved}`` (for logging)."""
        return dict(self._last_check)

    def advance(self) -> None:
        """``c += step``, un-finish, restart the validation counter."""
        self._complexity += self.step
        self._finished = False
        self._since_check = 0

    def _config(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "spread": self.spread,
            "min_length": self.min_length,
            "check_every": self.check_every,
            "check_window": self.check_window,
            "check_episodes": self.check_episodes,
            "check_accuracy": self.check_accuracy,
            "step": self.step,
        }

    def _counters(self) -> dict[str, Any]:
        return {
            "complexity": self._complexity,
            "since_check": self._since_check,
            "finished": self._finished,
            "last_check": [[n, s] for n, s in self._last_check.items()],
        }

    def _load_counters(self, state: Mapping[str, Any]) -> None:
        self._complexity = _whole("complexity", state["complexity"], self.min_length)
        self._since_check = _whole("since_check", state["since_check"], 0)
        self._finished = _flag("finished", state["finished"])
        pairs = state["last_check"]
        if not isinstance(pairs, list) or not all(
            isinstance(p, (list, tuple)) and len(p) == 2 for p in pairs
        ):
            raise ValueError(f"last_check must be a list of [length, score] pairs, got {pairs!r}")
        self._last_check = {
            _whole("last_check length", n, 0): _real("last_check score", s, 0.0, 1.0)
            for n, s in pairs
        }


class RLNTMCurriculum(Curriculum):
    """The RL-NTM mixture: mostly at complexity C plus a geometric overshoot, some below, some all.

    Zaremba and Sutskever, "Reinforcement Learning Neural Turing Machines - Revised"
    (arXiv 1505.00521v3).

    Rule: with ``e ~ Geometric(1/2)`` on ``{0, 1, 2, ...}`` (``P(e = k) = 2^-(k+1)``), a length
    is drawn ``p_all`` (10%) uniformly over ``[min_length, top]``, ``p_below`` (25%) uniformly
    over ``[min_length, C + e]`` and the rest (65%) as exactly ``C + e``;
    :meth:`distribution` is that exact mixture. C grows by one when the error normalised by
    target length, the mean of ``1 - correct / target_length`` over this update's episodes of
    length exactly C, falls under ``error_threshold``, at least ``min_gap`` updates after the
    previous increase. ``finished`` when ``C >= top``; ``advance()`` does ``C += 1``.

    Not the paper's, for agents trained with exploration noise (``explore_floor``), whose
    sampled episodes fail long inputs that the policy solves: with ``greedy_episodes`` n > 0
    the error is read from the agent acting greedily instead. Every ``min_gap`` updates after
    an increase the schedule calls ``evaluate([C], n)`` (the trainer's evaluator: the same
    fixed inputs at every call), and C grows when the share of those sequences not solved
    exactly falls under ``error_threshold``.

    Choices where the paper is vague:

    * "All levels" is ``[min_length, top]`` with ``min_length = 1`` and ``top = max_level`` until
      an ``advance()`` moves the top to ``C + 1``.
    * ``e`` is truncated at ``max_extra`` (10) and its probabilities renormalised, so lengths
      stay ``<= C + max_extra <= max_level + 10`` while the schedule runs (the lost mass is
      ``2^-11``, under 0.05%).
    * The error is measured on the training episodes of the current update whose input length
      equals C (the complexity being learned); with none there, the check is skipped. An
      episode with nothing to write has error 0.
    * The start counts as an increase: the first growth comes no earlier than ``min_gap``
      updates in. ``advance()`` also counts as one. C never grows past the top by the rule.

    Args:
        start: the first complexity C.
        max_level: the top level; the schedule is finished when C reaches it.
        min_length: the shortest length (lower end of the uniform parts).
        p_all: share drawn uniformly over all levels.
        p_below: share drawn uniformly up to ``C + e``; the rest is exactly ``C + e``.
        max_extra: cap on the geometric overshoot e.
        error_threshold: C grows when the normalised error falls under this.
        min_gap: updates required between two increases (and between two greedy checks).
        greedy_episodes: 0 (the paper): judge on the training episodes; n > 0: judge on n
            greedy sequences at length C.
    """

    name = "rlntm"

    def __init__(
        self,
        *,
        start: int = 2,
        max_level: int = 20,
        min_length: int = 1,
        p_all: float = 0.10,
        p_below: float = 0.25,
        max_extra: int = 10,
        error_threshold: float = 0.2,
        min_gap: int = 100,
        greedy_episodes: int = 0,
    ) -> None:
        what = f"{self.name} curriculum:"
        self.min_length = _whole(f"{what} min_length", min_length, 1)
        self.start = _whole(f"{what} start (>= min_length)", start, self.min_length)
        self.max_level = _whole(f"{what} max_level (>= start)", max_level, self.start)
        self.greedy_episodes = _whole(f"{what} greedy_episodes", greedy_episodes, 0)
        self.p_all = _real(f"{what} p_all", p_all, 0.0, 1.0)
        self.p_below = _real(f"{what} p_below (<= 1 - p_all)", p_below, 0.0, 1.0 - self.p_all)
        self.max_extra = _whole(f"{what} max_extra", max_extra, 0)
        self.error_threshold = _real(f"{what} error_threshold", error_threshold, 0.0, 1.0)
        self.min_gap = _whole(f"{what} min_gap", min_gap, 1)
        self._complexity = self.start
        self._top = self.max_level
        self._since_increase = 0

    def distribution(self) -> LengthDistribution:
        """The exact 10% / 25% / 65% mixture at the current C."""
        C, lo = self._complexity, self.min_length
        extra = np.arange(self.max_extra + 1)
        p_extra = 0.5 ** (extra + 1)
        p_extra /= p_extra.sum()  # truncated Geometric(1/2) on 0..max_extra
        lengths = np.arange(lo, max(self._top, C + self.max_extra) + 1)
        probs = np.zeros(lengths.size)  # probs[i] = P(length == lo + i)
        probs[: self._top - lo + 1] += self.p_all / (self._top - lo + 1)
        p_exact = 1.0 - self.p_all - self.p_below
        for e, p in zip(extra, p_extra, strict=True):
            hi = C + int(e)
            probs[: hi - lo + 1] += self.p_below * p / (hi - lo + 1)
            probs[hi - lo] += p_exact * p
        return LengthDistribution(lengths, probs)

    def update(self, stats: EpisodeStats, evaluate: Evaluator) -> None:
        """Grow C when the error at length C (training episodes, or greedy) is under the
        threshold (gap allowing)."""
        self._since_increase += 1
        if self.finished or self._since_increase < self.min_gap:
            return
        C = self._complexity
        if self.greedy_episodes:
            if self._since_increase % self.min_gap:
                return
            error = 1.0 - _scores(evaluate, [C], self.greedy_episodes)[C]
        else:
            at = stats.length == C
            if not at.any():
                return
            target, correct = stats.target_length[at], stats.correct[at]
            error = np.where(target > 0, 1.0 - correct / np.maximum(target, 1), 0.0).mean()
        if error < self.error_threshold:
            self._complexity += 1
            self._since_increase = 0

    @property
    def level(self) -> int:
        """The complexity C."""
        return self._complexity

    @property
    def finished(self) -> bool:
        """C has reached the top level."""
        return self._complexity >= self._top

    def advance(self) -> None:
        """``C += 1``; the top becomes ``C + 1`` (one more promotion needed); restart the gap."""
        self._complexity += 1
        self._top = self._complexity + 1
        self._since_increase = 0

    def _config(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "max_level": self.max_level,
            "min_length": self.min_length,
            "p_all": self.p_all,
            "p_below": self.p_below,
            "max_extra": self.max_extra,
            "error_threshold": self.error_threshold,
            "min_gap": self.min_gap,
            "greedy_episodes": self.greedy_episodes,
        }

    def _counters(self) -> dict[str, Any]:
        return {
            "complexity": self._complexity,
            "top": self._top,
            "since_increase": self._since_increase,
        }

    def _load_counters(self, state: Mapping[str, Any]) -> None:
        self._complexity = _whole("complexity", state["complexity"], self.min_length)
        self._top = _whole("top", state["top"], self.min_length)
        self._since_increase = _whole("since_increase", state["since_increase"], 0)


class GymCurriculum(Curriculum):
    """The built-in rule of the historical gym algorithmic environments, moved out of ``reset()``.

    OpenAI gym ``gym.envs.algorithmic`` (gym <= 0.19, ``algorithmic_env.py``,
    ``AlgorithmicEnv._check_levelup``), for the tasks of Zaremba et al. 2016 (arXiv 1511.07275).

    Rule: lengths are ``min_length + U{0..spread}`` (gym: ``min_length + randint(3)``). Each
    episode's reward shortfall ``returns - target_length`` is recorded, keeping the last
    ``history`` (10); when ``history`` are recorded and every one is ``>= min_shortfall``
    (-1.0: "within 1 of the maximum"), ``min_length`` grows by one and the record is cleared.
    ``finished`` when ``min_length`` reaches ``max_level`` (gym's cap, 30).

    Choices:

    * The comparison is gym's own ``>=`` (``min(shortfalls) >= -1.0``). Under gym's rewards
      (-0.5 for a wrong symbol, -1 on timeout) only a solved episode has shortfall >= -1; under
      the paper's rewards (+1 per correct symbol, 0 otherwise) a shortfall of exactly -1 is one
      missing symbol, so pass ``min_shortfall=-0.5`` there to demand solved episodes.
    * Episodes are taken one at a time in the order given, as gym did between episodes, so one
      update can promote more than once; after a promotion, episodes shorter than the new
      ``min_length`` (drawn for an earlier level) are skipped.
    * While finished nothing is recorded; ``advance()`` does ``min_length += 1``, sets the cap
      one above it and clears the record.
    * gym's Reverse started at ``min_length`` 1: pass ``start=1`` to reproduce it.

    Args:
        start: the first ``min_length``.
        spread: lengths are ``min_length + U{0..spread}``.
        history: episodes considered for promotion.
        min_shortfall: every recorded shortfall must be at least this.
        max_level: ``min_length`` never grows past this; reaching it finishes the schedule.
    """

    name = "gym"

    def __init__(
        self,
        *,
        start: int = 2,
        spread: int = 2,
        history: int = 10,
        min_shortfall: float = -1.0,
        max_level: int = 30,
    ) -> None:
        what = f"{self.name} curriculum:"
        self.start = _whole(f"{what} start", start, 1)
        self.spread = _whole(f"{what} spread", spread, 0)
        self.history = _whole(f"{what} history", history, 1)
        self.min_shortfall = _real(f"{what} min_shortfall", min_shortfall, -np.inf, 0.0)
        self.max_level = _whole(f"{what} max_level (>= start)", max_level, self.start)
        self._min_length = self.start
        self._top = self.max_level
        self._shortfalls: list[float] = []

    def distribution(self) -> LengthDistribution:
        """Uniform over ``min_length .. min_length + spread``."""
        return LengthDistribution.uniform(self._min_length, self._min_length + self.spread)

    def update(self, stats: EpisodeStats, evaluate: Evaluator) -> None:
        """Record each episode's shortfall; promote when the last ``history`` are all close."""
        shortfalls = stats.returns - stats.target_length
        for length, shortfall in zip(stats.length, shortfalls, strict=True):
            if self.finished:
                return
            if length < self._min_length:
                continue
            self._shortfalls.append(float(shortfall))
            del self._shortfalls[: -self.history]
            full = len(self._shortfalls) == self.history
            if full and min(self._shortfalls) >= self.min_shortfall:
                self._min_length += 1
                self._shortfalls = []

    @property
    def level(self) -> int:
        """``min_length``."""
        return self._min_length

    @property
    def finished(self) -> bool:
        """``min_length`` has reached the cap."""
        return self._min_length >= self._top

    @property
    def shortfalls(self) -> list[float]:
        """The recorded shortfalls, oldest first (for logging)."""
        return list(self._shortfalls)

    def advance(self) -> None:
        """``min_length += 1``; the cap becomes one above it; clear the record."""
        self._min_length += 1
        self._top = self._min_length + 1
        self._shortfalls = []

    def _config(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "spread": self.spread,
            "history": self.history,
            "min_shortfall": self.min_shortfall,
            "max_level": self.max_level,
        }

    def _counters(self) -> dict[str, Any]:
        return {
            "min_length": self._min_length,
            "top": self._top,
            "shortfalls": list(self._shortfalls),
        }

    def _load_counters(self, state: Mapping[str, Any]) -> None:
        self._min_length = _whole("min_length", state["min_length"], 1)
        self._top = _whole("top", state["top"], 1)
        values = state["shortfalls"]
        if not isinstance(values, list) or len(values) > self.history:
            raise ValueError(
                f"shortfalls must be a list of at most {self.history} numbers, got {values!r}"
            )
        self._shortfalls = [_real("a shortfall", v) for v in values]


class ThresholdCurriculum(Curriculum):
    """Grow the length by one when the training error at the current length falls below 15%.

    The Neural GPU curriculum: Kaiser and Sutskever, "Neural GPUs Learn Algorithms" (2015,
    arXiv 1511.08228), also used by Price, Zaremba, Sutskever 2016 ("Extensions and Limitations
    of the Neural GPU"). Collier and Beel 2018 found this "look back and forward" mixing the
    best hand-made syllabus.

    Rule: with probability ``mix`` the length is uniform over ``[min_length, L]``, else exactly
    L. L grows by one when the share of episodes at length L that were not solved falls below
    ``error_threshold`` over at least ``min_episodes`` such episodes. ``finished`` when
    ``L >= max_level``.

    Choices where the paper is vague:

    * "A share of samples drawn from all lengths up to the maximum" is read as up to the current
      L (not the final length): longer samples would be noise early on.
    * Episodes at length L are accumulated across updates (whole updates at a time) until there
      are ``min_episodes``; then the decision is taken and the tally restarts, promotion or not
      (non-overlapping windows, so an early bad stretch is forgotten).
    * "Solved" means every target symbol written correctly. While finished nothing is tallied;
      ``advance()`` does ``L += 1``, sets the top one above it and restarts the tally.

    Args:
        start: the first length L.
        max_level: the final length; the schedule is finished when L reaches it (named
            ``max_level`` rather than ``max_length``, which is the current longest length).
        min_length: lower end of the uniform part.
        mix: share of lengths drawn uniformly over ``[min_length, L]``.
        error_threshold: L grows when the error at L falls below this.
        min_episodes: episodes at length L needed for a decision.
    """

    name = "threshold"

    def __init__(
        self,
        *,
        start: int = 2,
        max_level: int = 20,
        min_length: int = 1,
        mix: float = 0.2,
        error_threshold: float = 0.15,
        min_episodes: int = 20,
    ) -> None:
        what = f"{self.name} curriculum:"
        self.min_length = _whole(f"{what} min_length", min_length, 1)
        self.start = _whole(f"{what} start (>= min_length)", start, self.min_length)
        self.max_level = _whole(f"{what} max_level (>= start)", max_level, self.start)
        self.mix = _real(f"{what} mix", mix, 0.0, 1.0)
        self.error_threshold = _real(f"{what} error_threshold", error_threshold, 0.0, 1.0)
        self.min_episodes = _whole(f"{what} min_episodes", min_episodes, 1)
        self._length = self.start
        self._top = self.max_level
        self._seen = 0
        self._unsolved = 0

    def distribution(self) -> LengthDistribution:
        """``mix`` uniform over ``[min_length, L]``, the rest exactly L."""
        lengths = np.arange(self.min_length, self._length + 1)
        probs = np.full(lengths.size, self.mix / lengths.size)
        probs[-1] += 1.0 - self.mix
        return LengthDistribution(lengths, probs)

    def update(self, stats: EpisodeStats, evaluate: Evaluator) -> None:
        """Tally the episodes at length L; decide once there are ``min_episodes``."""
        if self.finished:
            return
        at = stats.length == self._length
        self._seen += int(at.sum())
        self._unsolved += int((~stats.solved[at]).sum())
        if self._seen < self.min_episodes:
            return
        error = self._unsolved / self._seen
        self._seen = self._unsolved = 0
        if error < self.error_threshold:
            self._length += 1

    @property
    def level(self) -> int:
        """The current length L."""
        return self._length

    @property
    def finished(self) -> bool:
        """L has reached the final length."""
        return self._length >= self._top

    def advance(self) -> None:
        """``L += 1``; the top becomes ``L + 1``; restart the tally."""
        self._length += 1
        self._top = self._length + 1
        self._seen = self._unsolved = 0

    def _config(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "max_level": self.max_level,
            "min_length": self.min_length,
            "mix": self.mix,
            "error_threshold": self.error_threshold,
            "min_episodes": self.min_episodes,
        }

    def _counters(self) -> dict[str, Any]:
        return {
            "length": self._length,
            "top": self._top,
            "seen": self._seen,
            "unsolved": self._unsolved,
        }

    def _load_counters(self, state: Mapping[str, Any]) -> None:
        self._length = _whole("length", state["length"], self.min_length)
        self._top = _whole("top", state["top"], self.min_length)
        self._seen = _whole("seen", state["seen"], 0)
        self._unsolved = _whole("unsolved (<= seen)", state["unsolved"], 0)
        if self._unsolved > self._seen:
            raise ValueError(f"unsolved ({self._unsolved}) exceeds seen ({self._seen})")


# ---------------------------------------------------------------------------------- registry

#: every schedule by name
CURRICULA: dict[str, type[Curriculum]] = {
    cls.name: cls
    for cls in (
        NoCurriculum,
        ZarembaCurriculum,
        RLNTMCurriculum,
        GymCurriculum,
        ThresholdCurriculum,
    )
}


def make_curriculum(name: str, **kwargs: Any) -> Curriculum:
    """Build the schedule ``name`` with its options.

    Raises:
        ValueError: unknown ``name`` (the message lists the choices), options the schedule does
            not have (named in the message) or bad option values.
    """
    if name not in CURRICULA:
        raise ValueError(f"unknown curriculum {name!r}; choose from {list(CURRICULA)}")
    return _construct(CURRICULA[name], kwargs)


def curriculum_from_state(state: Mapping[str, Any]) -> Curriculum:
    """Rebuild a schedule from a :meth:`Curriculum.state_dict` alone (e.g. from a checkpoint)."""
    name = state.get("name") if isinstance(state, Mapping) else None
    if name not in CURRICULA:
        raise ValueError(f"not a curriculum state: name {name!r} is not one of {list(CURRICULA)}")
    curriculum = make_curriculum(name)
    curriculum.load_state_dict(state)
    return curriculum
