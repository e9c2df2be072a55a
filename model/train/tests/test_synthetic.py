import json
import shutil
import subprocess

import numpy as np
import pytest

from viml.synthetic import ENERGY, MOOD, SAMPLE_RATE, TIMBRES, describe, generate, render_frames, render_music, sample_attributes


def test_descriptions_always_name_the_audible_only_attributes_and_vary():
    rng = np.random.default_rng(0)
    texts = set()
    for _ in range(200):
        attrs = sample_attributes(rng)
        text = describe(attrs, rng)
        assert attrs["timbre"] in text or (attrs["timbre"] == "strings" and "string" in text)
        assert str(attrs["bpm"]) in text
        texts.add(text)
    assert len(texts) == 200


def test_mood_sets_brightness_and_energy_sets_motion():
    rng = np.random.default_rng(1)
    base = {"timbre": "piano", "tempo": "slow", "bpm": 70, "key": "A"}
    happy = render_frames({**base, "energy": "low", "mood": "happy"}, 2, rng)
    sad = render_frames({**base, "energy": "low", "mood": "sad"}, 2, rng)
    assert happy.mean() > sad.mean() + 50
    calm = render_frames({**base, "energy": "low", "mood": "happy"}, 2, rng)
    busy = render_frames({**base, "energy": "high", "mood": "happy"}, 2, rng)
    motion = lambda f: np.abs(np.diff(f.astype(np.float32), axis=0)).mean()  # noqa: E731
    assert motion(busy) > 3 * motion(calm)


def test_energy_sets_loudness_and_music_has_the_requested_length():
    rng = np.random.default_rng(2)
    base = {"mood": "sad", "timbre": "organ", "tempo": "fast", "bpm": 140, "key": "C"}
    quiet = render_music({**base, "energy": "low"}, 3, rng)
    loud = render_music({**base, "energy": "high"}, 3, rng)
    assert quiet.shape == (3 * SAMPLE_RATE,) and quiet.dtype == np.float32
    assert np.sqrt((loud ** 2).mean()) > 3 * np.sqrt((quiet ** 2).mean())


@pytest.mark.skipif(shutil.which("ffmpeg") is None or shutil.which("ffprobe") is None, reason="ffmpeg not installed")
def test_generates_playable_videos_with_soundtracks_and_an_items_file(tmp_path):
    items = generate(tmp_path, 5, seconds=1, seed=5)
    lines = [json.loads(line) for line in (tmp_path / "items.jsonl").read_text().splitlines()]
    assert lines == items and [i["split"] for i in items] == ["train"] * 4 + ["test"]
    probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=codec_type,sample_rate", "-of", "json", str(tmp_path / items[0]["file"])], capture_output=True, text=True, check=True)
    streams = json.loads(probe.stdout)["streams"]
    assert {s["codec_type"] for s in streams} == {"video", "audio"}
    assert any(s.get("sample_rate") == str(SAMPLE_RATE) for s in streams)
    assert set(items[0]["attributes"]) == {"energy", "mood", "timbre", "tempo", "bpm", "key"}
    assert items[0]["attributes"]["energy"] in ENERGY and items[0]["attributes"]["mood"] in MOOD and items[0]["attributes"]["timbre"] in TIMBRES
