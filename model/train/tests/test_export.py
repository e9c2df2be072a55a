import json
import shutil
import subprocess
from pathlib import Path

import onnx
import pytest
import torch

from viml.cli import main
from viml.export import MUSIC_FILE, QUERY_FILE

from conftest import CLAP_DIM, CLIP_DIM, TINY_MODEL

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """Train a few steps, evaluate and export through the command line, as a user would."""
    from conftest import shard_arrays, spec
    from viml.data import write_dataset

    root = tmp_path_factory.mktemp("export")
    data = root / "data"
    write_dataset(data, spec(), {"shard-0": shard_arrays(40, splits=("train", "test"))})
    run, out = root / "run", root / "viml"
    flags = [f"--{k.replace('_', '-')}={v}" for k, v in TINY_MODEL.items()]
    assert main(["train", "--data", str(data), "--out", str(run), "--steps", "3", "--batch-size", "8", "--fusion", "concat", *flags]) == 0
    assert main(["eval", "--model", str(run), "--data", str(data), "--json", str(root / "eval.json")]) == 0
    assert main(["export", "--model", str(run), "--data", str(data), "--out", str(out)]) == 0
    return out, run, root


def dims(value_info):
    return [d.dim_param or d.dim_value for d in value_info.type.tensor_type.shape.dim]


def test_exports_checked_onnx_heads_with_boolean_masks_and_dynamic_axes(exported):
    out, _, _ = exported
    query = onnx.load(str(out / QUERY_FILE))
    onnx.checker.check_model(query, full_check=True)
    assert query.opset_import[0].version >= 17
    inputs = {i.name: i for i in query.graph.input}
    assert list(inputs) == ["video", "video_mask", "text", "text_mask"]
    assert inputs["video_mask"].type.tensor_type.elem_type == onnx.TensorProto.BOOL
    assert inputs["text"].type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    assert dims(inputs["video"]) == ["batch", "frames", CLIP_DIM]
    assert dims(inputs["text_mask"]) == ["batch", "tokens"]
    assert dims(query.graph.output[0]) == ["batch", TINY_MODEL["dim"]]
    music = onnx.load(str(out / MUSIC_FILE))
    onnx.checker.check_model(music, full_check=True)
    assert [i.name for i in music.graph.input] == ["music", "music_mask"]
    assert dims(music.graph.input[0]) == ["batch", "windows", CLAP_DIM]
    assert music.graph.output[0].name == "music_embedding"


def test_manifest_describes_encoders_windows_training_and_evaluation(exported):
    out, _, root = exported
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["formatVersion"] == 1 and manifest["dim"] == TINY_MODEL["dim"]
    assert manifest["clip"] == {"modelId": "fixture/clip", "dim": CLIP_DIM}
    assert manifest["clap"] == {"modelId": "fixture/clap", "dim": CLAP_DIM}
    assert manifest["windowSeconds"] == 10 and manifest["textMode"] == "pooled"
    for key in ("fps", "maxFrames", "segmentSeconds", "hopSeconds", "exportedAt"):
        assert key in manifest
    assert manifest["training"]["items"] == {"train": 20, "val": 0, "test": 20}
    assert manifest["training"]["fusion"] == "concat" and manifest["training"]["steps"] == 3
    assert manifest["evaluation"] == json.loads((root / "eval.json").read_text())


def test_parity_file_holds_pytorch_outputs_for_its_inputs(exported):
    out, run, _ = exported
    from viml.train import load_model

    model, _ = load_model(run)
    parity = json.loads((out / "parity.json").read_text())

    def tensor(t):
        return torch.tensor(t["data"], dtype=torch.bool if t["type"] == "bool" else torch.float32).reshape(t["dims"])

    q_in = {k: tensor(v) for k, v in parity["query"]["inputs"].items()}
    assert q_in["video"].shape[0] == 3 and q_in["video"].shape[1] == 6  # not the export dummy's 2 x 4
    assert not q_in["text_mask"][-1].any()  # one row without text
    with torch.no_grad():
        q = model.query(q_in["video"], q_in["video_mask"], q_in["text"], q_in["text_mask"])
        m_in = {k: tensor(v) for k, v in parity["music"]["inputs"].items()}
        m = model.music(m_in["music"], m_in["music_mask"])
    assert (q - tensor(parity["query"]["output"])).abs().max() < 1e-6
    assert (m - tensor(parity["music"]["output"])).abs().max() < 1e-6
    assert (out / "parity.json").stat().st_size < 100_000


@pytest.mark.skipif(shutil.which("node") is None or not (REPO / "node_modules" / "onnxruntime-node").exists(), reason="node with onnxruntime-node not installed")
def test_onnxruntime_matches_pytorch_at_another_batch_and_length(exported):
    out, _, _ = exported
    result = subprocess.run(["node", str(Path(__file__).with_name("ort_check.mjs")), str(out)], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    for head in ("query", "music"):
        assert figures[head]["finite"]
        assert figures[head]["dims"] == [3, TINY_MODEL["dim"]]
        assert figures[head]["maxAbs"] < 1e-4, figures


FIXTURE = REPO / "tests" / "fixtures" / "viml"


@pytest.mark.skipif(not (REPO / "tests" / "fixtures" / "models" / "clip" / "config.json").exists(), reason="fixture encoders not present")
def test_committed_fixture_heads_match_the_fixture_encoders():
    """tests/fixtures/viml is made by `python3 -m viml fixture` (see model/train/README.md)."""
    manifest = json.loads((FIXTURE / "manifest.json").read_text())
    for name in ("clip", "clap"):
        config = json.loads((REPO / "tests" / "fixtures" / "models" / name / "config.json").read_text())
        assert manifest[name] == {"modelId": config["_name_or_path"], "dim": config["projection_dim"]}
    query = onnx.load(str(FIXTURE / QUERY_FILE))
    onnx.checker.check_model(query, full_check=True)
    assert dims(query.graph.input[0])[2] == manifest["clip"]["dim"]
    assert dims(onnx.load(str(FIXTURE / MUSIC_FILE)).graph.input[0])[2] == manifest["clap"]["dim"]
    assert sum(p.stat().st_size for p in FIXTURE.iterdir()) < 1_000_000
