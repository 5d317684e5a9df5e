"""The RL-NTM direct-access paths (Zaremba and Sutskever, arXiv 1505.00521v3).

Beside the LSTM, the symbol under the input head is added to the output prediction and to the
value written to memory, and the memory cell under the memory head is added to the output
prediction and carried into the cell the memory head moves to. Each addition is gated by a
sigmoid scalar computed from the controller state, so the controller chooses, step by step,
which path to open: Copy needs input -> output, ForwardReverse input -> memory, then
memory -> output.
"""

from __future__ import annotations

import torch
from torch import nn

#: the gated paths, in the order of the gate head's outputs
PATHS = ("input_to_output", "memory_to_output", "input_to_memory", "memory_to_next_cell")


class DirectAccess(nn.Module):
    """Gated additive paths from the input symbol and the memory read.

    Args:
        hidden: controller units (the gates read the controller state).
        n_symbols: size of the input alphabet (one-hot input symbol).
        base: output symbols.
        mem_dim: reals per memory cell (0: no memory, only the input -> output path).
    """

    def __init__(self, hidden: int, n_symbols: int, base: int, mem_dim: int) -> None:
        super().__init__()
        self.gates = nn.Linear(hidden, len(PATHS))
        self.input_to_output = nn.Linear(n_symbols, base, bias=False)
        self.mem_dim = mem_dim
        if mem_dim:
            self.memory_to_output = nn.Linear(mem_dim, base, bias=False)
            self.input_to_memory = nn.Linear(n_symbols, mem_dim, bias=False)

    def forward(
        self, h: torch.Tensor, symbol: torch.Tensor, read: torch.Tensor | None
    ) -> dict[str, torch.Tensor]:
        """The additions for one step.

        Args:
            h: (B, hidden) controller state.
            symbol: (B, n_symbols) one-hot symbol under the input head.
            read: (B, mem_dim) memory cell under the memory head, or None without memory.

        Returns:
            ``"output"`` (B, base) added to the symbol logits; with memory also ``"memory"``
            (B, mem_dim) added to the value written and ``"carry"`` (B, 1), the share of the
            cell read that is added to the cell the memory head moves to.
        """
        g = torch.sigmoid(self.gates(h))  # (B, 4)
        out = {"output": g[:, :1] * self.input_to_output(symbol)}  # (B, base)
        if read is not None:
            out["output"] = out["output"] + g[:, 1:2] * self.memory_to_output(read)
            out["memory"] = g[:, 2:3] * self.input_to_memory(symbol)  # (B, mem_dim)
            out["carry"] = g[:, 3:4]  # (B, 1)
        return out
