"""The plain LSTM baseline of the NTM paper: stacked LSTM layers and a linear output.

Graves et al. (2014) compare the NTM with LSTMs of 3 layers of 256 to 512 units trained on the
same data; this is that model, trained by the same :class:`agents.sequence_learner.SequenceLearner`.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from agents.sequence_learner import LearnerConfig


@dataclass
class LSTMConfig(LearnerConfig):
    """Hyper-parameters of the LSTM baseline (defaults: the paper's copy baseline)."""

    hidden: int = 256  #: units per layer
    layers: int = 3  #: stacked LSTM layers


class SequenceLSTM(nn.Module):
    """Stacked LSTM over sequences (T, B, in_dim) -> logits (T, B, out_dim)."""

    def __init__(self, in_dim: int, out_dim: int, config: LSTMConfig) -> None:
        super().__init__()
        self.lstm = nn.LSTM(in_dim, config.hidden, config.layers)
        self.output = nn.Linear(config.hidden, out_dim)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        """Inputs (T, B, in_dim) -> logits (T, B, out_dim)."""
        h, _ = self.lstm(inputs)  # (T, B, hidden)
        return self.output(h)

    def run(
        self, inputs: torch.Tensor, record: bool = False
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """The logits and what there is to record (nothing: an LSTM has no heads)."""
        return self(inputs), {}


__all__ = ["LSTMConfig", "SequenceLSTM"]
