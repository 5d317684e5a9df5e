"""What every task is made of: one input generator and one target function.

A task turns a *raw instance* (a dict of numpy arrays with a leading batch axis, e.g. the digits
of the numbers to add) into :class:`Instances`: the symbols laid out on the input tape or grid,
the symbols to write, and the time limit. Everything else derives from that single definition:
the batched machine (:mod:`envs.machine`) steps it, the Gymnasium environments wrap the machine,
and :meth:`Task.oracle` writes ``target[out_pos]`` wherever the reference program writes.

Symbols: digits ``0 .. base-1``, then ``BLANK = base`` (every cell outside the input), then the
task's markers (``END`` after the input, Walk's turn letters).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

if TYPE_CHECKING:
    from envs.machine import TapeMachine

Raw = dict[str, np.ndarray]

#: (row delta, column delta) of every head move a task may offer.
MOVES: dict[str, tuple[int, int]] = {
    "left": (0, -1),
    "right": (0, 1),
    "up": (-1, 0),
    "down": (1, 0),
    "stay": (0, 0),
}

DISTRIBUTIONS = ("uniform", "adversarial")


@dataclass
class Instances:
    """A batch of ``n`` task instances, ready to load into the machine.

    Attributes:
        grid: (n, R, W) symbols on the input grid (R = 1 for tapes); BLANK where nothing is.
        target: (n, T) symbols the agent must write, BLANK beyond ``target_len``.
        target_len: (n,) number of symbols to write.
        length: (n,) the input length the instance was drawn at.
        time_limit: (n,) steps allowed before the episode is truncated.
        params: per-instance facts the oracle needs, each (n,), and ``oracle_steps``, the
            reference program's length (where demonstrations hand over to a learner).
        memory_width: (n,) cells of the memory tape, for tasks that have one.
    """

    grid: np.ndarray
    target: np.ndarray
    target_len: np.ndarray
    length: np.ndarray
    time_limit: np.ndarray
    params: dict[str, np.ndarray] = field(default_factory=dict)
    memory_width: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.length)

    def select(self, rows: slice | np.ndarray) -> Instances:
        """The instances at ``rows``."""
        return Instances(
            grid=self.grid[rows],
            target=self.target[rows],
            target_len=self.target_len[rows],
            length=self.length[rows],
            time_limit=self.time_limit[rows],
            params={k: v[rows] for k, v in self.params.items()},
            memory_width=None if self.memory_width is None else self.memory_width[rows],
        )

    @staticmethod
    def scatter(
        parts: list[tuple[np.ndarray, Instances]], n: int, blank: int, dtype: type
    ) -> Instances:
        """One batch of ``n`` from parts placed at row indices; grids and targets padded."""
        _, first = parts[0]
        rows = max(p.grid.shape[1] for _, p in parts)
        cols = max(p.grid.shape[2] for _, p in parts)
        width = max(p.target.shape[1] for _, p in parts)
        out = Instances(
            grid=np.full((n, rows, cols), blank, dtype=dtype),
            target=np.full((n, width), blank, dtype=dtype),
            target_len=np.zeros(n, dtype=np.int64),
            length=np.zeros(n, dtype=np.int64),
            time_limit=np.zeros(n, dtype=np.int64),
            params={k: np.zeros(n, dtype=v.dtype) for k, v in first.params.items()},
            memory_width=None if first.memory_width is None else np.zeros(n, dtype=np.int64),
        )
        for at, part in parts:
            _, r, c = part.grid.shape
            out.grid[at, :r, :c] = part.grid
            out.target[at, : part.target.shape[1]] = part.target
            for name in ("target_len", "length", "time_limit"):
                getattr(out, name)[at] = getattr(part, name)
            for k, v in part.params.items():
                out.params[k][at] = v
            if out.memory_width is not None:
                out.memory_width[at] = part.memory_width
        return out


class Task(ABC):
    """One algorithmic task: input generator, target function, reference program.

    Subclasses set the class attributes and implement :meth:`draw` (the input generator),
    :meth:`parse` (an explicit input given by a user), :meth:`target` (the target function),
    :meth:`layout` (where the input sits on the tape or grid), :meth:`oracle_steps` and
    :meth:`oracle` (the reference program's head actions).
    """

    name: ClassVar[str]
    #: the input head's moves, in action order
    moves: ClassVar[tuple[str, ...]] = ("left", "right")
    #: marker symbols after BLANK, in symbol order
    markers: ClassVar[tuple[str, ...]] = ("END",)
    #: whether the task has a memory tape unless ``memory=`` says otherwise
    default_memory: ClassVar[bool] = False
    arithmetic: ClassVar[bool] = False
    default_base: ClassVar[int] = 10
    default_length: ClassVar[Any] = (2, 10)
    default_reward_scheme: ClassVar[str] = "paper"

    def __init__(
        self, base: int | None = None, stay: bool = False, memory: bool | None = None
    ) -> None:
        self.uses_memory = self.default_memory if memory is None else bool(memory)
        self.base = self.whole_number("base", self.default_base if base is None else base, 2)
        self.blank = self.base
        names = self.moves
        if stay and "stay" not in names:  # a tape's moves become -1, 0, +1
            names = ("left", "stay", "right") if names == ("left", "right") else (*names, "stay")
        self.move_names: tuple[str, ...] = names
        self.move_delta = np.array([MOVES[m] for m in names], dtype=np.int64)  # (n_moves, 2)
        self.is_grid = bool(self.move_delta[:, 0].any())

    # ----------------------------------------------------------------------------- alphabet
    @property
    def num_symbols(self) -> int:
        """Size of the observation alphabet: digits, BLANK and markers."""
        return self.base + 1 + len(self.markers)

    def marker(self, name: str) -> int:
        """The symbol code of marker ``name``."""
        return self.base + 1 + self.markers.index(name)

    def move(self, name: str) -> int:
        """The action index of head move ``name``."""
        return self.move_names.index(name)

    def action_names(self) -> list[str]:
        """Names of the action components, in order."""
        memory = ["mem_move", "mem_write", "mem_symbol"] if self.uses_memory else []
        return ["move", "write", "symbol", *memory]

    def symbol_names(self) -> list[str]:
        """Printable name of every symbol, for rendering."""
        width = len(str(self.base - 1))
        digits = [str(d).rjust(width) for d in range(self.base)]
        names = {"END": "$", "LEFT": "l", "UP": "u", "DOWN": "d"}
        return digits + [" " * width] + [names[m].rjust(width) for m in self.markers]

    # ----------------------------------------------------------------------------- definition
    @abstractmethod
    def draw(self, rng: np.random.Generator, n: int, length: int, distribution: str) -> Raw:
        """The input generator: ``n`` raw instances of input length ``length``."""

    @abstractmethod
    def parse(self, value: Any) -> Raw:
        """One raw instance (batch of 1) from an explicit input; ValueError if malformed."""

    @abstractmethod
    def target(self, raw: Raw) -> tuple[np.ndarray, np.ndarray]:
        """The target function: symbols to write (n, T) padded with BLANK, and lengths (n,)."""

    @abstractmethod
    def layout(self, raw: Raw) -> np.ndarray:
        """The input as it lies on the grid: (n, R, W) symbols."""

    @abstractmethod
    def oracle_steps(self, raw: Raw) -> np.ndarray:
        """(n,) steps the reference program takes to write the whole target."""

    @abstractmethod
    def oracle(self, m: TapeMachine) -> dict[str, np.ndarray]:
        """The reference program's head actions in the machine's current state.

        Returns arrays of shape (B,): ``move`` and ``write``, and for programs that use the
        memory tape ``mem_move``, ``mem_write``, ``mem_symbol`` (else the memory head stays).
        The symbol written is always ``target[out_pos]``, filled in by the machine, so the
        oracle never restates the task's rule.
        """

    def input_length(self, raw: Raw) -> np.ndarray:
        """(n,) the input length of each raw instance."""
        return np.full(len(next(iter(raw.values()))), raw_length(raw), dtype=np.int64)

    def oracle_params(self, raw: Raw) -> dict[str, np.ndarray]:
        """Per-instance facts the oracle reads from the machine, each (n,)."""
        return {}

    def memory_width(self, raw: Raw) -> np.ndarray | None:
        """(n,) memory-tape cells (input length + 1), or None without a memory tape."""
        return self.input_length(raw) + 1 if self.uses_memory else None

    def time_limit(self, raw: Raw) -> np.ndarray:
        """(n,) steps allowed: twice what the reference program needs, plus 10."""
        return 2 * self.oracle_steps(raw) + 10

    def build(self, raw: Raw) -> Instances:
        """Turn raw instances into everything the machine needs."""
        target, target_len = self.target(raw)
        return Instances(
            grid=self.layout(raw),
            target=target,
            target_len=target_len,
            length=self.input_length(raw),
            time_limit=self.time_limit(raw).astype(np.int64),
            params={**self.oracle_params(raw), "oracle_steps": self.oracle_steps(raw)},
            memory_width=self.memory_width(raw),
        )

    def sample(
        self, rng: np.random.Generator, n: int, length: int, distribution: str = "uniform"
    ) -> Instances:
        """``n`` fresh instances of input length ``length``."""
        if length < 1:
            raise ValueError(f"{self.name}: input length must be >= 1, got {length}")
        self.check_distribution(distribution)
        return self.build(self.draw(rng, n, int(length), distribution))

    def check_distribution(self, distribution: str) -> str:
        """``distribution`` if this task offers it, else ValueError naming the choices."""
        if distribution not in DISTRIBUTIONS:
            raise ValueError(
                f"{self.name}: unknown input distribution {distribution!r}; "
                f"choose from {DISTRIBUTIONS}"
            )
        if distribution == "adversarial" and not self.arithmetic:
            raise ValueError(f"{self.name}: the adversarial distribution is for arithmetic tasks")
        return distribution

    def from_input(self, value: Any) -> Instances:
        """One instance from an explicit input (``reset(options={"input": value})``)."""
        return self.build(self.parse(value))

    # ----------------------------------------------------------------------------- helpers
    def whole_number(self, name: str, value: Any, minimum: int) -> int:
        """``value`` as an int, or ValueError naming the parameter unless it is >= minimum."""
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
            raise ValueError(f"{self.name}: {name} must be an integer >= {minimum}, got {value!r}")
        return int(value)

    def digits(self, value: Any, what: str = "input", ndim: int = 1) -> np.ndarray:
        """Validate user-given digits: integers in ``0 .. base-1`` with ``ndim`` axes."""
        try:
            arr = np.asarray(value)
        except (TypeError, ValueError) as err:  # ragged lists
            raise ValueError(f"{self.name}: {what} must be a rectangular array of digits") from err
        if arr.size == 0:
            arr = arr.reshape((0,) * ndim if ndim == 1 else arr.shape).astype(np.int64)
        if arr.ndim != ndim or (arr.size and not np.issubdtype(arr.dtype, np.integer)):
            raise ValueError(
                f"{self.name}: {what} must be a {ndim}-D array of integer digits, got {value!r}"
            )
        if arr.size and (arr.min() < 0 or arr.max() >= self.base):
            raise ValueError(
                f"{self.name}: {what} holds symbols outside 0..{self.base - 1} (base {self.base})"
            )
        return arr.astype(np.int64)

    def uniform_digits(self, rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
        """Digits drawn uniformly from ``0 .. base-1``."""
        return rng.integers(0, self.base, size=shape, dtype=np.int64)

    def pad_target(self, rows: list[np.ndarray] | np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """Pad a target array to (n, max(lengths)) with BLANK beyond each length."""
        out = np.asarray(rows, dtype=np.int64)
        cols = np.arange(out.shape[1])
        return np.where(cols[None, :] < lengths[:, None], out, self.blank)


def whole_sequence(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Target and target lengths when the target is all of (n, L) ``x``."""
    return x, np.full(len(x), x.shape[1], dtype=np.int64)


def raw_length(raw: Raw) -> int:
    """The input length recorded in a raw instance (its ``"x"`` or ``"rows"`` width)."""
    key = "x" if "x" in raw else "rows"
    return int(raw[key].shape[-1])


def toward(col: np.ndarray, goal: np.ndarray, left: int, right: int) -> np.ndarray:
    """Tape move towards ``goal`` (right when already there): (B,) move indices."""
    return np.where(goal < col, left, right)
