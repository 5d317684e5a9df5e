"""The REINFORCE agent: estimator maths, gradient checks by enumeration, memory, acting."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

import rlntm  # noqa: F401  (registers the environments)
from agents import real_memory
from agents.reinforce import (
    ReinforceConfig,
    advantages,
    build_reinforce,
    returns_to_go,
)
from rlntm.algorithms import make_vector_env

INPUT = [1, 0]  # the fixed Copy input of the enumeration tests (base 2)


@pytest.fixture
def float64():
    """Exact arithmetic for the gradient checks."""
    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(before)


def make_agent(task="Copy", batch=4, seed=0, env_kwargs=None, **changes):
    torch.manual_seed(seed)
    envs = make_vector_env(task, {"stay": True, "base": 2, **(env_kwargs or {})}, batch, seed)
    cfg = ReinforceConfig(**{"hidden": 8, "memory_size": 4, **changes})
    return build_reinforce(cfg, envs, seed, "cpu"), envs


# --------------------------------------------------------------------------------- estimator
def test_returns_to_go_with_and_without_causality():
    rewards = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])  # (T=3, B=2)
    alive = torch.tensor([[1.0, 1.0], [1.0, 1.0], [1.0, 0.0]])
    assert returns_to_go(rewards, alive, True).tolist() == [[2, 1], [1, 1], [1, 0]]
    assert returns_to_go(rewards, alive, False).tolist() == [[2, 1], [2, 1], [2, 0]]


def test_normalized_advantages_are_centred_and_scaled_over_live_steps():
    g = torch.tensor([[3.0, 1.0], [2.0, 5.0]])
    alive = torch.tensor([[1.0, 1.0], [1.0, 0.0]])
    adv = advantages(g, torch.ones_like(g), alive, normalize=True)
    live = adv[alive.bool()]
    assert abs(float(live.mean())) < 1e-6 and abs(float(live.std(unbiased=False)) - 1) < 1e-4
    assert adv[1, 1] == 0
    assert advantages(g, torch.ones_like(g), alive, normalize=False).tolist() == [
        [2, 0],
        [1, 0],
    ]


# --------------------------------------------------------------------------------- enumeration
def enumerate_rollout(agent, envs_seed=0, horizon=3):
    """Every head-action sequence of ``horizon`` steps on one fixed input, as one batch.

    Returns the rollout and each sequence's probability (with grad). Steps after an episode
    ended count every action as equally likely, so the weights sum to one.
    """
    joint = list(itertools.product(*(range(k) for k in agent.components.values())))
    seqs = np.array(list(itertools.product(joint, repeat=horizon)))  # (N, T, k)
    env_kwargs = {"stay": True, "base": 2, "length": len(INPUT), "max_episode_steps": horizon}
    envs = make_vector_env("Copy", env_kwargs, len(seqs), envs_seed)
    b = agent.rollout(envs, given=seqs.transpose(1, 0, 2), options={"input": [INPUT] * len(seqs)})
    alive = b["alive"].double()  # (T', B)
    dead_steps = horizon - alive.sum(0)  # (B,) steps after the end, actions irrelevant
    weight = torch.exp((b["logp"] * alive).sum(0)) * float(len(joint)) ** -dead_steps
    return b, weight


def scoring_rollout(horizon=3, **changes):
    """An agent (the first of a few seeds) some of whose enumerated sequences earn a reward,
    so that the gradients compared are not all zero; its rollout and the weights."""
    for seed in range(10):
        agent, _ = make_agent(seed=seed, **changes)
        b, weight = enumerate_rollout(agent, horizon=horizon)
        returns = (b["reward"] * b["alive"]).sum(0)  # (N,) env reward per sequence
        if returns.max() > 0:
            return agent, b, weight, returns
    raise AssertionError("no seed scores: every gradient would be zero")


ESTIMATORS = [
    {"causality": True, "online_baseline": False, "offline_baseline": False},
    {"causality": False, "online_baseline": False, "offline_baseline": False},
    {"causality": True, "online_baseline": True, "offline_baseline": False},
    {"causality": True, "online_baseline": False, "offline_baseline": True},
    {"causality": False, "online_baseline": True, "offline_baseline": True},
]


#: the agents of the gradient checks: LSTM, direct access, direct access routing only, and
#: sampling with a probability floor (the estimator is then exact for the mixture policy),
#: and scaled head logits
CONTROLLERS = [
    {"controller": "lstm", "memory": "none"},
    {"controller": "direct", "memory": "real"},
    {"controller": "direct", "memory": "real", "controller_content": False},
    {"controller": "lstm", "memory": "none", "explore_floor": 0.3},
    {"controller": "direct", "memory": "none", "action_scale": 0.05},
]


@pytest.mark.parametrize("estimator", ESTIMATORS)
@pytest.mark.parametrize("controller", CONTROLLERS)
@pytest.mark.parametrize("logprob_reward", [0.0, 1.0])
def test_reinforce_gradient_equals_the_exact_gradient_in_expectation(
    float64, estimator, controller, logprob_reward
):
    """With the log-prob reward, R depends on the weights too: its gradient is the symbol
    cross-entropy's, so the agent's policy + logprob_reward * symbol loss must match."""
    agent, b, weight, returns = scoring_rollout(
        horizon=3 if controller["memory"] == "none" else 2,
        **controller,
        normalize=False,
        logprob_reward=logprob_reward,
        **estimator,
    )
    assert abs(weight.sum().item() - 1.0) < 1e-9
    log_target = torch.log_softmax(b["symbol"], -1).gather(-1, b["expected"][..., None])[..., 0]
    writes = (b["write"] & b["alive"]).double()
    at_chance = b["unwritten"] * -np.log(agent.base)
    returns = returns + logprob_reward * (log_target * writes + at_chance).sum(0)  # (N,)
    exact_objective = (weight * returns).sum()  # J = sum_seq p(seq) R(seq)
    exact = torch.autograd.grad(
        exact_objective, agent.policy_params, allow_unused=True, retain_graph=True
    )
    losses = agent.losses(b)  # the baselines and advantages exactly as in training
    names = {f"{n}_baseline" for n in ("online", "offline") if estimator[f"{n}_baseline"]}
    assert names <= set(losses)
    estimated = losses["policy"] + logprob_reward * losses["symbol"]  # (N,)
    expected = torch.autograd.grad(
        -(weight.detach() * estimated).sum(), agent.policy_params, allow_unused=True
    )
    compared = 0
    for e, r in zip(exact, expected, strict=True):
        if e is None or r is None:
            assert e is None or not e.abs().max() > 0
            continue
        assert torch.allclose(e, r, atol=1e-10, rtol=1e-7)
        compared += int(e.abs().max() > 1e-8)
    assert compared >= 3


def test_baselines_change_the_single_sample_gradient(float64):
    """The check above is not vacuous: for one sampled sequence, the baseline matters."""
    grads = []
    for online in (True, False):
        agent, _ = make_agent(online_baseline=online, offline_baseline=False, normalize=False)
        b, _ = enumerate_rollout(agent)
        policy = agent.losses(b)["policy"]  # (N,)
        grads.append(torch.autograd.grad(policy[-1], agent.policy_params[0])[0])
    assert not torch.allclose(*grads)


def test_symbol_head_gradient_matches_a_numerical_derivative(float64):
    agent, _ = make_agent(controller="direct", memory="real")
    b, _ = enumerate_rollout(agent, horizon=2)
    weight = agent.model["controller"].heads["symbol"].weight
    grad = torch.autograd.grad(agent.losses(b)["symbol"].sum(), weight)[0]
    assert grad.abs().max() > 1e-6
    eps = 1e-6
    for index in [(0, 0), (1, 3), (0, 7)]:
        values = []
        for sign in (1, -1):
            with torch.no_grad():
                weight[index] += sign * eps
            values.append(
                agent.losses(enumerate_rollout(agent, horizon=2)[0])["symbol"].sum().item()
            )
            with torch.no_grad():
                weight[index] -= sign * eps
        numerical = (values[0] - values[1]) / (2 * eps)
        assert abs(numerical - float(grad[index])) < 1e-7 * max(1.0, abs(numerical))


# --------------------------------------------------------------------------------- memory, acting
def test_real_memory_reads_writes_moves_and_grows_both_ways():
    cells, pos = real_memory.blank_tape(2, 3, torch.device("cpu"))
    width = cells.shape[1]
    cells = real_memory.write(cells, pos, torch.tensor([[1.0, 2, 3], [4, 5, 6]]))
    cells, pos = real_memory.move(cells, pos, torch.tensor([-1, 1]))  # off the left end
    assert cells.shape[1] == 2 * width and pos.tolist() == [width - 1, width + 1]
    assert real_memory.read(cells, pos).tolist() == [[0, 0, 0], [0, 0, 0]]
    cells, pos = real_memory.move(cells, pos, torch.tensor([1, -1]))
    assert real_memory.read(cells, pos).tolist() == [[1, 2, 3], [4, 5, 6]]  # nothing lost
    for _ in range(width):
        cells, pos = real_memory.move(cells, pos, torch.tensor([0, 1]))
    assert pos.tolist() == [width, 2 * width] and cells.shape[1] > 2 * width
    cells, pos = real_memory.blank_tape(2, 1, torch.device("cpu"))
    cells = real_memory.write(cells, pos, torch.tensor([[1.0], [2.0]]))
    pos = torch.tensor([0, width - 1])
    cells, pos = real_memory.move(cells, pos, torch.tensor([-1, 1]))  # past both ends at once
    assert pos.tolist() == [width - 1, 2 * width] and cells.shape[1] == 4 * width
    assert cells[:, width, 0].tolist() == [1.0, 2.0]  # the old cell 0, shifted by width


def test_memory_values_are_differentiable_through_the_tape():
    cells, pos = real_memory.blank_tape(1, 2, torch.device("cpu"))
    value = torch.tensor([[0.5, -1.0]], requires_grad=True)
    cells = real_memory.write(cells, pos, value)
    cells, pos = real_memory.move(cells, pos, torch.tensor([1]))
    cells, pos = real_memory.move(cells, pos, torch.tensor([-1]))
    real_memory.read(cells, pos).sum().backward()
    assert value.grad.tolist() == [[1.0, 1.0]]


def test_memory_head_without_stay_moves_every_step():
    agent, envs = make_agent("ForwardReverse", batch=64, memory="real", memory_stay=False)
    assert agent.components["mem_move"] == 2
    obs, _ = envs.reset()
    state = agent.initial_state(len(obs))
    for _ in range(6):
        _, cells, pos, _ = state
        _, state, out = agent.step(obs, state, explore=True)  # the same input each step
        chosen = torch.as_tensor(out["chosen"][:, 2])
        assert set(chosen.tolist()) <= {0, 1}
        expected = pos + 2 * chosen - 1  # (B,) left or right, never stay
        if expected.min() < 0:  # the tape grew on the left: every position shifts
            expected = expected + cells.shape[1]
        assert torch.equal(state[2], expected)


def oracle_head_actions(inputs, env_kwargs):
    """(T, B, 3) the reference program's input move, write flag and memory move on
    ForwardReverse ``inputs``, read off the task's own oracle."""
    envs = make_vector_env("ForwardReverse", env_kwargs, len(inputs), 0)
    envs.reset(options={"input": inputs})
    m, steps = envs.unwrapped.machine, []
    while True:
        action = m.oracle_action()
        steps.append(action[:, [0, 1, 3]])
        _, _, terminated, truncated, _ = envs.step(action)
        if (terminated | truncated).all():
            return np.stack(steps)


