"""Curricula: start distributions, promotion rules and their gaps, advance, checkpoints, errors."""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest

from envs.lengths import LengthDistribution
from rlntm.curricula import (
    CURRICULA,
    Curriculum,
    EpisodeStats,
    GymCurriculum,
    NoCurriculum,
    RLNTMCurriculum,
    ThresholdCurriculum,
    ZarembaCurriculum,
    curriculum_from_state,
    make_curriculum,
)

# ------------------------------------------------------------------------------------ helpers


def episodes(length, n=1, target=None, correct=None, returns=None):
    """``n`` episodes of input length ``length``; solved (all correct) unless told otherwise."""
    target = length if target is None else target
    correct = target if correct is None else correct
    returns = float(correct) if returns is None else returns
    return EpisodeStats(
        np.full(n, length), np.full(n, target), np.full(n, correct), np.full(n, returns)
    )


def as_dict(dist: LengthDistribution) -> dict[int, float]:
    """``{length: probability}`` with duplicate lengths merged and zeros dropped."""
    out: dict[int, float] = {}
    for n, p in zip(dist.lengths.tolist(), dist.probs.tolist(), strict=True):
        out[n] = out.get(n, 0.0) + p
    return {n: p for n, p in out.items() if p > 0}


def assert_dist(dist: LengthDistribution, expected: dict[int, float]) -> None:
    got = as_dict(dist)
    assert sorted(got) == sorted(expected)
    for n, p in expected.items():
        assert got[n] == pytest.approx(p, abs=1e-12), n
    assert dist.probs.sum() == pytest.approx(1.0, abs=1e-12)


class Recorder:
    """A fake evaluator: scores every length with ``score(length)`` and records each call."""

    def __init__(self, score=lambda n: 1.0):
        self.score = score
        self.calls: list[tuple[list[int], int]] = []

    def __call__(self, lengths, episodes_per_length):
        self.calls.append((list(lengths), episodes_per_length))
        return {n: self.score(n) for n in lengths}


def no_evaluator(lengths, episodes_per_length):
    raise AssertionError("this schedule must not call the evaluator")


# ------------------------------------------------------------------------------- EpisodeStats


def test_episode_stats_fields_solved_concat_and_errors():
    s = EpisodeStats([2, 3, 4], [2, 3, 4], [2, 1, 4], [2.0, 0.5, 4.0])
    assert s.length.dtype == np.int64 and s.returns.dtype == np.float64
    assert s.solved.tolist() == [True, False, True]
    assert len(s) == 3 and len(EpisodeStats.empty()) == 0
    both = EpisodeStats.concat([s, EpisodeStats.empty(), episodes(7, 2)])
    assert both.length.tolist() == [2, 3, 4, 7, 7] and both.solved.tolist()[-2:] == [True, True]
    assert len(EpisodeStats.concat([])) == 0
    with pytest.raises(ValueError, match="same shape"):
        EpisodeStats([2, 3], [2], [2], [2.0])
    with pytest.raises(ValueError, match=r"length must have shape \(n,\)"):
        EpisodeStats(np.zeros((2, 2)), [2, 2], [2, 2], [2.0, 2.0])
    with pytest.raises(ValueError, match="integers"):
        EpisodeStats([2.5], [2], [2], [2.0])


# -------------------------------------------------------------------------------------- none


def test_none_is_fixed_and_finished():
    cur = make_curriculum("none")
    assert isinstance(cur, NoCurriculum)
    assert_dist(cur.distribution(), {n: 1 / 19 for n in range(2, 21)})
    assert cur.finished and cur.max_length == 20 and cur.level == 20
    cur.update(episodes(2, 50), no_evaluator)
    cur.advance()  # does nothing, must not crash
    assert cur.finished and cur.max_length == 20
    assert_dist(cur.distribution(), {n: 1 / 19 for n in range(2, 21)})
    assert_dist(NoCurriculum(lengths=7).distribution(), {7: 1.0})
    assert_dist(NoCurriculum(lengths={3: 0.25, 9: 0.75}).distribution(), {3: 0.25, 9: 0.75})
    assert NoCurriculum(lengths={3: 0.25, 9: 0.75}).max_length == 9


# ----------------------------------------------------------------------------------- zaremba


