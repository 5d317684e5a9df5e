"""A batch of memory tapes of real vectors, each with one discrete head (the RL-NTM memory).

The tape holds ``W`` cells of ``D`` reals per episode, all zero at first; the head starts on
cell 0 and moves -1 / 0 / +1. The tape is unbounded both ways: it grows on whichever side a head
walks past its end (growing on the left shifts every position), so it never limits an episode
and no move is turned into a stay by a wall. The functions are pure
while autograd records (every write returns a new tensor, so the values written stay
differentiable) and write in place otherwise (long greedy evaluations).
"""

from __future__ import annotations

import torch

#: cells of a fresh tape; it doubles whenever a head walks past its end
INITIAL_WIDTH = 8


def blank_tape(batch: int, dim: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """Cells (B, W, D) of zeros and head positions (B,) at 0."""
    cells = torch.zeros(batch, INITIAL_WIDTH, dim, device=device)  # (B, W, D)
    return cells, torch.zeros(batch, dtype=torch.long, device=device)


def read(cells: torch.Tensor, pos: torch.Tensor) -> torch.Tensor:
    """The cell under each head: (B, D)."""
    return cells[torch.arange(len(pos), device=pos.device), pos]


def write(cells: torch.Tensor, pos: torch.Tensor, value: torch.Tensor) -> torch.Tensor:
    """``cells`` with ``value`` (B, D) stored in the cell under each head."""
    rows = torch.arange(len(pos), device=pos.device)
    if torch.is_grad_enabled():
        return cells.index_put((rows, pos), value)
    return cells.index_put_((rows, pos), value)


def move(
    cells: torch.Tensor, pos: torch.Tensor, delta: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Move each head by ``delta`` (B,) in {-1, 0, +1}; grow the tape if a head leaves it.

    Growing on the left doubles the tape and shifts every position by the old width."""
    pos = pos + delta
    low, high = torch.stack(torch.aminmax(pos)).tolist()  # one read back from the device a step
    if low < 0:
        pos, high = pos + cells.shape[1], high + cells.shape[1]
        cells = torch.cat([torch.zeros_like(cells), cells], dim=1)  # (B, 2W, D)
    if high >= cells.shape[1]:
        cells = torch.cat([cells, torch.zeros_like(cells)], dim=1)  # (B, 2W, D)
    return cells, pos
