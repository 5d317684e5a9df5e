"""Run logging: TensorBoard plus a JSON-lines file, with fixed key prefixes; a progress bar.

Keys follow SB3's logger: a prefix names the group, ``train/loss``, ``rollout/ep_rew_mean``,
``eval/accuracy``, ``curriculum/level``, ``time/sps``. :class:`RunLogger` buffers
``record(key, value)`` calls and :meth:`RunLogger.dump` writes them all at one step, both to
TensorBoard (``run_dir/tb/``) and as one JSON line in ``run_dir/metrics.jsonl``; the
configuration goes to TensorBoard as a Markdown table under the tag ``config`` (CleanRL's
hyperparameter table). A run folder looks like::

    runs/{env}__{exp}__{seed}__{time}/
        config.json        # write_json_atomic(run_dir / "config.json", asdict(args))
        checkpoint.pt      # rlntm.checkpoints
        metrics.jsonl      # one row per dump: {"step": ..., "time": ..., "train/loss": ...}
        tb/events.out.tfevents.*

Resuming: give the step of the checkpoint resumed from as ``resume_step``. Rows of
metrics.jsonl after it are dropped and TensorBoard is told to hide events after it (the
``purge_step`` of :class:`~torch.utils.tensorboard.SummaryWriter`), so a run killed after its
last checkpoint and resumed shows each step once.
"""

from __future__ import annotations

import dataclasses
import json
import math
import time
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

import numpy as np
from tqdm import tqdm

from rlntm.checkpoints import atomic_write

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "KNOWN_PREFIXES",
    "METRICS_NAME",
    "TB_DIR",
    "Progress",
    "RunLogger",
    "config_table",
    "write_json_atomic",
]

METRICS_NAME = "metrics.jsonl"
"""The JSON-lines metrics file inside a run folder."""

TB_DIR = "tb"
"""The TensorBoard folder inside a run folder."""

KNOWN_PREFIXES = ("train/", "rollout/", "eval/", "curriculum/", "time/")
"""The usual key prefixes; any ``prefix/name`` key is accepted."""


class _Closing:
    """``with obj: ...`` calls ``obj.close()`` at the end."""

    def close(self) -> None:
        """Release what the object holds."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class RunLogger(_Closing):
    """Scalars to TensorBoard and ``metrics.jsonl``, the config to TensorBoard as a table.

    Use as a context manager (or call :meth:`close`)::

        with RunLogger(run_dir, asdict(args)) as log:
            log.record("train/loss", loss)
            log.record("time/sps", sps)
            log.dump(global_step)

    Args:
        run_dir: the run folder; created (with parents) if needed.
        config: the resolved configuration; nested dicts are flattened with dotted keys in the
            TensorBoard table.
        tensorboard: write TensorBoard event files under ``run_dir/tb/``. If False only
            ``metrics.jsonl`` is written and :meth:`text` does nothing.
        resume_step: the step of the checkpoint this run resumes from, or None for a new run.
            Rows of ``metrics.jsonl`` with a larger step (and unreadable rows, such as a line
            half-written when the previous process was killed) are dropped, the file being
            rewritten atomically; TensorBoard hides events with a larger step; the ``time``
            column continues from the last row kept. Without ``resume_step`` rows are appended
            to an existing metrics.jsonl as they are.
    """

    def __init__(
        self,
        run_dir: Path,
        config: dict[str, Any],
        tensorboard: bool = True,
        resume_step: int | None = None,
    ) -> None:
        self.run_dir = Path(run_dir)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.metrics_path = self.run_dir / METRICS_NAME
        self._buffer: dict[str, float] = {}
        self._time_offset = 0.0
        if resume_step is not None:
            self._time_offset = _truncate_metrics(self.metrics_path, int(resume_step))
        self._start = time.monotonic()
        self._closed = False
        self._writer = None
        if tensorboard:
            from torch.utils.tensorboard import SummaryWriter

            purge_step = None if resume_step is None else int(resume_step) + 1
            self._writer = SummaryWriter(log_dir=str(self.run_dir / TB_DIR), purge_step=purge_step)
            self._writer.add_text("config", config_table(config), resume_step or 0)
            self._writer.flush()
        self._metrics_file = open(self.metrics_path, "a", encoding="utf-8")

    @property
    def elapsed_seconds(self) -> float:
        """Seconds since the run started (continued across resumes), as written to ``time``."""
        return self._time_offset + (time.monotonic() - self._start)

    def record(self, key: str, value: float) -> None:
        """Buffer a scalar until the next :meth:`dump`; a later value for the same key wins.

        Args:
            key: ``prefix/name``, e.g. ``train/loss``, ``eval/accuracy``.
            value: anything ``float()`` accepts (Python and numpy numbers, 1-element tensors).

        Raises:
            ValueError: if the key has no ``prefix/`` (or an empty name), or is ``step`` or
                ``time``.
        """
        prefix, slash, name = key.partition("/")
        if not (prefix and slash and name):
            raise ValueError(
                f"metric key {key!r} needs a prefix, as in 'train/loss'; usual prefixes: "
                f"{', '.join(KNOWN_PREFIXES)}"
            )
        self._check_open()
        self._buffer[key] = float(value)

    def dump(self, step: int) -> None:
        """Write every buffered scalar at ``step`` and clear the buffer.

        Each scalar goes to TensorBoard; one row ``{"step": step, "time": seconds, ...keys}``
        (keys sorted) is appended to ``metrics.jsonl`` and flushed. Nothing is written when the
        buffer is empty.

        Args:
            step: the global step (environment steps) of these values.
        """
        self._check_open()
        if not self._buffer:
            return
        step = int(step)
        row: dict[str, Any] = {"step": step, "time": round(self.elapsed_seconds, 3)}
        row.update(sorted(self._buffer.items()))
        if self._writer is not None:
            for key, value in self._buffer.items():
                self._writer.add_scalar(key, value, step)
            self._writer.flush()
        self._metrics_file.write(json.dumps(row, allow_nan=True) + "\n")
        self._metrics_file.flush()
        self._buffer.clear()

    def text(self, tag: str, text: str, step: int) -> None:
        """Write Markdown text to TensorBoard (e.g. a rendered episode); nothing without it.

        Args:
            tag: the TensorBoard tag (stored as ``{tag}/text_summary``).
            text: Markdown; wrap tapes in a code block (four-space indent) to keep columns.
            step: the global step.
        """
        self._check_open()
        if self._writer is not None:
            self._writer.add_text(tag, text, int(step))

    def figure(self, tag: str, figure: Figure, step: int) -> None:
        """Write a matplotlib figure to TensorBoard as an image, and close the figure.

        Args:
            tag: the TensorBoard tag, e.g. ``pictures/length_20``.
            figure: the figure (closed afterwards, with or without TensorBoard).
            step: the global step.
        """
        self._check_open()
        if self._writer is not None:
            self._writer.add_figure(tag, figure, int(step), close=True)
            self._writer.flush()
        else:
            import matplotlib.pyplot as plt

            plt.close(figure)

    def close(self) -> None:
        """Flush and close both outputs; values still buffered are discarded. Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._metrics_file.close()
        if self._writer is not None:
            self._writer.close()

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError(f"the RunLogger of {self.run_dir} is closed")


