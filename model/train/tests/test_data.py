import json
from pathlib import Path

import numpy as np
import pytest
import torch

from viml.data import Dataset, ShardError, write_dataset

from conftest import shard_arrays, spec


def write(tmp_path: Path, mutate=None, spec_overrides=None, n=8) -> Path:
    root = tmp_path / "data"
    shard = shard_arrays(n, splits=("train", "test"))
    if mutate:
        mutate(shard)
    write_dataset(root, spec(**(spec_overrides or {})), {"shard-0": shard})
    return root


def expect_error(root: Path, file: str, field: str) -> ShardError:
    with pytest.raises(ShardError) as info:
        Dataset(root)
    err = info.value
    assert err.file.name == file, str(err)
    assert err.field == field, str(err)
    assert file in str(err) and field in str(err)
    return err


def test_reads_a_valid_dataset_and_batches_with_masks(dataset_dir):
    ds = Dataset(dataset_dir)
    assert len(ds) == 128
    assert ds.frames.shape[1] == 6  # shards of 6 and 5 frames are padded to 6
    b = ds.batch(ds.split("test")[:4])
    assert b["video"].shape[0] == 4 and b["video_mask"].dtype == torch.bool
    assert b["video_mask"].sum(1).tolist() == ds.frames_len[ds.split("test")[:4]].tolist()
    no_text = ds.batch(ds.split("test")[:4], with_text=False)
    assert not no_text["text_mask"].any()


def test_given_an_empty_shard_names_the_frames_file(tmp_path):
    def empty(s):
        for k in ("frames", "text", "music"):
            s[k] = s[k][:0]
            s[k + "_len"] = s[k + "_len"][:0]
        s["items"] = []
    err = expect_error(write(tmp_path, empty), "frames.npy", "frames")
    assert "empty" in str(err)


def test_given_a_music_array_with_fewer_rows_names_it(tmp_path):
    def fewer(s):
        s["music"] = s["music"][:-1]
    err = expect_error(write(tmp_path, fewer), "music.npy", "music")
    assert "7 rows" in str(err) and "8" in str(err)


def test_given_fewer_items_than_rows_names_the_jsonl(tmp_path):
    def fewer(s):
        s["items"] = s["items"][:-2]
    expect_error(write(tmp_path, fewer), "items.jsonl", "items.jsonl")


def test_given_nan_features_names_the_field_and_row(tmp_path):
    def nan(s):
        s["text"][5, 0, 3] = np.nan
    err = expect_error(write(tmp_path, nan), "text.npy", "text")
    assert "row 5" in str(err)


def test_given_wrong_music_dimension_names_it_and_the_expected_one(tmp_path):
    def wide(s):
        s["music"] = np.concatenate([s["music"], s["music"][..., :2]], axis=2)
    err = expect_error(write(tmp_path, wide), "music.npy", "music")
    assert "14" in str(err) and "12" in str(err)


def test_given_frames_of_another_clip_model_dimension(tmp_path):
    expect_error(write(tmp_path, spec_overrides={"clip": {"modelId": "other", "dim": 32}}), "frames.npy", "frames")


def test_given_a_length_beyond_the_array_names_the_lengths_file(tmp_path):
    def long(s):
        s["frames_len"] = s["frames_len"].copy()
        s["frames_len"][2] = 99
    err = expect_error(write(tmp_path, long), "frames_len.npy", "frames_len")
    assert "row 2" in str(err)


def test_given_zero_frames_for_an_item_rejects_it_but_allows_zero_text(tmp_path):
    def zero_text(s):
        s["text_len"] = np.zeros_like(s["text_len"])
    Dataset(write(tmp_path, zero_text))

    def zero_frames(s):
        s["frames_len"] = s["frames_len"].copy()
        s["frames_len"][0] = 0
    expect_error(write(tmp_path / "b", zero_frames), "frames_len.npy", "frames_len")


def test_given_float64_features_asks_for_float32(tmp_path):
    root = write(tmp_path)
    np.save(root / "shard-0" / "frames.npy", np.load(root / "shard-0" / "frames.npy").astype(np.float64))
    err = expect_error(root, "frames.npy", "frames")
    assert "float32" in str(err)


def test_given_a_missing_or_corrupt_file(tmp_path):
    root = write(tmp_path)
    (root / "shard-0" / "music_len.npy").unlink()
    expect_error(root, "music_len.npy", "music_len")
    (root / "shard-0" / "text.npy").write_bytes(b"not numpy")
    expect_error(root, "text.npy", "text")


def test_given_a_bad_split_or_missing_track_names_the_line(tmp_path):
    def bad(s):
        s["items"][3]["split"] = "holdout"
    err = expect_error(write(tmp_path, bad), "items.jsonl", "line 4: split")
    assert "holdout" in str(err)

    def no_track(s):
        del s["items"][0]["trackId"]
    expect_error(write(tmp_path / "b", no_track), "items.jsonl", "line 1: trackId")


def test_given_pooled_text_with_several_tokens(tmp_path):
    def tokens(s):
        s["text"] = np.concatenate([s["text"], s["text"]], axis=1)
    expect_error(write(tmp_path, tokens), "text.npy", "text")
    Dataset(write(tmp_path / "b", tokens, spec_overrides={"textMode": "tokens"}))


def test_given_duplicate_ids_across_shards(tmp_path):
    root = tmp_path / "data"
    write_dataset(root, spec(), {"a": shard_arrays(4), "b": shard_arrays(4)})
    expect_error(root, "items.jsonl", "id")


def test_given_a_bad_dataset_json(tmp_path):
    root = write(tmp_path)
    raw = json.loads((root / "dataset.json").read_text())
    del raw["clap"]["dim"]
    (root / "dataset.json").write_text(json.dumps(raw))
    expect_error(root, "dataset.json", "clap.dim")
    (root / "dataset.json").unlink()
    expect_error(root, "dataset.json", "dataset.json")
