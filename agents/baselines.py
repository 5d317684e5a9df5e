"""The RL-NTM offline baseline: an LSTM that reads the whole input first, then runs beside the
controller and predicts the return still to come at every step.

It sees the whole input tape before the episode starts, which the controller cannot, and at step
t only what the controller saw before choosing its action (its input features), so its
prediction is a valid REINFORCE baseline: it never depends on the action it is compared with.
"""

from __future__ import annotations

import torch
from torch import nn


class OfflineBaseline(nn.Module):
    """Predicts the return-to-go from the whole input tape and the controller's features.

    Args:
        n_symbols: size of the tape alphabet (one-hot tape cells).
        features: size of the controller's per-step input.
        hidden: LSTM units.
    """

    def __init__(self, n_symbols: int, features: int, hidden: int) -> None:
        super().__init__()
        self.n_symbols = n_symbols
        self.core = nn.LSTM(n_symbols + features, hidden)
        self.head = nn.Linear(hidden, 1)

    def forward(self, tape: torch.Tensor, steps: torch.Tensor) -> torch.Tensor:
        """Baselines (T, B) for one-hot tapes (W, B, n_symbols) and step inputs (T, B, F)."""
        w, t = tape.shape[0], steps.shape[0]
        reading = torch.cat([tape, tape.new_zeros(w, tape.shape[1], steps.shape[2])], dim=2)
        running = torch.cat([steps.new_zeros(t, steps.shape[1], self.n_symbols), steps], dim=2)
        h, _ = self.core(torch.cat([reading, running]))  # (W + T, B, hidden)
        return self.head(h[w:]).squeeze(-1)  # (T, B)