def test_zaremba_start_distribution_and_clamp():
    cur = ZarembaCurriculum()
    assert_dist(cur.distribution(), {6: 0.2, 5: 0.2, 4: 0.2, 3: 0.2, 2: 0.2})
    assert cur.level == 6 and cur.max_length == 6 and not cur.finished
    # c - U{0..4} clamped at 2: the clamped draws pile up on 2
    assert_dist(ZarembaCurriculum(start=4).distribution(), {4: 0.2, 3: 0.2, 2: 0.6})


def test_zaremba_validates_every_check_every_updates_and_finishes():
    cur = ZarembaCurriculum()
    ev = Recorder()
    for _ in range(49):
        cur.update(EpisodeStats.empty(), ev)
    assert ev.calls == [] and not cur.finished
    cur.update(EpisodeStats.empty(), ev)
    assert ev.calls == [(list(range(6, 16)), 50)]
    assert cur.finished and cur.level == 6
    assert cur.last_check == {n: 1.0 for n in range(6, 16)}
    # finished: the trainer's held-out check decides; no more validation meanwhile
    for _ in range(200):
        cur.update(EpisodeStats.empty(), ev)
    assert len(ev.calls) == 1 and cur.finished


def test_zaremba_failed_validation_and_advance():
    cur = ZarembaCurriculum()
    ev = Recorder(lambda n: 0.99 if n == 15 else 1.0)  # one length short of 99.5%
    for _ in range(50):
        cur.update(EpisodeStats.empty(), ev)
    assert len(ev.calls) == 1 and not cur.finished
    ev.score = lambda n: 0.995  # exactly the bar passes
    for _ in range(49):
        cur.update(EpisodeStats.empty(), ev)
    assert len(ev.calls) == 1 and not cur.finished
    cur.update(EpisodeStats.empty(), ev)
    assert len(ev.calls) == 2 and cur.finished
    cur.advance()
    assert not cur.finished and cur.level == 10 and cur.max_length == 10
    assert_dist(cur.distribution(), {n: 0.2 for n in range(6, 11)})
    for _ in range(49):
        cur.update(EpisodeStats.empty(), ev)
    assert len(ev.calls) == 2
    cur.update(EpisodeStats.empty(), ev)
    assert ev.calls[-1] == (list(range(10, 20)), 50) and cur.finished


def test_zaremba_options_and_missing_scores():
    cur = make_curriculum(
        "zaremba", start=3, check_every=2, check_window=3, check_episodes=7, step=2
    )
    ev = Recorder()
    cur.update(EpisodeStats.empty(), ev)
    cur.update(EpisodeStats.empty(), ev)
    assert ev.calls == [([3, 4, 5], 7)] and cur.finished
    cur.advance()
    assert cur.level == 5
    cur = ZarembaCurriculum(check_every=1)
    with pytest.raises(ValueError, match=r"no score for lengths \[15\]"):
        cur.update(EpisodeStats.empty(), lambda lengths, k: {n: 1.0 for n in lengths[:-1]})


# ------------------------------------------------------------------------------------- rlntm


def rlntm_exact(C, top, lo=1, cap=10, p_all=Fraction(1, 10), p_below=Fraction(1, 4)):
    """The RL-NTM mixture in exact arithmetic, length by length."""
    p_exact = 1 - p_all - p_below
    norm = sum(Fraction(1, 2 ** (k + 1)) for k in range(cap + 1))
    geo = {k: Fraction(1, 2 ** (k + 1)) / norm for k in range(cap + 1)}
    out = {}
    for n in range(lo, max(top, C + cap) + 1):
        p = p_all / (top - lo + 1) if n <= top else Fraction(0)
        for e, g in geo.items():
            if n <= C + e:
                p += g * p_below / (C + e - lo + 1)
            if n == C + e:
                p += g * p_exact
        out[n] = p
    return out


