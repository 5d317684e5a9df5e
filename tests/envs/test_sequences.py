"""The supervised sequence tasks: layouts of the NTM paper's tasks, tape tasks derived from
their definitions in envs.tasks, padding of mixed lengths."""

from __future__ import annotations

import numpy as np
import pytest

from envs.sequences import SEQUENCE_TASKS, make_sequence_task
from envs.sequences.tape import TAPE_SEQUENCE_TASKS
from envs.tasks import make_task


def draw(name, n=5, length=4, seed=0, **kwargs):
    return make_sequence_task(name, **kwargs).draw(np.random.default_rng(seed), n, length)


def test_bitcopy_writes_back_what_it_read_after_the_delimiter():
    b = draw("BitCopy", length=4)
    assert b.inputs.shape == (9, 5, 9) and b.targets.shape == (9, 5, 8)
    assert np.array_equal(b.targets[5:], b.inputs[:4, :, :8])
    assert (b.inputs[4, :, 8] == 1).all() and b.inputs[:, :, 8].sum() == 5
    assert b.mask[5:].all() and not b.mask[:5].any()
    assert not b.inputs[5:].any()


def test_bitrepeatcopy_repeats_the_sequence_then_marks_the_end():
    task = make_sequence_task("BitRepeatCopy", max_repeats=4)
    b = task.draw(np.random.default_rng(1), 6, 3)
    for i in range(6):
        repeats = round(b.inputs[3, i, 9] * 4)
        scored = np.flatnonzero(b.mask[:, i])
        assert scored.tolist() == list(range(4, 4 + 3 * repeats + 1))
        x = b.inputs[:3, i, :8]
        assert np.array_equal(b.targets[4 : 4 + 3 * repeats, i, :8], np.tile(x, (repeats, 1)))
        assert b.targets[scored, i, 8].tolist() == [0.0] * (3 * repeats) + [1.0]


def test_associative_recall_asks_for_the_item_after_the_query():
    w, s, length = 6, 3, 5
    b = draw("AssociativeRecall", n=8, length=length)
    items = [b.inputs[k * (s + 1) + 1 : (k + 1) * (s + 1), :, :w] for k in range(length)]
    start = length * (s + 1)
    assert (b.inputs[start, :, w + 1] == 1).all() and (b.inputs[start + s + 1, :, w + 1] == 1).all()
    query = b.inputs[start + 1 : start + 1 + s, :, :w]  # (s, n, w)
    for i in range(8):
        k = next(k for k in range(length) if np.array_equal(items[k][:, i], query[:, i]))
        assert k < length - 1
        assert np.array_equal(b.targets[b.mask[:, i], i], items[k + 1][:, i])


def test_priority_sort_writes_the_top_vectors_by_priority():
    b = draw("PrioritySort", n=4, length=20)
    for i in range(4):
        priority = b.inputs[:20, i, 8]
        top = np.argsort(-priority)[:16]
        assert np.array_equal(b.targets[21:, i], b.inputs[top, i, :8])
    assert b.mask.sum(0).tolist() == [16] * 4


def test_dynamic_ngrams_predict_the_next_bit_and_carry_the_optimal_cost():
    b = draw("DynamicNGrams", n=200, length=100)
    assert np.array_equal(b.inputs[1:, :, 0], b.targets[:-1, :, 0])
    assert b.mask.all()
    # the Bayesian estimator beats a fair coin (1 bit a step) but not perfectly
    per_step = b.reference_bits.mean() / 100
    assert 0.3 < per_step < 1.0


def test_dynamic_ngrams_cost_is_the_bayesian_estimator_counted_by_hand():
    b = draw("DynamicNGrams", n=3, length=30, seed=3, order=3)
    for i in range(3):
        bits = [int(b.inputs[0, i, 0])] + b.targets[:, i, 0].astype(int).tolist()
        counts, cost = {}, 0.0
        for t in range(1, len(bits)):
            context = (0, 0, *bits[:t])[-2:]  # the two bits before bit t (zeros before start)
            n0, n1 = counts.get(context, (0, 0))
            p_one = (n1 + 0.5) / (n0 + n1 + 1)
            cost -= np.log2(p_one if bits[t] else 1 - p_one)
            counts[context] = (n0 + (bits[t] == 0), n1 + (bits[t] == 1))
        assert b.reference_bits[i] == pytest.approx(cost)


@pytest.mark.parametrize("name", TAPE_SEQUENCE_TASKS)
def test_tape_tasks_come_from_their_task_definition(name):
    seq = make_sequence_task(name)
    task = make_task(name)
    b = seq.draw(np.random.default_rng(7), 6, 5)
    inst = task.sample(np.random.default_rng(7), 6, 5)
    width = inst.grid.shape[2]
    symbols = b.inputs[:width, :, :-1].reshape(width, 6, seq.rows, -1).argmax(-1)  # (W, n, R)
    assert np.array_equal(symbols.transpose(1, 2, 0), inst.grid)
    assert (b.inputs[width:, :, -1] == 1).all() and not b.inputs[:width, :, -1].any()
    for i in range(6):
        written = b.targets[b.mask[:, i], i].argmax(-1)
        assert np.array_equal(written, inst.target[i, : inst.target_len[i]])


def test_arithmetic_tape_tasks_take_the_adversarial_distribution():
    b = draw("Addition", distribution="adversarial", length=8, n=50)
    assert b.mask.any()
    with pytest.raises(ValueError, match="adversarial"):
        make_sequence_task("Reverse", distribution="adversarial")


@pytest.mark.parametrize("name", sorted(SEQUENCE_TASKS))
def test_mixed_lengths_are_padded_and_never_scored_beyond_their_end(name):
    task = make_sequence_task(name)
    lengths = np.array([2, 5, 3, 5, 2]) + (name == "DynamicNGrams") * 10
    b = task.sample(np.random.default_rng(0), lengths)
    assert b.inputs.shape[1] == 5 and b.length.tolist() == lengths.tolist()
    rng = np.random.default_rng(0)  # sample draws each length's group in increasing order
    for length in np.unique(lengths):
        rows = np.flatnonzero(lengths == length)
        alone = task.draw(rng, rows.size, int(length))
        t = alone.inputs.shape[0]
        assert (b.steps[rows] == t).all()
        assert np.array_equal(b.inputs[:t, rows], alone.inputs)
        assert np.array_equal(b.targets[:t, rows], alone.targets)
        assert np.array_equal(b.mask[:t, rows], alone.mask)
        assert not b.mask[t:, rows].any() and not b.inputs[t:, rows].any()


def test_unknown_tasks_and_bad_lengths_are_refused():
    with pytest.raises(ValueError, match="unknown sequence task 'Sort'"):
        make_sequence_task("Sort")
    with pytest.raises(ValueError, match="BitCopy: .*width2"):
        make_sequence_task("BitCopy", width2=3)
    with pytest.raises(ValueError, match="length must be >= 2"):
        make_sequence_task("AssociativeRecall").sample(np.random.default_rng(0), np.array([1]))
    with pytest.raises(ValueError, match="no sequence form of 'Walk'"):
        make_sequence_task("Copy").__class__("Walk")
