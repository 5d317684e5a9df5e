"""RunLogger writes TensorBoard and metrics.jsonl, resumes without duplicates; Progress; JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import torch
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.util import tensor_util

from rlntm.run_log import (
    METRICS_NAME,
    TB_DIR,
    Progress,
    RunLogger,
    config_table,
    write_json_atomic,
)

CONFIG = {"env": "Copy", "lr": 0.001, "seed": 3, "net": {"hidden": 64, "act": "relu"}, "s": "a|b"}


def _rows(run_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (run_dir / METRICS_NAME).read_text().splitlines()]


def _events(run_dir: Path) -> EventAccumulator:
    acc = EventAccumulator(str(run_dir / TB_DIR), size_guidance={"scalars": 0, "tensors": 0})
    acc.Reload()
    return acc


def _scalars(acc: EventAccumulator, tag: str) -> list[tuple[int, float]]:
    return [(e.step, pytest.approx(e.value)) for e in acc.Scalars(tag)]


def _texts(acc: EventAccumulator, tag: str) -> list[tuple[int, str]]:
    return [
        (e.step, tensor_util.make_ndarray(e.tensor_proto).item().decode())
        for e in acc.Tensors(f"{tag}/text_summary")
    ]


def test_dump_writes_jsonl_rows_and_tensorboard_scalars(tmp_path):
    run_dir = tmp_path / "Copy__qlambda__3__1700000000"
    with RunLogger(run_dir, CONFIG) as log:
        log.record("train/loss", 0.5)
        log.record("rollout/ep_rew_mean", np.float32(1.5))
        log.record("train/loss", 0.75)  # the later value wins
        log.dump(100)
        log.record("train/loss", torch.tensor(0.25))
        log.record("time/sps", 1234)
        log.dump(200)
        log.dump(300)  # nothing buffered: no row
        log.text("eval/episode", "    Copy  t=3\n    [1] 2 3", step=200)

    rows = _rows(run_dir)
    assert [r["step"] for r in rows] == [100, 200]
    assert rows[0].keys() == {"step", "time", "rollout/ep_rew_mean", "train/loss"}
    assert rows[0]["train/loss"] == 0.75 and rows[0]["rollout/ep_rew_mean"] == 1.5
    assert rows[1]["train/loss"] == 0.25 and rows[1]["time/sps"] == 1234.0
    assert "rollout/ep_rew_mean" not in rows[1]  # the buffer was cleared
    assert 0.0 <= rows[0]["time"] <= rows[1]["time"] < 60

    acc = _events(run_dir)
    assert set(acc.Tags()["scalars"]) == {"train/loss", "rollout/ep_rew_mean", "time/sps"}
    assert _scalars(acc, "train/loss") == [(100, 0.75), (200, 0.25)]
    assert _scalars(acc, "rollout/ep_rew_mean") == [(100, 1.5)]
    assert _scalars(acc, "time/sps") == [(200, 1234.0)]
    [(step, table)] = _texts(acc, "config")
    assert step == 0
    assert table.startswith("|param|value|\n|-|-|\n")
    for row in ("|env|Copy|", "|lr|0.001|", "|seed|3|", "|net.hidden|64|", "|s|a\\|b|"):
        assert row in table.splitlines()
    assert _texts(acc, "eval/episode") == [(200, "    Copy  t=3\n    [1] 2 3")]


def test_bad_keys_are_rejected(tmp_path):
    with RunLogger(tmp_path, CONFIG, tensorboard=False) as log:
        for key in ("loss", "/loss", "train/", ""):
            with pytest.raises(ValueError, match="needs a prefix, as in 'train/loss'"):
                log.record(key, 1.0)
        log.record("curriculum/level", 2)
        log.dump(1)
    assert _rows(tmp_path)[0]["curriculum/level"] == 2.0
    with pytest.raises(RuntimeError, match="closed"):
        log.record("train/loss", 1.0)
    log.close()  # idempotent


def test_without_tensorboard_only_jsonl(tmp_path):
    log = RunLogger(tmp_path / "run", CONFIG, tensorboard=False)
    log.record("eval/accuracy", 1.0)
    log.dump(10)
    log.text("eval/episode", "ignored", 10)
    log.close()
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == [METRICS_NAME]
    [row] = _rows(tmp_path / "run")
    assert row == {"step": 10, "time": pytest.approx(0, abs=5), "eval/accuracy": 1.0}


def test_rows_are_flushed_at_each_dump(tmp_path):
    log = RunLogger(tmp_path, CONFIG, tensorboard=False)
    log.record("train/loss", 1.0)
    log.dump(5)
    assert [r["step"] for r in _rows(tmp_path)] == [5]  # readable before close
    log.close()


def test_resume_drops_rows_after_the_checkpoint(tmp_path):
    with RunLogger(tmp_path, CONFIG) as log:
        for step in (100, 200, 300, 400, 500):
            log.record("train/loss", step / 1000)
            log.dump(step)
    with open(tmp_path / METRICS_NAME, "a") as f:
        f.write('{"step": 600, "train/lo')  # killed mid-write

    # the last checkpoint was at step 300: resume from there
    with RunLogger(tmp_path, CONFIG, resume_step=300) as log:
        assert [r["step"] for r in _rows(tmp_path)] == [100, 200, 300]
        log.record("train/loss", 9.0)
        log.dump(400)
        log.record("train/loss", 10.0)
        log.dump(500)

    rows = _rows(tmp_path)
    assert [r["step"] for r in rows] == [100, 200, 300, 400, 500]
    assert [r["train/loss"] for r in rows] == [0.1, 0.2, 0.3, 9.0, 10.0]
    assert rows[3]["time"] >= rows[2]["time"]  # the clock continues
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]

    acc = _events(tmp_path)  # TensorBoard hides the events after step 300 of the first process
    assert _scalars(acc, "train/loss") == [
        (100, 0.1),
        (200, 0.2),
        (300, 0.3),
        (400, 9.0),
        (500, 10.0),
    ]


def test_resume_without_previous_metrics_and_with_nothing_to_drop(tmp_path):
    with RunLogger(tmp_path / "fresh", CONFIG, tensorboard=False, resume_step=50) as log:
        log.record("train/loss", 1.0)
        log.dump(60)
    assert [r["step"] for r in _rows(tmp_path / "fresh")] == [60]
    with RunLogger(tmp_path / "fresh", CONFIG, tensorboard=False, resume_step=60) as log:
        log.record("train/loss", 2.0)
        log.dump(70)
    assert [r["step"] for r in _rows(tmp_path / "fresh")] == [60, 70]


def test_config_table_flattens_and_escapes():
    table = config_table({"a": 1, "b": {"c": {"d": "x|y"}}, "e": "two\nlines", "f": {}})
    assert table.splitlines() == [
        "|param|value|",
        "|-|-|",
        "|a|1|",
        "|b.c.d|x\\|y|",
        "|e|two lines|",
        "|f|{}|",
    ]


def test_progress_counts_steps_and_shows_postfix(capsys):
    bar = Progress(total_steps=1000, max_minutes=None, initial=100)
    assert bar.n == 100
    bar.update(50, level=3, accuracy=0.91)
    bar.update(50)
    assert bar.n == 200
    assert 0 <= bar.elapsed_minutes < 1
    assert not bar.out_of_time
    bar.close()
    err = capsys.readouterr().err
    assert "200/1" in err and "level=3" in err and "accuracy=0.91" in err


def test_progress_with_only_a_time_limit(capsys):
    with Progress(total_steps=None, max_minutes=0.0) as bar:
        bar.update(7, level=1)
        assert bar.n == 7
        assert bar.out_of_time  # a zero-minute budget is spent at once
    assert "max 0 min" in capsys.readouterr().err
    quiet = Progress(total_steps=10, max_minutes=None, disable=True)
    quiet.update(3)
    assert not quiet.out_of_time
    quiet.close()
    assert capsys.readouterr().err == ""


@dataclass
class _Eval:
    length: int
    accuracy: float


def test_write_json_atomic(tmp_path):
    path = tmp_path / "sub" / "eval.json"
    obj = {
        "env": "Copy",
        "dir": Path("/runs/x"),
        "acc": np.float32(0.5),
        "n": np.int64(3),
        "lengths": np.arange(3),
        "by_length": [_Eval(10, 1.0)],
    }
    write_json_atomic(path, obj)
    assert json.loads(path.read_text()) == {
        "env": "Copy",
        "dir": "/runs/x",
        "acc": 0.5,
        "n": 3,
        "lengths": [0, 1, 2],
        "by_length": [{"length": 10, "accuracy": 1.0}],
    }
    write_json_atomic(path, {"v": 2})
    assert json.loads(path.read_text()) == {"v": 2}

    with pytest.raises(TypeError, match="cannot write object as JSON"):
        write_json_atomic(path, {"v": 3, "bad": object()})
    assert json.loads(path.read_text()) == {"v": 2}  # untouched
    assert [p.name for p in path.parent.iterdir()] == ["eval.json"]  # no temporary file left


def test_figure_goes_to_tensorboard_as_an_image_and_is_closed(tmp_path):
    import matplotlib.pyplot as plt

    figure, ax = plt.subplots(figsize=(2, 1))
    ax.imshow(np.eye(4))
    with RunLogger(tmp_path / "run", CONFIG) as log:
        log.figure("pictures/length_4", figure, 30)
    assert not plt.fignum_exists(figure.number)
    acc = EventAccumulator(str(tmp_path / "run" / TB_DIR), size_guidance={"images": 0})
    acc.Reload()
    [image] = acc.Images("pictures/length_4")
    assert image.step == 30 and image.width == 200 and image.height == 100
    assert image.encoded_image_string.startswith(b"\x89PNG")


def test_figure_without_tensorboard_is_only_closed(tmp_path):
    import matplotlib.pyplot as plt

    figure = plt.figure()
    with RunLogger(tmp_path / "run", CONFIG, tensorboard=False) as log:
        log.figure("pictures/x", figure, 1)
    assert not plt.fignum_exists(figure.number)
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == [METRICS_NAME]