def test_rlntm_start_distribution_is_the_exact_mixture():
    dist = RLNTMCurriculum().distribution()
    exact = rlntm_exact(C=2, top=20)
    assert sum(exact.values()) == 1
    assert_dist(dist, {n: float(p) for n, p in exact.items()})
    # spot values by hand: P(1) = 0.1/20 + 0.25 * sum_e g(e) / (2 + e)
    norm = 1 - 2.0**-11
    p1 = 0.1 / 20 + 0.25 * sum(2.0 ** -(e + 1) / norm / (2 + e) for e in range(11))
    assert as_dict(dist)[1] == pytest.approx(p1, abs=1e-12)
    assert dist.max_length == 20 and RLNTMCurriculum().max_length == 20
    # with a low top the geometric overshoot (capped at 10) sets the longest length
    small = RLNTMCurriculum(max_level=5)
    assert small.max_length == 12
    assert_dist(small.distribution(), {n: float(p) for n, p in rlntm_exact(2, 5).items()})


def test_rlntm_mixture_matches_simulating_the_generative_process():
    rng = np.random.default_rng(0)
    C, top, n = 4, 20, 400_000
    e = rng.geometric(0.5, size=3 * n) - 1  # Geometric(1/2) on {0, 1, ...}
    e = e[e <= 10][:n]  # truncated at the cap (rejection = renormalisation)
    u = rng.random(n)
    all_levels = rng.integers(1, top + 1, size=n)
    below = (rng.random(n) * (C + e)).astype(np.int64) + 1  # uniform over 1..C+e
    samples = np.where(u < 0.1, all_levels, np.where(u < 0.35, below, C + e))
    cur = RLNTMCurriculum(start=4)
    got = as_dict(cur.distribution())
    assert set(np.unique(samples).tolist()) <= set(got)
    for length, p in got.items():
        freq = np.mean(samples == length)
        assert abs(freq - p) < 5 * np.sqrt(p * (1 - p) / n) + 1e-6, length


def test_rlntm_grows_only_after_the_gap_and_under_the_error_threshold():
    cur = RLNTMCurriculum()
    for _ in range(99):
        cur.update(episodes(2, 10), no_evaluator)
    assert cur.level == 2  # perfect, but the start counts as an increase: 100 updates needed
    cur.update(episodes(2, 10), no_evaluator)
    assert cur.level == 3
    assert_dist(cur.distribution(), {n: float(p) for n, p in rlntm_exact(3, 20).items()})
    for _ in range(99):
        cur.update(episodes(3, 10), no_evaluator)
    assert cur.level == 3
    cur.update(episodes(3, 10), no_evaluator)
    assert cur.level == 4


def test_rlntm_error_is_normalised_by_target_length_and_taken_at_length_c():
    cur = RLNTMCurriculum(start=5, min_gap=1)
    # errors 0 and 0.4 (2 of 5 missing): mean 0.2 is not under 0.2
    cur.update(EpisodeStats.concat([episodes(5), episodes(5, correct=3)]), no_evaluator)
    assert cur.level == 5
    # perfect at other lengths, bad at C: no growth
    cur.update(EpisodeStats.concat([episodes(4, 50), episodes(5, correct=0)]), no_evaluator)
    assert cur.level == 5
    # no episodes at C: the check is skipped
    cur.update(episodes(6, 50), no_evaluator)
    assert cur.level == 5
    # errors 0, 0, 0.5 with target 10 -> mean 1/6 < 0.2: grows
    stats = EpisodeStats.concat([episodes(5, 2, target=10), episodes(5, target=10, correct=5)])
    cur.update(stats, no_evaluator)
    assert cur.level == 6
    # an episode with nothing to write has error 0
    cur.update(episodes(6, 3, target=0), no_evaluator)
    assert cur.level == 7


def test_rlntm_finishes_at_max_level_and_advances():
    cur = RLNTMCurriculum(start=2, max_level=4, min_gap=1)
    for _ in range(2):
        cur.update(episodes(cur.level, 5), no_evaluator)
    assert cur.level == 4 and cur.finished
    cur.update(episodes(4, 5), no_evaluator)
    assert cur.level == 4  # no growth past the top
    cur.advance()
    assert cur.level == 5 and not cur.finished
    assert_dist(cur.distribution(), {n: float(p) for n, p in rlntm_exact(5, 6).items()})
    assert cur.max_length == 15
    cur.update(episodes(5, 5), no_evaluator)
    assert cur.level == 6 and cur.finished


