"""The NTM and LSTM sequence learners: gradients, causality, stability, saving, learning."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from torch import nn

from agents.ntm import NTM, NTMConfig
from agents.sequence_learner import NonFiniteError
from agents.sequence_lstm import LSTMConfig
from rlntm.supervised import SequenceData, build_lstm, build_ntm, evaluate_sequences


def learner(task="BitCopy", lengths=(1, 5), batch=8, seed=0, algo="ntm", device="cpu", **config):
    torch.manual_seed(seed)
    data = SequenceData(task, {}, batch, seed)
    data.set_length_distribution(lengths)
    if algo == "ntm":
        return build_ntm(NTMConfig(batch_size=batch, **config), data, seed, device), data
    return build_lstm(LSTMConfig(batch_size=batch, **config), data, seed, device), data


@pytest.mark.parametrize(
    "config",
    [
        {"controller": "lstm"},
        {"controller": "ff"},
        {"controller": "lstm", "read_heads": 2, "write_heads": 3, "shift_range": 2},
        {"controller": "ff", "read_heads": 2, "write_heads": 2, "weight_grad_clip": 1.0},
    ],
)
def test_every_parameter_gets_a_gradient(config):
    agent, data = learner(memory_size=16, memory_width=6, hidden=12, **config)
    b = agent.tensors(data.next_batch())
    s = agent.score(agent.model(b["inputs"]), b)
    s["nats"].sum().backward()
    for name, p in agent.model.named_parameters():
        assert p.grad is not None and torch.isfinite(p.grad).all(), name
        assert p.grad.abs().sum() > 0, f"no gradient reaches {name}"


def test_padding_after_an_instance_never_changes_its_outputs():
    agent, data = learner(memory_size=16, memory_width=6, hidden=12)
    batch = data.task.sample(np.random.default_rng(0), np.array([2, 7, 4]))
    inputs = agent.tensors(batch)["inputs"]
    together = agent.model(inputs)
    for i in range(3):
        alone = agent.model(inputs[: batch.steps[i], i : i + 1])
        assert torch.allclose(together[: batch.steps[i], i : i + 1], alone, atol=1e-6)


def test_read_and_write_weightings_are_recorded_as_distributions():
    agent, data = learner(memory_size=16, memory_width=6, hidden=12, read_heads=2)
    inputs = agent.tensors(data.next_batch())["inputs"]
    logits, trace = agent.model.run(inputs, record=True)
    T, B = inputs.shape[:2]
    assert trace["read_weights"].shape == (T, B, 2, 16)
    assert trace["write_weights"].shape == (T, B, 1, 16)
    for w in trace.values():
        assert torch.allclose(w.sum(-1), torch.ones(w.shape[:-1]), atol=1e-5)
    picture = agent.trace(data.next_batch())
    assert picture["read_weights"].ndim == 3 and picture["outputs"].min() >= 0


def test_no_nan_over_a_long_run_with_extreme_inputs():
    torch.manual_seed(0)
    model = NTM(9, 8, NTMConfig(memory_size=32, memory_width=8, hidden=16))
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(50.0)  # saturate every gate, key strength and sharpening
    inputs = torch.randn(600, 4, 9) * 100.0
    logits, trace = model.run(inputs, record=True)
    assert torch.isfinite(logits).all()
    logits.sum().backward()
    for name, p in model.named_parameters():
        assert torch.isfinite(p.grad).all(), name


def test_training_at_a_high_learning_rate_stays_finite():
    agent, data = learner(lengths=(1, 30), lr=1e-2, memory_size=32, memory_width=8, hidden=16)
    for _ in range(40):
        metrics = agent.update(data)
        assert np.isfinite(metrics["train/loss"])
    for p in agent.model.parameters():
        assert torch.isfinite(p).all()


CUDA_GRAPH = pytest.param(
    {"device": "cuda", "cuda_graph": True},
    marks=pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU"),
    id="cuda-graph",
)


@pytest.mark.parametrize("where", [pytest.param({}, id="cpu"), CUDA_GRAPH])
def test_a_nan_stops_training_before_the_optimiser_step(where):
    agent, data = learner(memory_size=16, memory_width=6, hidden=12, **where)
    agent.update(data)
    with torch.no_grad():
        agent.model.output.bias[0] = float("nan")
    before = {k: v.clone() for k, v in agent.model.state_dict().items()}
    with pytest.raises(NonFiniteError, match="loss is nan at update 2.*last checkpoint is intact"):
        agent.update(data)
    for key, value in agent.model.state_dict().items():
        assert torch.equal(value, before[key]) or torch.isnan(before[key]).any(), key


def test_state_dict_round_trip_continues_identically():
    a, data_a = learner(memory_size=16, memory_width=6, hidden=12)
    a.update(data_a)
    saved, data_state = a.state_dict(), data_a.state_dict()
    b, data_b = learner(memory_size=16, memory_width=6, hidden=12, seed=5)
    b.load_state_dict(saved)
    data_b.load_state_dict(data_state)
    data_b.set_length_distribution((1, 5))
    assert a.update(data_a)["train/loss"] == b.update(data_b)["train/loss"]
    with pytest.raises(ValueError, match="differs"):
        learner(memory_size=8, memory_width=6, hidden=12)[0].load_state_dict(saved)


def test_lr_anneals_once_when_the_running_cost_falls_under_the_threshold():
    small = {"memory_size": 16, "memory_width": 6, "hidden": 12, "lr": 1e-3}
    plain, data = learner(**small)
    for _ in range(3):
        assert plain.update(data)["train/lr"] == 1e-3
    assert not plain.annealed
    # BitCopy at lengths 1-5 costs at most 5 * 8 bits a sequence, ~ 1 bit a bit at the start
    agent, data = learner(anneal_below=1e3, anneal_factor=0.5, **small)
    first = agent.update(data)
    assert first["train/lr"] == 5e-4 and agent.annealed
    assert agent.cost_average == pytest.approx(first["train/bits_per_sequence"])
    assert agent.update(data)["train/lr"] == 5e-4  # once, not every update
    # a resumed learner keeps the annealed lr and does not anneal again
    resumed, data_b = learner(anneal_below=1e3, anneal_factor=0.5, **small)
    resumed.load_state_dict(agent.state_dict())
    assert resumed.annealed and resumed.update(data_b)["train/lr"] == 5e-4
    # the threshold applies to the running average, not to one batch: replay the plain
    # learner's costs (the anneal changes nothing before it fires) and recompute the average
    plain, data = learner(**small)
    bits = [plain.update(data)["train/bits_per_sequence"] for _ in range(30)]
    averages = [bits[0]]
    for b in bits[1:]:
        averages.append(0.99 * averages[-1] + 0.01 * b)
    assert min(bits[1:]) < min(averages)  # some batch dips under every running average
    for threshold, fires_at in (
        ((min(bits[1:]) + min(averages)) / 2, None),  # under a batch, never under the average
        (min(averages) * 1.0001, int(np.argmin(averages))),  # the first average under it
    ):
        late, data = learner(anneal_below=threshold, anneal_factor=0.5, **small)
        lrs = [late.update(data)["train/lr"] for _ in range(30)]
        fired = [i for i, lr in enumerate(lrs) if lr == 5e-4]
        assert (fired[0] if fired else None) == fires_at
    with pytest.raises(ValueError, match="anneal_factor"):
        NTMConfig(anneal_factor=0.0)


def test_lr_anneals_again_each_time_the_cost_falls_by_the_factor():
    """``anneal_times`` 2: the second cut waits for the running cost to fall under
    ``anneal_below * anneal_factor``, and there is no third (the running cost itself is
    checked by the test above)."""
    small = {"memory_size": 16, "memory_width": 6, "hidden": 12, "lr": 1e-3}

    def run(**config):  # the lr and the running cost after each of 40 updates
        agent, data = learner(**small, **config)
        steps = [(agent.update(data)["train/lr"], agent.cost_average) for _ in range(40)]
        return agent, [lr for lr, _ in steps], [cost for _, cost in steps]

    first, factor = run()[2][5] * 1.0001, 0.995  # the plain run falls under it by update 5
    twice, lrs, costs = run(anneal_below=first, anneal_factor=factor, anneal_times=2)
    i1 = next(i for i, cost in enumerate(costs) if cost < first)
    i2 = next(i for i, cost in enumerate(costs) if i > i1 and cost < first * factor)
    assert i1 <= 5 and i2 > i1 + 1 and min(costs[i2:]) < first * factor**2  # a third would fire
    assert lrs[:i1] == [1e-3] * i1 and lrs[i1:i2] == [pytest.approx(1e-3 * factor)] * (i2 - i1)
    assert lrs[i2:] == [pytest.approx(1e-3 * factor**2)] * (40 - i2) and twice.anneals == 2
    # a checkpoint from when there was one anneal, kept as a flag, resumes after it
    state = learner(anneal_below=first, anneal_factor=0.5, **small)[0].state_dict()
    state["annealed"] = True
    del state["anneals"]
    old, _ = learner(anneal_below=first, anneal_factor=0.5, **small)
    old.load_state_dict(state)
    assert old.anneals == 1 and old.annealed and old.past_start
    with pytest.raises(ValueError, match="anneal_times"):
        NTMConfig(anneal_times=0)


def test_evaluation_uses_the_weight_average_which_survives_a_resume():
    small = {"memory_size": 16, "memory_width": 6, "hidden": 12}
    agent, data = learner(average_decay=0.9, **small)
    average = None
    for _ in range(5):  # the first update starts the average, the next ones blend 10% in
        agent.update(data)
        now = {k: v.detach().clone() for k, v in agent.model.named_parameters()}
        average = now if average is None else {k: 0.9 * average[k] + 0.1 * now[k] for k in now}
    for name, value in agent.evaluated.named_parameters():
        assert torch.allclose(value, average[name], atol=1e-7), name
    # the same weights, evaluated by a learner without averaging, give the same results
    plain, _ = learner(**small)
    plain.model.load_state_dict(average)  # every parameter (the models have no buffers)
    batch = SequenceData("BitCopy", {}, 16, 3).next_batch()
    assert np.allclose(agent.evaluate_batch(batch)["bits"], plain.evaluate_batch(batch)["bits"])
    assert agent.evaluated is not agent.model
    trained = dict(agent.model.named_parameters())
    assert any(not torch.equal(trained[k], average[k]) for k in average)
    # a resumed learner continues the same average; an unaveraged checkpoint is refused
    resumed, data_b = learner(average_decay=0.9, seed=7, **small)
    resumed.load_state_dict(copy.deepcopy(agent.state_dict()))  # as from a file: no sharing
    data_b.load_state_dict(data.state_dict())
    data_b.set_length_distribution((1, 5))
    agent.update(data)
    resumed.update(data_b)
    for (name, a), b in zip(
        agent.evaluated.named_parameters(), resumed.evaluated.parameters(), strict=True
    ):
        assert torch.equal(a, b), name
    with pytest.raises(ValueError, match="differs"):
        resumed.load_state_dict(plain.state_dict())
    with pytest.raises(ValueError, match="average_decay"):
        NTMConfig(average_decay=1.0)


def test_selection_keeps_the_best_validated_weights_without_changing_the_training():
    small = {"memory_size": 16, "memory_width": 6, "hidden": 12, "lr": 3e-2}
    agent, data = learner(select_every=2, select_size=32, **small)
    plain, plain_data = learner(**small)  # the same run without selection
    validation = data.validation_batch(32)
    assert np.array_equal(validation.inputs, data.validation_batch(32).inputs)  # fixed set
    checks = []  # (validation bits of the trained weights, their copy) at each check
    for update in range(1, 11):
        metrics = agent.update(data)
        plain.update(plain_data)
        assert ("train/validation_bits_per_sequence" in metrics) == (update % 2 == 0)
        if update % 2 == 0:
            bits = float(plain.evaluate_batch(validation)["bits"].mean())
            assert metrics["train/validation_bits_per_sequence"] == pytest.approx(bits)
            checks.append((bits, copy.deepcopy(plain.model.state_dict())))
    for (name, a), b in zip(agent.model.named_parameters(), plain.model.parameters(), strict=True):
        assert torch.equal(a, b), name  # the validation draws nothing from the training data
    best = min(range(len(checks)), key=lambda i: checks[i][0])
    assert best != len(checks) - 1, "pick a setting whose last check is not its best"
    assert agent.selected_bits == pytest.approx(checks[best][0])
    for name, value in agent.evaluated.named_parameters():
        assert torch.equal(value, checks[best][1][name]), name
    batch = SequenceData("BitCopy", {}, 16, 3).next_batch()
    selected = agent.evaluate_batch(batch)["bits"]
    assert not np.allclose(selected, agent.evaluate_batch(batch, agent.current)["bits"])
    # a resumed learner evaluates the same selected weights and keeps selecting from there
    resumed, _ = learner(select_every=2, select_size=32, seed=7, **small)
    resumed.load_state_dict(copy.deepcopy(agent.state_dict()))
    assert resumed.selected_bits == agent.selected_bits
    assert np.array_equal(resumed.evaluate_batch(batch)["bits"], selected)
    with pytest.raises(ValueError, match="select_every"):
        NTMConfig(select_every=-1)


def test_rmsprop_settings_reach_the_optimiser_and_bad_ones_are_refused():
    agent, _ = learner(
        memory_size=8,
        memory_width=4,
        hidden=8,
        optimizer="rmsprop",
        rmsprop_alpha=0.95,
        rmsprop_eps=5e-4,
    )
    group = agent.optimizer.param_groups[0]
    assert (group["alpha"], group["eps"], group["momentum"], group["centered"]) == (
        0.95,
        5e-4,
        0.9,
        True,
    )
    for bad in ({"rmsprop_alpha": 1.0}, {"rmsprop_eps": 0.0}):
        with pytest.raises(ValueError, match="rmsprop_alpha must be in"):
            NTMConfig(**bad)


def initial_head_parameters(**config: float) -> list[torch.Tensor]:
    """The per-head addressing parameters (H, size) at a zero controller output (the biases),
    split into key, beta, gate, shifts and gamma; 2 read heads, then 3 write heads."""
    torch.manual_seed(0)
    c = NTMConfig(hidden=8, memory_size=8, memory_width=4, read_heads=2, write_heads=3, **config)
    model = NTM(3, 2, c)
    p = model.address_params(torch.zeros(1, 8)).view(model.H, -1)  # (H, P): the bias
    return list(p.split(model.address_split, dim=-1))


def test_write_gate_bias_starts_only_the_write_heads_location_addressed():
    plain, biased = initial_head_parameters(), initial_head_parameters(write_gate_bias=-2.0)
    gate, biased_gate = torch.sigmoid(plain[2][:, 0]), torch.sigmoid(biased[2][:, 0])  # (H,)
    assert torch.equal(biased_gate[:2], gate[:2])  # the read heads keep PyTorch's init
    assert torch.allclose(biased_gate[2:], torch.full((3,), 0.1192), atol=1e-4)  # sigmoid(-2)
    assert ((gate[2:] - 0.5).abs() < 0.25).all()  # near 0.5 without the setting
    for other in (0, 1, 3, 4):  # key, beta, shifts, gamma untouched
        assert torch.equal(biased[other], plain[other])
    with pytest.raises(ValueError, match="write_gate_bias must be finite"):
        NTMConfig(write_gate_bias=float("nan"))


def test_write_sharpen_bias_starts_only_the_write_heads_sharper():
    plain, biased = initial_head_parameters(), initial_head_parameters(write_sharpen_bias=2.0)
    gamma = 1 + nn.functional.softplus(plain[4][:, 0])  # (H,), as NTM._step computes it
    biased_gamma = 1 + nn.functional.softplus(biased[4][:, 0])
    assert torch.equal(biased_gamma[:2], gamma[:2])  # the read heads keep PyTorch's init
    assert torch.allclose(biased_gamma[2:], torch.full((3,), 3.1269), atol=1e-4)
    assert ((gamma[2:] - 1.69).abs() < 0.3).all()  # 1 + softplus(about 0) without it
    for other in range(4):  # key, beta, gate, shifts untouched
        assert torch.equal(biased[other], plain[other])
    with pytest.raises(ValueError, match="write_sharpen_bias must be finite"):
        NTMConfig(write_sharpen_bias=float("inf"))


def test_evaluation_table_reports_bits_per_sequence():
    agent, _ = learner(task="DynamicNGrams", lengths=50, memory_size=8, memory_width=4, hidden=8)
    table = evaluate_sequences(agent, "DynamicNGrams", [20, 40], episodes=10, seed=1)
    assert set(table) == {"20", "40"}
    for row in table.values():
        assert {"sequence_accuracy", "symbol_accuracy", "bits_per_sequence", "episodes"} <= set(row)
        assert row["bits_per_sequence"] > 0 and row["reference_bits_per_sequence"] > 0
    again = evaluate_sequences(agent, "DynamicNGrams", [20, 40], episodes=10, seed=1)
    assert again == table


def test_symbol_tasks_use_a_softmax_and_the_lstm_baseline_learns_too():
    agent, data = learner(task="Reverse", algo="lstm", hidden=16, layers=1, lr=1e-2)
    first = agent.update(data)
    assert first["train/bits_per_sequence"] > 0 and first["rollout/steps"] > 0
    for _ in range(30):
        last = agent.update(data)
    assert last["train/loss"] < first["train/loss"]


def test_ntm_learns_bitcopy_at_lengths_1_to_3_in_a_fixed_budget():
    agent, data = learner(
        lengths=[1, 2, 3], batch=16, lr=1e-2, memory_size=16, memory_width=8, hidden=100, seed=1
    )
    costs = [agent.update(data)["train/bits_per_sequence"] for _ in range(600)]
    assert np.mean(costs[:50]) > 10 and np.mean(costs[-50:]) < 0.5
    table = evaluate_sequences(agent, "BitCopy", [3], episodes=50, seed=0)
    assert table["3"]["sequence_accuracy"] >= 0.9 and table["3"]["bits_per_sequence"] < 1.0


def test_cuda_graphs_need_a_cuda_device():
    with pytest.raises(
        ValueError, match=r"cuda_graph needs a CUDA device \(--device cuda\), got 'cpu'"
    ):
        learner(memory_size=16, memory_width=6, hidden=12, cuda_graph=True)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")
@pytest.mark.parametrize("algo", ["ntm", "lstm"])
def test_cuda_graph_updates_follow_the_eager_updates(algo):
    """Twelve updates at lengths 1, 2, 3, 1, 2, 3... (three graphs, each replayed four times)
    leave the same costs, gradient norms and weights as the eager path, to float32 rounding."""
    small = {"hidden": 12} if algo == "lstm" else {"memory_size": 16, "memory_width": 6}
    runs = []
    for cuda_graph in (False, True):
        agent, data = learner(algo=algo, device="cuda", cuda_graph=cuda_graph, **small)
        metrics = []
        for i in range(12):
            data.set_length_distribution(1 + i % 3)
            metrics.append(agent.update(data))
        runs.append((agent, metrics))
    (eager, eager_metrics), (graphed, graphed_metrics) = runs
    assert len(graphed.gradients.graphs) == 3
    for m, g in zip(eager_metrics, graphed_metrics, strict=True):
        assert g["train/bits_per_sequence"] == pytest.approx(m["train/bits_per_sequence"], 1e-4)
        assert g["train/grad_norm"] == pytest.approx(m["train/grad_norm"], 1e-3)
    for (name, p), q in zip(
        eager.model.named_parameters(), graphed.model.parameters(), strict=True
    ):
        assert torch.allclose(p, q, rtol=1e-4, atol=1e-5), name


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")
@pytest.mark.parametrize("compile_step", [False, True], ids=["eager", "compiled"])
def test_cuda_forward_and_gradients_match_a_float64_cpu_reference(compile_step):
    torch.manual_seed(0)
    reference = NTM(10, 8, NTMConfig(memory_size=32, hidden=20)).double()
    x = torch.rand(21, 16, 10, dtype=torch.float64)  # (T, B, in)
    expected = reference(x)
    expected.sum().backward()
    model = NTM(10, 8, NTMConfig(memory_size=32, hidden=20, compile=compile_step))
    model.load_state_dict({k: v.float() for k, v in reference.state_dict().items()})
    model = model.cuda()
    out = model(x.float().cuda())
    out.sum().backward()
    error = (out.double().cpu() - expected).norm() / expected.norm()
    assert error < 1e-5
    for (name, p), q in zip(reference.named_parameters(), model.parameters(), strict=True):
        grad_error = (q.grad.double().cpu() - p.grad).norm() / p.grad.norm().clamp(min=1e-12)
        assert grad_error < 1e-4, name
