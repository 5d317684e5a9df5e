"""Pictures of what a sequence model does, as in the NTM paper's figures: the inputs, the
targets, the outputs and the read and write weightings over time, as heatmaps (time runs left
to right). A learned copy program shows at a glance: the write weighting walks down the memory
while the input arrives, then the read weighting walks down the same cells."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

#: panels drawn when present in a trace, top to bottom: key -> title
PANELS = {
    "inputs": "inputs",
    "targets": "targets (scored steps)",
    "outputs": "outputs",
    "write_weights": "write weighting",
    "read_weights": "read weighting",
}


def used_cells(trace: dict[str, np.ndarray], margin: int = 2) -> slice:
    """The memory rows any head weighted above 1% (plus ``margin``), to keep pictures legible."""
    weights = [trace[k].max(axis=(0, 1)) for k in ("read_weights", "write_weights") if k in trace]
    if not weights:
        return slice(None)
    hot = np.flatnonzero(np.max(weights, axis=0) > 0.01)
    if hot.size == 0:
        return slice(None)
    return slice(max(int(hot.min()) - margin, 0), int(hot.max()) + margin + 1)


def trace_figure(trace: dict[str, np.ndarray], title: str = "") -> Figure:
    """Draw a :meth:`agents.sequence_learner.SequenceLearner.trace` as stacked heatmaps.

    Weightings of several heads are stacked (head 0 on top); only the memory rows in use are
    shown (their range is in the panel's label). The caller saves or logs the figure, then
    closes it.
    """
    cells = used_cells(trace)
    images = []
    for key, name in PANELS.items():
        if key not in trace:
            continue
        value = trace[key]
        if key == "targets":
            value = value * trace["mask"][:, None]
        if value.ndim == 3:  # (T, heads, N) -> (heads * cells, T)
            value = value[:, :, cells].transpose(1, 2, 0).reshape(-1, value.shape[0])
            start = cells.start or 0
            name = f"{name} (cells {start}..{start + value.shape[0] // trace[key].shape[1] - 1})"
        else:
            value = value.T  # (features, T)
        images.append((name, value))
    heights = [min(max(img.shape[0], 4), 32) for _, img in images]  # memory panels squeezed
    fig, axes = plt.subplots(
        len(images), 1, figsize=(8, 1.5 + 0.1 * sum(heights)), height_ratios=heights, sharex=True
    )
    for ax, (name, img) in zip(np.atleast_1d(axes), images, strict=True):
        ax.imshow(img, aspect="auto", cmap="gray_r", vmin=0, vmax=max(1.0, float(img.max())))
        ax.set_ylabel(name, rotation=0, ha="right", va="center", fontsize=8)
        ax.set_yticks([])
    np.atleast_1d(axes)[-1].set_xlabel("time step")
    fig.suptitle(title, fontsize=9)
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    return fig


def save_figure(figure: Figure, path: str | Path) -> Path:
    """Save ``figure`` as a PNG at ``path`` (folders created) and close it; returns ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


__all__ = ["PANELS", "save_figure", "trace_figure", "used_cells"]