def test_real_memory_learns_forward_reverse_given_the_oracle_head_moves():
    """The memory path can carry ForwardReverse: with the oracle's head actions replayed,
    training only the symbols (backprop) for 60 updates at length 4 stores and returns every
    symbol, exactly at length 4 and at length 40. Its REINFORCE failure is exploration."""
    torch.manual_seed(0)
    env_kwargs = {"stay": True, "base": 10}
    agent, _ = make_agent(
        "ForwardReverse", batch=16, env_kwargs=env_kwargs, controller="direct",
        memory="real", memory_size=16, hidden=32, controller_content=False,
        forced_writes=False,
    )  # fmt: skip
    rng = np.random.default_rng(0)

    def replay(length, batch=16):
        inputs = rng.integers(0, 10, size=(batch, length)).tolist()
        envs = make_vector_env("ForwardReverse", env_kwargs, batch, 1)
        given = oracle_head_actions(inputs, env_kwargs)
        return agent.rollout(envs, given=given, options={"input": inputs})

    for _ in range(60):
        loss = agent.losses(replay(4))["symbol"].mean()
        agent.optimizer.zero_grad()
        loss.backward()
        agent.optimizer.step()
    with torch.no_grad():
        for length in (4, 40):
            assert replay(length)["stats"].solved.all(), f"not exact at length {length}"


