"""Memory addressing of the Neural Turing Machine (Graves, Wayne, Danihelka 2014, section 3.3).

Every function works on a batch of B sequences and H heads at once, with no Python loop over
either. Shapes: memory (B, N, M) (N cells of M numbers), weightings (B, H, N), per-head vectors
(B, H, M), per-head scalars (B, H, 1).

A head finds its weighting in four steps::

    w_c = content(memory, key, beta)            # cosine similarity, softmax with strength beta
    w_g = interpolate(w_c, w_prev, gate)        # gate 1: content, gate 0: keep the previous one
    w_s = shift(w_g, shifts)                    # circular convolution over shifts -1, 0, +1, ...
    w   = sharpen(w_s, gamma)                   # w^gamma / sum w^gamma, computed in log space

then reads ``r = sum_i w(i) M(i)`` and writes ``M(i) <- M(i) (1 - w(i) e) + w(i) a``.
"""

from __future__ import annotations

from typing import Any

import torch

#: guards divisions and logarithms
EPS = 1e-8


def assert_distribution(w: torch.Tensor, what: str = "weighting") -> None:
    """Assert that ``w`` (..., N) is a probability distribution over its last axis.

    Skipped inside ``torch.compile`` and while a CUDA graph is captured (a data-dependent
    check would break the graph, or synchronise with the host).
    """
    if torch.compiler.is_compiling() or (w.is_cuda and torch.cuda.is_current_stream_capturing()):
        return
    assert (w >= 0).all(), f"{what} has negative entries"
    sums = w.sum(-1)
    assert torch.allclose(sums, torch.ones_like(sums), atol=1e-4), f"{what} does not sum to 1"


def content(memory: torch.Tensor, key: torch.Tensor, beta: torch.Tensor) -> torch.Tensor:
    """Content weighting: softmax over cells of ``beta`` times the cosine similarity to ``key``.

    Args:
        memory: (B, N, M).
        key: (B, H, M).
        beta: (B, H, 1), >= 0 (the key strength).

    Returns:
        (B, H, N), each row a distribution.
    """
    dots = (memory.unsqueeze(1) * key.unsqueeze(2)).sum(-1)  # (B, H, N, M) -> (B, H, N)
    key_sq = (key * key).sum(-1, keepdim=True)  # (B, H, 1)
    cell_sq = (memory * memory).sum(-1).unsqueeze(1)  # (B, 1, N)
    cosine = dots / torch.sqrt(key_sq * cell_sq + EPS * EPS)  # (B, H, N)
    return torch.softmax(beta * cosine, dim=-1)  # (B, H, N)


def interpolate(w_content: torch.Tensor, w_prev: torch.Tensor, gate: torch.Tensor) -> torch.Tensor:
    """``gate * w_content + (1 - gate) * w_prev``: (B, H, N); ``gate`` (B, H, 1) in [0, 1]."""
    return gate * w_content + (1.0 - gate) * w_prev  # (B, H, N)


def shift(w: torch.Tensor, shifts: torch.Tensor) -> torch.Tensor:
    """Circular convolution of ``w`` (B, H, N) with a distribution over shifts (B, H, S).

    The S shifts are ``-(S // 2) .. S // 2`` (S odd); a shift of +1 moves weight from cell i
    to cell i + 1 (mod N): ``out(i) = sum_k shifts(k) w(i - k)``.
    """
    half = shifts.shape[-1] // 2
    wrapped = torch.cat([w[..., w.shape[-1] - half :], w, w[..., :half]], dim=-1)  # (B, H, N+S-1)
    windows = wrapped.unfold(-1, shifts.shape[-1], 1)  # (B, H, N, S): w(i + half - j) at j
    return (windows * shifts.flip(-1).unsqueeze(-2)).sum(-1)  # (B, H, N)


def sharpen(w: torch.Tensor, gamma: torch.Tensor) -> torch.Tensor:
    """``w^gamma / sum w^gamma`` as ``softmax(gamma * log w)``: (B, H, N), ``gamma`` (B, H, 1) >= 1.

    The log-space form never divides by a sum of tiny powers, so it cannot produce NaN.
    """
    return torch.softmax(gamma * torch.log(w + EPS), dim=-1)  # (B, H, N)


def address(
    memory: torch.Tensor,
    w_prev: torch.Tensor,
    key: torch.Tensor,
    beta: torch.Tensor,
    gate: torch.Tensor,
    shifts: torch.Tensor,
    gamma: torch.Tensor,
) -> torch.Tensor:
    """The four addressing steps for H heads: the new weightings (B, H, N).

    Each step keeps the weightings distributions (softmaxes, a convex combination, a
    convolution with a distribution); :class:`agents.ntm.NTM` asserts it on what it returns.
    """
    return sharpen(shift(interpolate(content(memory, key, beta), w_prev, gate), shifts), gamma)


class _ClampGradient(torch.autograd.Function):
    """The identity forward; backward clamps the incoming gradient to +-``bound``."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, bound: float) -> torch.Tensor:
        ctx.bound = bound
        return x.view_as(x)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
        return grad.clamp(-ctx.bound, ctx.bound), None


def clamp_gradient(x: torch.Tensor, bound: float) -> torch.Tensor:
    """``x`` unchanged; the gradient flowing back through it is clamped elementwise to
    +-``bound``.

    The weightings carried from one step to the next pass through sharpening, whose Jacobian
    grows like ``gamma / max(w)``: through a few dozen location-addressed steps the gradient of
    backpropagation through time can overflow to Inf. Clamping it between steps bounds that
    chain (the elementwise clipping of derivatives in the backward pass of Graves 2013).
    """
    return _ClampGradient.apply(x, bound)


def read(memory: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """Read vectors ``sum_i w(i) M(i)``: memory (B, N, M), weightings (B, H, N) -> (B, H, M)."""
    return (w.unsqueeze(-1) * memory.unsqueeze(1)).sum(2)  # (B, H, N, M) -> (B, H, M)


def write(
    memory: torch.Tensor, w: torch.Tensor, erase: torch.Tensor, add: torch.Tensor
) -> torch.Tensor:
    """Erase then add, for H write heads at once.

    ``M(i) <- M(i) prod_h (1 - w_h(i) e_h) + sum_h w_h(i) a_h``.

    Args:
        memory: (B, N, M).
        w: (B, H, N) write weightings.
        erase: (B, H, M) in [0, 1].
        add: (B, H, M).

    Returns:
        The new memory (B, N, M).
    """
    if w.shape[1] == 1:  # one head: no product or sum over heads
        wt = w.transpose(1, 2)  # (B, N, 1)
        return memory * (1.0 - wt * erase) + wt * add  # (B, N, M)
    w = w.unsqueeze(-1)  # (B, H, N, 1)
    keep = (1.0 - w * erase.unsqueeze(2)).prod(1)  # (B, H, N, M) -> (B, N, M)
    return memory * keep + (w * add.unsqueeze(2)).sum(1)  # (B, N, M)


__all__ = [
    "EPS",
    "address",
    "assert_distribution",
    "clamp_gradient",
    "content",
    "interpolate",
    "read",
    "sharpen",
    "shift",
    "write",
]
