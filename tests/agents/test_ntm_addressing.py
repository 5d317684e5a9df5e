"""NTM addressing on hand-computed examples (agents.addressing)."""

from __future__ import annotations

import math

import pytest
import torch

from agents import addressing as ad


def t(*rows):
    return torch.tensor(rows, dtype=torch.float32)


def test_content_is_a_softmax_of_cosine_similarities():
    memory = t([1.0, 0.0], [0.0, 1.0], [1.0, 1.0])[None]  # (1, 3, 2)
    key = t([2.0, 0.0])[None]  # (1, 1, 2)
    w = ad.content(memory, key, beta=torch.ones(1, 1, 1))
    cos = torch.tensor([1.0, 0.0, 1 / math.sqrt(2)])
    assert torch.allclose(w[0, 0], torch.softmax(cos, 0), atol=1e-6)
    sharp = ad.content(memory, key, beta=torch.full((1, 1, 1), 100.0))
    assert sharp[0, 0].argmax() == 0 and sharp[0, 0, 0] > 0.99


def test_content_on_a_constant_memory_is_uniform():
    memory = torch.full((2, 5, 4), 1e-6)
    w = ad.content(memory, torch.randn(2, 3, 4), beta=torch.full((2, 3, 1), 10.0))
    assert torch.allclose(w, torch.full_like(w, 0.2), atol=1e-5)


def test_interpolation_gate_picks_content_or_previous():
    content, prev = t([0.0, 1.0, 0.0])[None], t([1.0, 0.0, 0.0])[None]
    assert torch.equal(ad.interpolate(content, prev, torch.ones(1, 1, 1)), content)
    assert torch.equal(ad.interpolate(content, prev, torch.zeros(1, 1, 1)), prev)
    half = ad.interpolate(content, prev, torch.full((1, 1, 1), 0.5))
    assert torch.allclose(half, t([0.5, 0.5, 0.0])[None])


@pytest.mark.parametrize(("shift", "expected"), [(+1, 1), (-1, 4), (0, 0)])
def test_a_shift_moves_a_one_hot_weighting_by_one_cell_circularly(shift, expected):
    w = torch.zeros(1, 1, 5)
    w[0, 0, 0] = 1.0
    shifts = torch.zeros(1, 1, 3)  # shifts -1, 0, +1
    shifts[0, 0, shift + 1] = 1.0
    moved = ad.shift(w, shifts)
    assert moved[0, 0].argmax() == expected and moved[0, 0].max() == 1.0


def test_a_split_shift_spreads_the_weight():
    w = t([0.0, 1.0, 0.0, 0.0])[None]
    moved = ad.shift(w, t([0.25, 0.5, 0.25])[None])
    assert torch.allclose(moved, t([0.25, 0.5, 0.25, 0.0])[None])


def test_sharpening_raises_to_gamma_and_renormalises():
    w = t([0.5, 0.3, 0.2])[None]
    assert torch.allclose(ad.sharpen(w, torch.ones(1, 1, 1)), w, atol=1e-6)
    squared = ad.sharpen(w, torch.full((1, 1, 1), 2.0))
    assert torch.allclose(squared, t([0.25, 0.09, 0.04])[None] / 0.38, atol=1e-6)
    zero = ad.sharpen(t([1.0, 0.0, 0.0])[None], torch.full((1, 1, 1), 50.0))
    assert torch.isfinite(zero).all() and zero[0, 0, 0] > 0.999


def test_addressed_weightings_stay_distributions_under_extreme_parameters():
    torch.manual_seed(0)
    B, H, N, M = 4, 3, 16, 6
    w = ad.address(
        torch.randn(B, N, M) * 100,
        torch.softmax(torch.randn(B, H, N), -1),
        torch.randn(B, H, M) * 100,
        torch.full((B, H, 1), 20.0),
        torch.rand(B, H, 1),
        torch.softmax(torch.randn(B, H, 3) * 10, -1),
        torch.full((B, H, 1), 21.0),
    )
    assert w.shape == (B, H, N)
    ad.assert_distribution(w)
    with pytest.raises(AssertionError, match="does not sum to 1"):
        ad.assert_distribution(w * 2)


def test_read_is_the_weighted_sum_of_rows():
    memory = t([1.0, 2.0], [3.0, 4.0], [5.0, 6.0])[None]
    w = t([0.0, 1.0, 0.0], [0.5, 0.0, 0.5])[None]  # two heads
    assert torch.allclose(ad.read(memory, w), t([3.0, 4.0], [3.0, 4.0])[None])


def test_write_erases_then_adds():
    memory = t([1.0, 2.0], [3.0, 4.0], [5.0, 6.0])[None]
    w = t([0.0, 1.0, 0.0])[None]
    out = ad.write(memory, w, erase=t([1.0, 0.0])[None], add=t([7.0, 1.0])[None])
    assert torch.allclose(out, t([1.0, 2.0], [7.0, 5.0], [5.0, 6.0])[None])
    half = ad.write(memory, t([0.5, 0.0, 0.5])[None], t([1.0, 1.0])[None], t([0.0, 0.0])[None])
    assert torch.allclose(half, t([0.5, 1.0], [3.0, 4.0], [2.5, 3.0])[None])


def test_two_write_heads_multiply_their_erases_and_sum_their_adds():
    memory = torch.full((1, 2, 1), 8.0)
    w = t([1.0, 0.0], [1.0, 0.0])[None]  # both heads on cell 0
    out = ad.write(memory, w, erase=t([0.5], [0.5])[None], add=t([1.0], [2.0])[None])
    assert torch.allclose(out, t([8.0 * 0.25 + 3.0], [8.0])[None])


def test_clamp_gradient_is_the_identity_forward_and_clamps_backward():
    x = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
    y = ad.clamp_gradient(x, 0.5)
    assert torch.equal(y, x)
    (y * torch.tensor([2.0, -3.0, 0.1])).sum().backward()
    assert torch.allclose(x.grad, torch.tensor([0.5, -0.5, 0.1]))