def test_rlntm_greedy_judging_reads_the_evaluator_every_gap_not_the_training_episodes():
    calls, scores = [], iter([0.75, 0.85, 0.0])

    def evaluate(lengths, n):
        calls.append((list(lengths), n))
        return {length: next(scores) for length in lengths}

    cur = RLNTMCurriculum(min_gap=3, greedy_episodes=5)
    for _ in range(2):  # perfect training episodes at C count for nothing
        cur.update(episodes(2, 10), evaluate)
    assert calls == [] and cur.level == 2
    cur.update(episodes(2, correct=0), evaluate)  # gap reached: 25% of greedy ones fail
    assert calls == [([2], 5)] and cur.level == 2
    for _ in range(2):
        cur.update(episodes(2, 10), evaluate)
    assert len(calls) == 1  # the next check comes min_gap updates after the last
    cur.update(episodes(2, correct=0), evaluate)  # 15% fail: under 0.2, C grows
    assert calls[-1] == ([2], 5) and cur.level == 3
    for _ in range(3):
        cur.update(episodes(3, 10), evaluate)
    assert calls[-1] == ([3], 5) and cur.level == 3  # none solved greedily
    state = json.loads(json.dumps(cur.state_dict()))
    assert state["config"]["greedy_episodes"] == 5
    with pytest.raises(ValueError, match=r"no score for lengths \[3\]"):
        RLNTMCurriculum(start=3, min_gap=1, greedy_episodes=5).update(
            episodes(3), lambda lengths, n: {}
        )
    with pytest.raises(ValueError, match="greedy_episodes must be an integer >= 0"):
        RLNTMCurriculum(greedy_episodes=-1)


# --------------------------------------------------------------------------------------- gym


def test_gym_start_distribution():
    cur = GymCurriculum()
    assert_dist(cur.distribution(), {2: 1 / 3, 3: 1 / 3, 4: 1 / 3})
    assert cur.level == 2 and cur.max_length == 4 and not cur.finished


def test_gym_promotes_after_ten_close_episodes_and_clears_the_record():
    cur = GymCurriculum()
    for _ in range(9):
        cur.update(episodes(3), no_evaluator)
    assert cur.level == 2 and len(cur.shortfalls) == 9
    # shortfall exactly -1.0 counts as close (gym: min(shortfalls) >= -1.0)
    cur.update(episodes(4, correct=3, returns=3.0), no_evaluator)
    assert cur.level == 3 and cur.shortfalls == []
    assert_dist(cur.distribution(), {3: 1 / 3, 4: 1 / 3, 5: 1 / 3})
    for _ in range(9):
        cur.update(episodes(3), no_evaluator)
    assert cur.level == 3


def test_gym_one_bad_episode_blocks_until_it_leaves_the_window():
    cur = GymCurriculum()
    cur.update(episodes(2, correct=1, returns=0.5), no_evaluator)  # wrong symbol: -1.5
    cur.update(episodes(2, 9), no_evaluator)
    assert cur.level == 2  # the bad one is among the last 10
    cur.update(episodes(2), no_evaluator)
    assert cur.level == 3  # now it has dropped out


def test_gym_takes_episodes_in_order_and_skips_stale_lengths():
    cur = GymCurriculum()
    # 10 good episodes promote mid-update; then 5 stale ones (length 2 < new min 3) are skipped,
    # and 10 good ones at length 3 promote again
    stats = EpisodeStats.concat([episodes(2, 10), episodes(2, 5), episodes(3, 10)])
    cur.update(stats, no_evaluator)
    assert cur.level == 4 and cur.shortfalls == []


def test_gym_cap_finish_and_advance():
    cur = GymCurriculum(max_level=3)
    cur.update(episodes(2, 10), no_evaluator)
    assert cur.level == 3 and cur.finished
    cur.update(episodes(3, 30), no_evaluator)
    assert cur.level == 3 and cur.shortfalls == []
    cur.advance()
    assert cur.level == 4 and not cur.finished and cur.max_length == 6
    cur.update(episodes(4, 10), no_evaluator)
    assert cur.level == 5 and cur.finished
    assert GymCurriculum().max_level == 30


# --------------------------------------------------------------------------------- threshold