@pytest.mark.parametrize(
    ("task", "memory", "n_act"),
    [("Copy", "real", 3), ("ForwardReverse", "env", 6), ("ForwardReverse", "real", 6)],
)
def test_act_gives_valid_actions_and_sampling_is_seeded(task, memory, n_act):
    runs = []
    for _ in range(2):
        agent, envs = make_agent(task, batch=5, memory=memory, env_kwargs={"base": 3})
        obs, _ = envs.reset(seed=4)
        state = agent.initial_state(5)
        taken = []
        for _ in range(6):
            actions, state = agent.act(obs, state, explore=True)
            assert actions.shape == (5, n_act)
            assert envs.single_action_space.contains(actions[0])
            obs, *_ = envs.step(actions)
            taken.append(actions)
        runs.append(np.stack(taken))
    np.testing.assert_array_equal(*runs)


def test_routing_only_controller_takes_every_symbol_from_the_tapes():
    """controller_content=False: no LSTM symbol or memory-value head; the symbol logits are
    the direct paths' alone (on a blank memory: the gated input symbol)."""
    agent, envs = make_agent(
        "ForwardReverse", controller="direct", memory="real", controller_content=False
    )
    heads = agent.model["controller"].heads
    assert "symbol" not in heads and "value" not in heads and "erase" in heads
    obs, _ = envs.reset()
    with torch.no_grad():
        _, state, out = agent.step(obs, agent.initial_state(len(obs)), explore=False)
        h = state[0][0][0]  # (B, hidden) the controller state the step's gates read
        blank = torch.zeros(len(obs), agent.config.memory_size)  # (B, D) the first read
        direct = agent.model["direct"](h, out["features"][:, agent.symbol_slice], blank)
    assert out["symbol"].abs().max() > 0
    torch.testing.assert_close(out["symbol"], direct["output"])


