import json

import torch

from viml.data import Dataset
from viml.evaluate import evaluate
from viml.train import TrainConfig, load_model, train

from conftest import TINY_MODEL


def config(dataset_dir, out, **overrides) -> TrainConfig:
    base = dict(data=str(dataset_dir), out=str(out), steps=12, batch_size=16, lr=3e-3, warmup_steps=3, seed=7, checkpoint_every=4, eval_every=6, model=dict(TINY_MODEL, text_dropout=0.5))
    base.update(overrides)
    return TrainConfig(**base)


def test_loss_falls_and_retrieval_beats_chance_on_a_tiny_dataset(dataset_dir, tmp_path):
    ds = Dataset(dataset_dir)
    model = train(config(dataset_dir, tmp_path / "run", steps=80, eval_every=40, checkpoint_every=80), dataset=ds)
    lines = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    losses = [r["loss"] for r in lines if "loss" in r]
    assert len(losses) == 80
    assert sum(losses[-10:]) / 10 < 0.6 * sum(losses[:10]) / 10
    assert any(r.get("eval") == "val" for r in lines)
    figures = evaluate(model, ds, "test")
    assert figures["videoText"]["segment"]["R@1"] > 3 * figures["chance"]["segment"]["R@1"]
    assert figures["videoOnly"]["segment"]["medianRank"] < figures["chance"]["segment"]["medianRank"]


def test_resuming_after_an_interruption_gives_the_same_model(dataset_dir, tmp_path):
    ds = Dataset(dataset_dir)
    straight = train(config(dataset_dir, tmp_path / "a"), dataset=ds)
    interrupted = config(dataset_dir, tmp_path / "b")
    train(interrupted, stop_after=5, dataset=ds)
    assert (tmp_path / "b" / "checkpoint.pt").exists() and not (tmp_path / "b" / "model.pt").exists()
    resumed = train(interrupted, resume=True, dataset=ds)
    for (name, a), (_, b) in zip(straight.state_dict().items(), resumed.state_dict().items()):
        assert torch.equal(a, b), name
    loaded, saved = load_model(tmp_path / "b")
    assert saved["steps"] == 12
    for a, b in zip(straight.state_dict().values(), loaded.state_dict().values()):
        assert torch.equal(a, b)
    steps = [json.loads(l)["step"] for l in (tmp_path / "b" / "metrics.jsonl").read_text().splitlines() if "loss" in l]
    assert steps == list(range(1, 13))


def test_refuses_to_resume_with_another_configuration(dataset_dir, tmp_path):
    ds = Dataset(dataset_dir)
    train(config(dataset_dir, tmp_path / "run", steps=4), stop_after=2, dataset=ds)
    try:
        train(config(dataset_dir, tmp_path / "run", steps=4, lr=1e-2), resume=True, dataset=ds)
    except ValueError as err:
        assert "config.json" in str(err)
    else:
        raise AssertionError("resumed with a different learning rate")


def test_writes_the_run_config(dataset_dir, tmp_path):
    train(config(dataset_dir, tmp_path / "run", steps=2), dataset=Dataset(dataset_dir))
    record = json.loads((tmp_path / "run" / "config.json").read_text())
    assert record["train"]["lr"] == 3e-3 and record["model"]["fusion"] == "transformer"
    assert record["dataset"]["clip"]["modelId"] == "fixture/clip"


def test_rejects_unknown_config_keys():
    try:
        TrainConfig.from_dict({"data": "d", "out": "o", "learning_rate": 1})
    except ValueError as err:
        assert "learning_rate" in str(err)
    else:
        raise AssertionError("accepted an unknown key")


def test_sigint_finishes_the_step_saves_a_checkpoint_and_resume_completes_the_run(dataset_dir, tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    run = tmp_path / "run"
    args = [sys.executable, "-m", "viml", "train", "--data", str(dataset_dir), "--out", str(run), "--steps", "100000", "--batch-size", "16",
            "--checkpoint-every", "100000", "--eval-every", "100000", "--threads", "1", "--width", "32", "--dim", "16", "--layers", "1", "--heads", "2"]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    child = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 60
        while time.time() < deadline and not ((run / "metrics.jsonl").exists() and len((run / "metrics.jsonl").read_text().splitlines()) >= 3):
            time.sleep(0.1)
        child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=60)
    finally:
        child.kill()
    assert child.returncode == 130, err
    assert "--resume" in err
    step = torch.load(run / "checkpoint.pt")["step"]
    logged = [json.loads(line)["step"] for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert step >= 3 and logged[-1] == step