class Progress(_Closing):
    """A progress bar over environment steps (a thin wrapper over tqdm).

    With ``total_steps`` the bar shows the fraction done and an ETA; with only ``max_minutes``
    it counts steps and shows the elapsed time against the limit (in its description).

    Args:
        total_steps: the step budget, or None.
        max_minutes: the wall-clock budget in minutes, or None (shown, not enforced: the trainer
            checks :attr:`elapsed_minutes` or :attr:`out_of_time`).
        initial: steps already done (when resuming).
        disable: no bar at all (the clock still runs).
    """

    def __init__(
        self,
        total_steps: int | None,
        max_minutes: float | None,
        initial: int = 0,
        disable: bool = False,
    ) -> None:
        self.total_steps = total_steps
        self.max_minutes = max_minutes
        self._start = time.monotonic()
        desc = None if max_minutes is None else f"max {max_minutes:g} min"
        self._bar = tqdm(
            total=total_steps,
            initial=initial,
            desc=desc,
            unit="step",
            unit_scale=True,
            dynamic_ncols=True,
            disable=disable,
        )

    @property
    def n(self) -> int:
        """Steps counted so far (``initial`` included)."""
        return int(self._bar.n)

    @property
    def elapsed_minutes(self) -> float:
        """Minutes since this bar was created."""
        return (time.monotonic() - self._start) / 60.0

    @property
    def out_of_time(self) -> bool:
        """True once ``max_minutes`` have passed (never without ``max_minutes``)."""
        return self.max_minutes is not None and self.elapsed_minutes >= self.max_minutes

    def update(self, steps: int, **postfix: Any) -> None:
        """Advance by ``steps`` and show ``postfix`` (``level=3, accuracy=0.91, ...``)."""
        if postfix:
            self._bar.set_postfix(postfix, refresh=False)
        self._bar.update(steps)

    def close(self) -> None:
        """Close the bar."""
        self._bar.close()


def write_json_atomic(path: str | Path, obj: Any) -> None:
    """Write ``obj`` as indented JSON, atomically (temporary file, fsync, :func:`os.replace`).

    Paths, numpy scalars and arrays, and dataclass instances are converted; anything else
    that JSON cannot encode raises TypeError (and ``path`` is left as it was).

    Args:
        path: the file; its folder is created if needed.
        obj: the value to write.
    """
    with atomic_write(path, "w") as f:
        json.dump(obj, f, indent=2, default=_json_default)
        f.write("\n")


def config_table(config: dict[str, Any]) -> str:
    """The configuration as a Markdown table (CleanRL's hyperparameter text), nested keys dotted.

    Args:
        config: the configuration.

    Returns:
        ``|param|value|`` rows, one per (flattened) key; ``|`` escaped, newlines made spaces.
    """
    rows = [f"|{_cell(key)}|{_cell(value)}|" for key, value in _flatten(config).items()]
    return "|param|value|\n|-|-|\n" + "\n".join(rows)


def _cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _flatten(config: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in config.items():
        if isinstance(value, dict) and value:
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _json_default(obj: Any) -> Any:
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.asdict(obj)
    raise TypeError(f"cannot write {type(obj).__name__} as JSON: {obj!r}")


def _truncate_metrics(path: Path, resume_step: int) -> float:
    """Drop rows after ``resume_step`` (and unreadable ones); return the last kept row's time."""
    if not path.exists():
        return 0.0
    kept: list[str] = []
    last_time = 0.0
    changed = False
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.endswith("\n"):
                changed = True  # a row cut short (or one to end with a newline before appending)
            try:
                row = json.loads(line)
                step = int(row["step"])
            except (ValueError, KeyError, TypeError):
                changed = True
                continue
            if step > resume_step:
                changed = True
                continue
            kept.append(json.dumps(row, allow_nan=True))
            row_time = row.get("time")
            if isinstance(row_time, int | float) and math.isfinite(row_time):
                last_time = max(last_time, float(row_time))
    if changed:
        with atomic_write(path, "w") as f:
            f.writelines(line + "\n" for line in kept)
    return last_time