def saturated_move_shares(right_logit: float, reached_end: bool = False, **changes) -> np.ndarray:
    """The share of left / stay / right sampled over 4000 episodes by an agent whose move
    logits are (0, 0, ``right_logit``) everywhere; also checks that greedy goes right."""
    agent, envs = make_agent(batch=4000, **changes)
    agent.curriculum_reached_end = reached_end
    with torch.no_grad():
        head = agent.model["controller"].heads["move"]
        head.weight.zero_()
        head.bias.copy_(torch.tensor([0.0, 0.0, right_logit]))
    obs, _ = envs.reset()
    state = agent.initial_state(len(obs))
    sampled, _, _ = agent.step(obs, state, explore=True)
    greedy, _ = agent.act(obs, state)
    assert (greedy[:, 0] == 2).all()
    return np.bincount(sampled[:, 0], minlength=3) / len(sampled)


def test_explore_floor_keeps_every_action_possible_and_greedy_unchanged():
    share = saturated_move_shares(50.0, explore_floor=0.3)  # a saturated policy: "right"
    np.testing.assert_allclose(share, [0.1, 0.1, 0.8], atol=0.03)  # floor / K = 0.1 each


def test_explore_floor_ends_with_the_curriculum_only_when_asked():
    kept = saturated_move_shares(50.0, True, explore_floor=0.3)
    np.testing.assert_allclose(kept, [0.1, 0.1, 0.8], atol=0.03)
    ended = dict(explore_floor=0.3, floor_after_curriculum=False)
    assert saturated_move_shares(50.0, True, **ended)[2] == 1.0  # the policy alone
    climbing = saturated_move_shares(50.0, False, **ended)
    np.testing.assert_allclose(climbing, [0.1, 0.1, 0.8], atol=0.03)


def test_action_scale_flattens_the_head_policies_and_keeps_greedy():
    """The same weights with the logits scaled by 0.03 sample close to softmax(0.03 * logits)
    where the plain softmax is saturated."""
    assert saturated_move_shares(20.0)[2] == 1.0
    flat = np.exp([0.0, 0.0, 0.6]) / np.exp([0.0, 0.0, 0.6]).sum()
    np.testing.assert_allclose(saturated_move_shares(20.0, action_scale=0.03), flat, atol=0.03)


def test_wrong_penalty_is_paid_at_sampled_wrong_writes_only(float64):
    """Every write sequence of the enumeration: the penalty lands exactly where the symbol
    written (the argmax) differs from the expected one, and nowhere else."""
    agent, _ = make_agent(wrong_penalty=2.0, forced_writes=False)
    b, _ = enumerate_rollout(agent)
    written = b["symbol"].argmax(-1)  # (T, N)
    wrong = b["write"] & b["alive"] & (written != b["expected"])  # (T, N)
    assert wrong.any() and (b["write"] & b["alive"] & ~wrong).any()
    assert torch.equal(b["wrong"], wrong)
    zero = torch.zeros_like(b["reward"], dtype=torch.float64)
    paid = agent.rewards(b, zero)
    agent.config.wrong_penalty = 0.0
    torch.testing.assert_close(agent.rewards(b, zero) - paid, 2.0 * wrong.double())


def never_write(agent):
    """Saturate ``agent``'s write policy at "no write"."""
    with torch.no_grad():
        head = agent.model["controller"].heads["write"]
        head.weight.zero_()
        head.bias.copy_(torch.tensor([50.0, -50.0]))


