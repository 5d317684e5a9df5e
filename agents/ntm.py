"""The Neural Turing Machine: Graves, Wayne, Danihelka, "Neural Turing Machines" (2014),
arXiv 1410.5401, trained end to end by backpropagation through time.

A controller (LSTM or feed-forward) reads the input and the previous read vectors; a linear
layer turns its output into every head's parameters; the heads address the memory (content,
interpolation, shift, sharpening: :mod:`agents.addressing`), read heads read and write heads
erase then add; the output layer sees the controller output and the new read vectors.

B sequences advance together: one step of the machine is a handful of batched tensor
operations, with no Python loop over sequences or heads. Stability measures (REFERENCES.md,
section 4; Collier and Beel 2018): memory initialised to a small constant, controller outputs
clipped to +-``clip``, sharpening in log space, gradient-norm clipping (in the learner; tight,
1 by default, against the spikes of backpropagation through the location addressing).

Per step, with H = read_heads + write_heads::

    h = controller([x_t, r_{t-1}])                          # (B, hidden)
    p = clip(linear(h))                                     # key, beta, gate, shifts, gamma
    w = address(memory, w_prev, p)                          # (B, H, N): reads first, writes
    r_t = read(memory, w[:, :R])                            # (B, R, M)
    memory = write(memory, w[:, R:], erase, add)            # (B, N, M)
    y_t = output([h, r_t])                                  # (B, out_dim), for all t at once
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import torch
from torch import nn

from agents import addressing
from agents.sequence_learner import LearnerConfig

NTM_CONTROLLERS = ("lstm", "ff")


@dataclass
class NTMConfig(LearnerConfig):
    """Hyper-parameters of the NTM and its training (sizes: the paper's copy setup)."""

    #: "lstm" (the issue's NTM-LSTM) or "ff" (feed-forward, tanh). BitCopy, lengths 1-20, at
    #: the optimiser settings below: NTM-LSTM under 0.1 bits within 10k sequences (docs/ntm.md)
    controller: str = "lstm"
    hidden: int = 100  #: controller units
    memory_size: int = 128  #: N, memory cells
    memory_width: int = 20  #: M, numbers per cell
    read_heads: int = 1  #: read heads
    write_heads: int = 1  #: write heads
    shift_range: int = 1  #: shifts -shift_range .. +shift_range
    clip: float = 20.0  #: controller outputs (head parameters) are clipped to +-clip
    memory_init: float = 1e-6  #: every memory entry at the start of a sequence
    #: the gradient flowing back into the previous step's weightings is clamped to
    #: +-weight_grad_clip (:func:`agents.addressing.clamp_gradient`); 0: not clamped
    weight_grad_clip: float = 0.0
    #: the initial bias of every write head's interpolation gate (content vs the previous
    #: weighting): negative starts the writes location-addressed (sigmoid(-2) = 0.12), so a
    #: write head does not jump back by content to a cell written from the same input, such
    #: as a delimiter, and overwrite it (AssociativeRecall, docs/ntm.md); 0: PyTorch's init
    write_gate_bias: float = 0.0
    #: the initial bias of every write head's sharpening exponent, which starts at
    #: gamma = 1 + softplus(bias): 0 (PyTorch's init about 0) gives about 1.7, 2 gives 3.1, so
    #: the writes start sharper, one cell rather than a blur over neighbours (2 for
    #: AssociativeRecall, docs/ntm.md); 0: PyTorch's init
    write_sharpen_bias: float = 0.0
    compile: bool = False  #: torch.compile the step function (eager when False)
    #: BitCopy, NTM-LSTM, 10k sequences (docs/ntm.md): Adam 1e-2 at batch 4 with the gradient
    #: norm clipped to 1 reached 0.018 / 0.125 / 0.040 held-out bits (seeds 1 2 3). Adam 3e-3
    #: at batch 8 learnt the copy, then fell back to chance at a gradient spike (norm 10 to
    #: 90, typically 0.01 to 1: BPTT through the location addressing) that a clip of 50 or 10
    #: does not stop
    lr: float = 1e-2
    batch_size: int = 4
    grad_clip: float = 1.0

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.controller not in NTM_CONTROLLERS:
            raise ValueError(
                f"the ntm controller must be one of {NTM_CONTROLLERS}, got {self.controller!r}"
            )
        if self.weight_grad_clip < 0:
            raise ValueError("weight_grad_clip must be >= 0")
        for name in ("write_gate_bias", "write_sharpen_bias"):
            if not math.isfinite(getattr(self, name)):
                raise ValueError(f"{name} must be finite, got {getattr(self, name)}")
        if min(self.memory_size, self.memory_width, self.read_heads, self.write_heads) < 1:
            raise ValueError("memory_size, memory_width, read_heads and write_heads must be >= 1")


class NTMState(NamedTuple):
    """The machine between two steps."""

    h: torch.Tensor  #: (B, hidden) controller output
    c: torch.Tensor  #: (B, hidden) LSTM cell (zeros for feed-forward)
    reads: torch.Tensor  #: (B, R, M) last read vectors
    weights: torch.Tensor  #: (B, H, N) last weightings, read heads first
    memory: torch.Tensor  #: (B, N, M)


class NTM(nn.Module):
    """A Neural Turing Machine over sequences (T, B, in_dim) -> logits (T, B, out_dim).

    Args:
        in_dim: input features.
        out_dim: output features.
        config: :class:`NTMConfig`.
    """

    def __init__(self, in_dim: int, out_dim: int, config: NTMConfig) -> None:
        super().__init__()
        self.config = c = config
        self.R, self.H = c.read_heads, c.read_heads + c.write_heads
        self.S = 2 * c.shift_range + 1
        # per head: key (M), beta, gate, shifts (S), gamma; per write head: erase, add (M each)
        self.address_split = (c.memory_width, 1, 1, self.S, 1)
        control_in = in_dim + self.R * c.memory_width
        if c.controller == "lstm":
            self.core: nn.Module = nn.LSTMCell(control_in, c.hidden)
        else:
            self.core = nn.Sequential(nn.Linear(control_in, c.hidden), nn.Tanh())
        self.address_params = nn.Linear(c.hidden, self.H * sum(self.address_split))
        self.write_params = nn.Linear(c.hidden, c.write_heads * 2 * c.memory_width)
        self.output = nn.Linear(c.hidden + self.R * c.memory_width, out_dim)
        self.read_init = nn.Parameter(torch.zeros(self.R, c.memory_width))  # learned r_0
        # the write heads' initial gate and gamma, where set: the biases of those parameters
        gate, gamma = sum(self.address_split[:2]), sum(self.address_split) - 1  # after key, beta
        with torch.no_grad():
            bias = self.address_params.bias.view(self.H, -1)  # (H, P)
            for index, value in ((gate, c.write_gate_bias), (gamma, c.write_sharpen_bias)):
                if value:
                    bias[self.R :, index] = value
        self.step = torch.compile(self._step, dynamic=True) if c.compile else self._step

    def initial_state(self, batch: int) -> NTMState:
        """Zero controller, learned first reads, every head on cell 0, constant memory."""
        c, like = self.config, {"device": self.read_init.device, "dtype": self.read_init.dtype}
        zeros = torch.zeros(batch, c.hidden, **like)
        weights = torch.zeros(batch, self.H, c.memory_size, **like)  # (B, H, N)
        weights[:, :, 0] = 1.0
        memory = torch.full((batch, c.memory_size, c.memory_width), c.memory_init, **like)
        reads = self.read_init.expand(batch, -1, -1)  # (B, R, M)
        return NTMState(zeros, zeros, reads, weights, memory)

    def _step(self, x: torch.Tensor, state: NTMState) -> NTMState:
        """One step: input (B, in_dim) -> the next state (its ``h`` and ``reads`` make the
        step's output)."""
        c = self.config
        B = x.shape[0]
        control_in = torch.cat([x, state.reads.flatten(1)], dim=1)  # (B, in + R*M)
        if c.controller == "lstm":
            h, cell = self.core(control_in, (state.h, state.c))  # (B, hidden) each
        else:
            h, cell = self.core(control_in), state.c  # (B, hidden)
        p = self.address_params(h).clamp(-c.clip, c.clip).view(B, self.H, -1)  # (B, H, P)
        key, beta, gate, shifts, gamma = p.split(self.address_split, dim=-1)
        w_prev = state.weights  # (B, H, N)
        if c.weight_grad_clip > 0:
            w_prev = addressing.clamp_gradient(w_prev, c.weight_grad_clip)
        weights = addressing.address(
            state.memory,
            w_prev,
            key,  # (B, H, M)
            nn.functional.softplus(beta),  # (B, H, 1)
            torch.sigmoid(gate),  # (B, H, 1)
            torch.softmax(shifts, dim=-1),  # (B, H, S)
            1.0 + nn.functional.softplus(gamma),  # (B, H, 1)
        )  # (B, H, N)
        reads = addressing.read(state.memory, weights[:, : self.R])  # (B, R, M)
        erase, add = (
            self.write_params(h).clamp(-c.clip, c.clip).view(B, c.write_heads, 2, -1).unbind(2)
        )  # (B, W, M) each
        memory = addressing.write(
            state.memory, weights[:, self.R :], torch.sigmoid(erase), torch.tanh(add)
        )  # (B, N, M)
        return NTMState(h, cell, reads, weights, memory)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        """Inputs (T, B, in_dim) -> logits (T, B, out_dim)."""
        return self.run(inputs)[0]

    def run(
        self, inputs: torch.Tensor, record: bool = False
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """Run the machine over ``inputs`` (T, B, in_dim).

        Returns the logits (T, B, out_dim) and, with ``record``, ``read_weights`` (T, B, R, N)
        and ``write_weights`` (T, B, W, N) (else an empty dict).
        """
        state = self.initial_state(inputs.shape[1])
        outputs, weights = [], []
        for x in inputs:  # (B, in_dim)
            state = self.step(x, state)
            outputs.append(torch.cat([state.h, state.reads.flatten(1)], dim=1))  # (B, hid + R*M)
            if record:
                weights.append(state.weights)
        logits = self.output(torch.stack(outputs))  # (T, B, out_dim), one matmul for all steps
        w = torch.stack(weights if record else [state.weights])  # (T or 1, B, H, N)
        addressing.assert_distribution(w)
        if not record:
            return logits, {}
        return logits, {"read_weights": w[:, :, : self.R], "write_weights": w[:, :, self.R :]}


__all__ = ["NTM", "NTMConfig", "NTMState", "NTM_CONTROLLERS"]
