"""TensorBoard pictures during training: what the sequence models do, drawn as the NTM paper's
figures (``pictures/length_<L>``), at the training length every ``picture_every`` updates and at
each test length at the end; none for algorithms without pictures."""

from __future__ import annotations

import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from rlntm.config import RunConfig
from rlntm.run_log import TB_DIR
from rlntm.training import Trainer
from tests.rlntm.test_ntm_cli import TINY


def _images(run_dir) -> dict[str, list[int]]:
    acc = EventAccumulator(str(run_dir / TB_DIR), size_guidance={"images": 0})
    acc.Reload()
    return {tag: [e.step for e in acc.Images(tag)] for tag in acc.Tags()["images"]}


def test_ntm_run_draws_the_training_length_during_training_and_test_lengths_at_the_end(
    tmp_path,
):
    cfg = RunConfig(**{**TINY, "picture_every": 4})
    trainer = Trainer(cfg, tmp_path / "run", progress=False)
    trainer.run()
    assert trainer.updates >= 8
    images = _images(tmp_path / "run")
    assert set(images) == {"pictures/length_4", "pictures/length_3", "pictures/length_6"}
    # the longest training length, after every 4th update
    assert len(images["pictures/length_4"]) == trainer.updates // 4
    assert images["pictures/length_4"][-1] <= trainer.env_steps
    assert images["pictures/length_3"] == images["pictures/length_6"] == [trainer.env_steps]


def test_picture_every_zero_draws_only_at_the_end(tmp_path):
    cfg = RunConfig(**{**TINY, "picture_every": 0})
    Trainer(cfg, tmp_path / "run", progress=False).run()
    assert set(_images(tmp_path / "run")) == {"pictures/length_3", "pictures/length_6"}


def test_rl_agents_draw_no_pictures(tmp_path):
    cfg = RunConfig(
        env="Copy",
        algo="qlambda",
        max_steps=200,
        max_minutes=None,
        eval_lengths=[3],
        eval_episodes=2,
        picture_every=1,
        agent={"batch_size": 4, "hidden": 8},
    )
    Trainer(cfg, tmp_path / "run", progress=False).run()
    assert _images(tmp_path / "run") == {}


def test_negative_picture_every_is_refused():
    with pytest.raises(ValueError, match="picture_every"):
        RunConfig(picture_every=-1)