def test_threshold_start_distribution():
    cur = ThresholdCurriculum()
    assert_dist(cur.distribution(), {1: 0.1, 2: 0.9})
    assert cur.level == 2 and cur.max_length == 2 and not cur.finished
    assert_dist(
        ThresholdCurriculum(start=5).distribution(), {1: 0.04, 2: 0.04, 3: 0.04, 4: 0.04, 5: 0.84}
    )
    assert_dist(ThresholdCurriculum(mix=0.0).distribution(), {2: 1.0})


def test_threshold_accumulates_until_enough_episodes_at_the_current_length():
    cur = ThresholdCurriculum()
    cur.update(EpisodeStats.concat([episodes(2, 19), episodes(1, 100)]), no_evaluator)
    assert cur.level == 2  # 19 episodes at L: not enough; length-1 episodes do not count
    cur.update(episodes(2), no_evaluator)
    assert cur.level == 3
    assert_dist(cur.distribution(), {1: 0.2 / 3, 2: 0.2 / 3, 3: 0.8 + 0.2 / 3})


def test_threshold_error_must_fall_strictly_below_and_windows_restart():
    cur = ThresholdCurriculum()
    # 3 of 20 unsolved: error 0.15, not below 0.15
    cur.update(EpisodeStats.concat([episodes(2, 17), episodes(2, 3, correct=1)]), no_evaluator)
    assert cur.level == 2
    # the tally restarted: 19 solved are not yet enough, the 20th decides (error 0)
    cur.update(episodes(2, 19), no_evaluator)
    assert cur.level == 2
    cur.update(episodes(2, 1), no_evaluator)
    assert cur.level == 3
    # 2 of 20 unsolved: 0.10 < 0.15
    cur.update(EpisodeStats.concat([episodes(3, 18), episodes(3, 2, correct=0)]), no_evaluator)
    assert cur.level == 4


def test_threshold_finish_and_advance():
    cur = ThresholdCurriculum(max_level=3, min_episodes=2)
    cur.update(episodes(2, 2), no_evaluator)
    assert cur.level == 3 and cur.finished
    cur.update(episodes(3, 50), no_evaluator)
    assert cur.level == 3
    cur.advance()
    assert cur.level == 4 and not cur.finished and cur.max_length == 4
    cur.update(episodes(4, 2), no_evaluator)
    assert cur.level == 5 and cur.finished


# ------------------------------------------------------------------------------- checkpoints

SMALL = {
    "none": {"lengths": {3: 0.5, 8: 0.5}},
    "zaremba": {"check_every": 5},
    "rlntm": {"min_gap": 2, "max_level": 9},
    "gym": {"max_level": 9},
    "threshold": {"min_episodes": 5, "max_level": 9},
}


def drive(cur: Curriculum, rng: np.random.Generator, updates: int) -> list[tuple]:
    """Train-like loop on synthetic episodes: 90% solved; advance whenever finished."""
    ev = Recorder(lambda n: 1.0 if n < 60 else 0.9)  # zaremba climbs, then stalls
    trace = []
    for _ in range(updates):
        lengths = cur.distribution().sample(rng, 30)
        solved = rng.random(30) < 0.9
        correct = np.where(solved, lengths, rng.integers(0, lengths))
        returns = correct - np.where(solved, 0.0, 0.5)
        cur.update(EpisodeStats(lengths, lengths, correct, returns), ev)
        if cur.finished and cur.name != "none":
            cur.advance()
        d = cur.distribution()
        trace.append(
            (cur.level, cur.finished, cur.max_length, d.lengths.tolist(), d.probs.tolist())
        )
    return trace


@pytest.mark.parametrize("name", list(CURRICULA))
def test_state_dict_round_trip_through_json_behaves_identically(name):
    original = make_curriculum(name, **SMALL[name])
    drive(original, np.random.default_rng(1), 40)
    state = json.loads(json.dumps(original.state_dict()))
    assert state["name"] == name
    restored = make_curriculum(name)  # default options: the checkpoint's config wins
    restored.load_state_dict(state)
    assert restored.state_dict() == original.state_dict()
    assert restored.level == original.level and restored.finished == original.finished
    np.testing.assert_array_equal(restored.distribution().lengths, original.distribution().lengths)
    np.testing.assert_array_equal(restored.distribution().probs, original.distribution().probs)
    after_original = drive(original, np.random.default_rng(2), 60)
    after_restored = drive(restored, np.random.default_rng(2), 60)
    assert after_restored == after_original
    if name != "none":  # the schedule really moved during the comparison
        assert len({t[0] for t in after_original}) > 1
    again = curriculum_from_state(json.loads(json.dumps(restored.state_dict())))
    assert type(again) is type(restored) and again.state_dict() == restored.state_dict()