def test_wrong_penalty_spares_forced_writes():
    agent, envs = make_agent(batch=32, forced_writes=True, wrong_penalty=1.0)
    never_write(agent)  # only the forced writes write
    envs.set_length_distribution(3)
    with torch.no_grad():
        b = agent.rollout(envs)
    written = b["symbol"].argmax(-1)  # (T, B)
    forced_wrong = b["write"] & b["alive"] & (written != b["expected"])
    assert forced_wrong.any(), "no forced write was wrong: the check would be empty"
    assert not b["wrong"].any()


def test_env_memory_without_a_memory_tape_is_refused():
    with pytest.raises(ValueError, match="memory tape"):
        make_agent("Copy", memory="env")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"controller": "gru"}, "'lstm' or 'direct'"),
        ({"memory": "disk"}, "memory must"),
        ({"controller": "lstm", "controller_content": False}, "controller_content=False"),
        ({"explore_floor": 1.0}, "explore_floor"),
        ({"wrong_penalty": -1.0}, "wrong_penalty"),
        ({"action_scale": 0.0}, "action_scale"),
        ({"demo_share": 1.0}, "demo_share"),
    ],
)
def test_bad_config_is_refused(changes, message):
    with pytest.raises(ValueError, match=message):
        ReinforceConfig(**changes)


def test_forced_writes_fill_the_last_steps():
    agent, envs = make_agent(batch=16, forced_writes=True)
    envs.set_length_distribution(3)
    with torch.no_grad():
        b = agent.rollout(envs)
    last = b["alive"].sum(0) - 1  # (B,) each episode's last step
    timed_out = last + 1 == int(envs.unwrapped.machine.time_limit[0])
    writes = b["write"][last, torch.arange(16)]
    assert writes[timed_out].all(), "an episode that ran out of time wrote on its last step"


def test_update_returns_the_metrics_the_trainer_reads():
    agent, envs = make_agent(batch=8)
    metrics = agent.update(envs)
    assert metrics["rollout/steps"] > 0 and 0 <= metrics["rollout/sequence_accuracy"] <= 1
    assert len(metrics["episodes"]) == 8 and np.isfinite(metrics["train/loss"])
    state = agent.state_dict()
    again, _ = make_agent(batch=8)
    again.load_state_dict(state)
    assert again.updates == 1 and again.rng.random() == agent.rng.random()
    with pytest.raises(ValueError, match="differs"):
        make_agent(batch=8, hidden=4)[0].load_state_dict(state)


def test_demonstrations_replay_the_reference_program_then_hand_over():
    """Half the batch follows RepeatCopy's reference program for a drawn number of steps,
    symbols included, then a policy that never writes takes over: each of those episodes
    holds exactly the reference's writes before its handover and none after. Replayed steps
    carry no log-probability; the curriculum's statistics hold the other half only."""
    agent, envs = make_agent(
        "RepeatCopy", batch=16, env_kwargs={"base": 4}, demo_share=0.5, forced_writes=False
    )
    never_write(agent)
    drawn, draw = [], agent.handovers
    agent.handovers = lambda m: drawn.append(draw(m)) or drawn[-1]
    instance = {"repeats": 2, "sequence": [1, 2, 0]}
    with torch.no_grad():
        b = agent.rollout(envs, options={"input": [instance] * 16})
    (h,) = drawn
    demos = np.flatnonzero(h)
    # the program by hand: step onto the sequence, copy 3 (steps 1-3), walk left from END to
    # the blank before the count (5 steps), step right twice, copy 3 (steps 11-13): 14 steps
    assert len(demos) == 8 and h[demos].min() >= 1 and h[demos].max() <= 13
    reference_writes = {1, 2, 3, 11, 12, 13}
    alive, logp = b["alive"].numpy(), b["logp"].numpy()
    for i in range(16):
        writes = np.flatnonzero(b["write"][:, i].numpy() & alive[:, i])
        assert set(writes.tolist()) == {t for t in reference_writes if t < h[i]}
        assert (logp[: h[i], i] == 0).all()
        assert (logp[h[i] :, i][alive[h[i] :, i]] != 0).all()
    assert len(b["stats"].length) == 8
    assert b["replayed"] == pytest.approx(h.sum() / alive.sum())


def test_without_demonstrations_no_episode_is_replayed_and_nothing_is_drawn():
    agent, envs = make_agent(batch=8)
    envs.reset()
    before = agent.rng.bit_generator.state
    assert not agent.handovers(envs.unwrapped.machine).any()
    assert agent.rng.bit_generator.state == before