def test_load_state_dict_rejects_other_schedules_and_malformed_states():
    states = {name: make_curriculum(name).state_dict() for name in CURRICULA}
    for name in CURRICULA:
        for other in CURRICULA:
            if other != name:
                with pytest.raises(ValueError, match=f"saved by the '{other}' curriculum"):
                    make_curriculum(name).load_state_dict(states[other])
    cur = RLNTMCurriculum(start=3)
    before = cur.state_dict()
    bad = dict(states["rlntm"])
    del bad["top"]
    with pytest.raises(ValueError, match=r"missing keys \['top'\]"):
        cur.load_state_dict(bad)
    with pytest.raises(ValueError, match="complexity must be an integer"):
        cur.load_state_dict({**states["rlntm"], "complexity": "3"})
    with pytest.raises(ValueError, match=r"unexpected keys \['extra'\]"):
        cur.load_state_dict({**states["rlntm"], "extra": 1})
    with pytest.raises(ValueError, match=r"bad config: .*no option\(s\) \['speed'\]"):
        cur.load_state_dict({**states["rlntm"], "config": {"speed": 2}})
    with pytest.raises(ValueError, match="bad config: .*min_gap"):
        cur.load_state_dict({**states["rlntm"], "config": {"min_gap": 0}})
    with pytest.raises(ValueError, match="must be a dict"):
        cur.load_state_dict([("name", "rlntm")])
    assert cur.state_dict() == before  # a failed load changes nothing
    with pytest.raises(ValueError, match="shortfalls"):
        GymCurriculum().load_state_dict({**states["gym"], "shortfalls": [0.0] * 11})
    with pytest.raises(ValueError, match="last_check"):
        ZarembaCurriculum().load_state_dict({**states["zaremba"], "last_check": [[6]]})
    with pytest.raises(ValueError, match="unsolved"):
        ThresholdCurriculum().load_state_dict({**states["threshold"], "unsolved": 3})
    with pytest.raises(ValueError, match="not a curriculum state"):
        curriculum_from_state({"name": "bogus"})


# ---------------------------------------------------------------------------------- registry


def test_make_curriculum_registry_and_errors():
    assert list(CURRICULA) == ["none", "zaremba", "rlntm", "gym", "threshold"]
    for name, cls in CURRICULA.items():
        cur = make_curriculum(name)
        assert type(cur) is cls and cur.name == name
        assert json.loads(json.dumps(cur.state_dict())) == cur.state_dict()
    with pytest.raises(ValueError, match=r"unknown curriculum 'lstm'; choose from \['none', "):
        make_curriculum("lstm")
    with pytest.raises(ValueError, match=r"no option\(s\) \['max_length', 'speed'\]"):
        make_curriculum("threshold", max_length=20, speed=1)
    with pytest.raises(ValueError, match="check_every must be an integer >= 1, got 0"):
        make_curriculum("zaremba", check_every=0)
    with pytest.raises(ValueError, match="p_below"):
        make_curriculum("rlntm", p_all=0.5, p_below=0.6)
    with pytest.raises(ValueError, match="max_level"):
        make_curriculum("gym", start=5, max_level=4)
    with pytest.raises(ValueError, match="cannot read a length distribution"):
        make_curriculum("none", lengths="long")


def test_none_range_survives_a_json_config():
    """A range given as min/max (or a mapping with string keys) reads the same after JSON."""
    kwargs = json.loads(json.dumps({"min_length": 1, "max_length": 20}))
    dist = make_curriculum("none", **kwargs).distribution()
    assert dist.lengths.tolist() == list(range(1, 21))
    mapping = json.loads(json.dumps({"lengths": {3: 0.25, 7: 0.75}}))
    dist = make_curriculum("none", **mapping).distribution()
    assert dist.lengths.tolist() == [3, 7] and dist.probs.tolist() == [0.25, 0.75]
    with pytest.raises(ValueError, match="max_length"):
        make_curriculum("none", min_length=5, max_length=2)
