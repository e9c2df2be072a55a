"""Synthetic (video, music, description) corpus for the offline benchmark.

Each item has hidden attributes. Some show in both the picture and the sound:
  energy -> motion speed and number of moving shapes / loudness and note density;
  mood   -> palette and brightness / major, minor or diminished harmony.
Others are audible only, and reach the query only through the description:
  timbre (piano, organ, strings, flute) and tempo (slow, moderate, fast).
So a video-only query can narrow the pool to the items with the same energy and mood, and the text
is needed to tell the rest apart: what ViML's text input is for.

Writes <out>/videos/<id>.mp4 (H.264 + AAC, the soundtrack is the item's music) and
<out>/items.jsonl (id, trackId, split, text, tags, attributes, file).
"""
from __future__ import annotations

import json
import math
import subprocess
import wave
from pathlib import Path
from typing import Dict, List

import numpy as np

SAMPLE_RATE = 48_000
WIDTH = HEIGHT = 160
FPS = 5

ENERGY = {"low": dict(speed=8.0, shapes=1, amp=0.12, notes=1), "medium": dict(speed=45.0, shapes=3, amp=0.35, notes=2), "high": dict(speed=140.0, shapes=7, amp=0.8, notes=4)}
MOOD = {
    # hue range (degrees), background value, harmony intervals in semitones
    "happy": dict(hue=(35, 60), value=0.95, sat=0.8, chord=(0, 4, 7), progression=(0, 5, 7, 0)),
    "sad": dict(hue=(205, 240), value=0.3, sat=0.7, chord=(0, 3, 7), progression=(0, 8, 3, 10)),
    "tense": dict(hue=(350, 370), value=0.55, sat=1.0, chord=(0, 3, 6), progression=(0, 1, 0, 6)),
}
TIMBRES = ("piano", "organ", "strings", "flute")
TEMPI = {"slow": (60, 76), "moderate": (92, 112), "fast": (132, 156)}
KEYS = {"A": 110.0, "B flat": 116.54, "C": 130.81, "D": 146.83, "E": 164.81, "F": 174.61, "G": 196.0}


def _hsv(h: float, s: float, v: float) -> np.ndarray:
    h = (h % 360) / 60
    c = v * s
    x = c * (1 - abs(h % 2 - 1))
    rgb = [(c, x, 0), (x, c, 0), (0, c, x), (0, x, c), (x, 0, c), (c, 0, x)][int(h) % 6]
    return np.array([(ch + v - c) * 255 for ch in rgb], dtype=np.float32)


def render_frames(attrs: dict, seconds: float, rng: np.random.Generator) -> np.ndarray:
    """[frames, H, W, 3] uint8: a mood-coloured gradient with energy-driven moving shapes."""
    energy, mood = ENERGY[attrs["energy"]], MOOD[attrs["mood"]]
    hue = rng.uniform(*mood["hue"])
    top, bottom = _hsv(hue, mood["sat"], mood["value"]), _hsv(hue + 20, mood["sat"], mood["value"] * 0.6)
    ramp = np.linspace(0, 1, HEIGHT, dtype=np.float32)[:, None, None]
    background = np.broadcast_to(top * (1 - ramp) + bottom * ramp, (HEIGHT, WIDTH, 3))
    shape_colour = _hsv(hue + 180, 0.9, 1.0 - 0.6 * mood["value"] + 0.3)
    n = energy["shapes"]
    pos = rng.uniform(0, WIDTH, size=(n, 2))
    angle = rng.uniform(0, 2 * math.pi, size=n)
    vel = energy["speed"] * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    radius = rng.uniform(10, 18, size=n)
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    frames = []
    for k in range(int(seconds * FPS)):
        t = k / FPS
        # bounce inside the frame: reflect the unbounded path
        p = pos + vel * t
        p = np.abs(((p % (2 * WIDTH)) + 2 * WIDTH) % (2 * WIDTH))
        p = np.where(p > WIDTH, 2 * WIDTH - p, p)
        img = background.copy()
        for (x, y), r in zip(p, radius):
            inside = (xx - x) ** 2 + (yy - y) ** 2 < r * r
            img[inside] = shape_colour
        frames.append(img.astype(np.uint8))
    return np.stack(frames)


def _wave(timbre: str, freq: float, t: np.ndarray) -> np.ndarray:
    phase = 2 * math.pi * freq * t
    if timbre == "piano":
        return sum(np.sin(k * phase) * 0.6 ** (k - 1) for k in range(1, 6)) / 2.0
    if timbre == "organ":
        return np.sign(np.sin(phase)) * 0.5 + 0.3 * np.sign(np.sin(2 * phase))
    if timbre == "strings":
        return 2 * ((freq * t) % 1.0) - 1.0
    return np.sin(phase + 0.02 * np.sin(2 * math.pi * 5.5 * t))  # flute: pure tone with vibrato


def render_music(attrs: dict, seconds: float, rng: np.random.Generator) -> np.ndarray:
    """Mono float32 at SAMPLE_RATE: a chord progression in the item's key, timbre and tempo."""
    energy, mood = ENERGY[attrs["energy"]], MOOD[attrs["mood"]]
    beat = 60.0 / attrs["bpm"]
    root = KEYS[attrs["key"]]
    out = np.zeros(int(seconds * SAMPLE_RATE), dtype=np.float64)
    note_len = beat / energy["notes"]
    starts = np.arange(0, seconds, note_len)
    for i, start in enumerate(starts):
        bar = int(start // (4 * beat)) % 4
        chord_root = root * 2 ** (mood["progression"][bar] / 12)
        n = int(min(note_len, seconds - start) * SAMPLE_RATE)
        t = np.arange(n) / SAMPLE_RATE
        if attrs["timbre"] == "piano":
            env = np.exp(-t * 6)
        elif attrs["timbre"] == "strings":
            env = np.minimum(1, t / 0.08) * np.exp(-t * 0.5)
        else:
            env = np.minimum(1, t / 0.01) * np.minimum(1, (note_len - t) / 0.02).clip(0)
        # arpeggiate when several notes fit in a beat, else play the chord
        intervals = [mood["chord"][i % 3]] if energy["notes"] > 1 else mood["chord"]
        tone = sum(_wave(attrs["timbre"], chord_root * 2 ** (iv / 12) * (2 if energy["notes"] > 1 else 1), t) for iv in intervals)
        a = int(start * SAMPLE_RATE)
        out[a : a + n] += env * tone / len(intervals)
        if attrs["energy"] == "high" and i % energy["notes"] == 0:  # a noise hit on every beat
            hit = min(n, int(0.05 * SAMPLE_RATE))
            out[a : a + hit] += rng.normal(0, 0.4, hit) * np.exp(-np.arange(hit) / (0.01 * SAMPLE_RATE))
    out = out / max(1e-9, np.abs(out).max()) * energy["amp"]
    return out.astype(np.float32)


# How people word it (after MusicCaps captions): openings, descriptions of each attribute, closings.
OPENINGS = [
    "This is {an} {mood_adj} {style} piece.",
    "The song is {an} {mood_adj} instrumental.",
    "{A_tempo} {style} track with {an_timbre} lead.",
    "This instrumental features {an_timbre} playing {progression}.",
    "The low quality recording features {an_timbre} melody.",
    "Here we have {an} {energy_adj}, {mood_adj} tune.",
]
TIMBRE_WORDS = {
    "piano": ["piano", "a soft piano", "an acoustic piano", "piano chords"],
    "organ": ["organ", "an electric organ", "a buzzy organ", "a retro organ sound"],
    "strings": ["strings", "a string section", "bowed strings", "a lush string pad"],
    "flute": ["flute", "a breathy flute", "a gentle flute", "a pure flute tone"],
}
TEMPO_WORDS = {"slow": ["slow", "laid-back", "unhurried"], "moderate": ["mid-tempo", "moderate", "steady"], "fast": ["fast", "upbeat", "quick"]}
MOOD_WORDS = {"happy": ["happy", "cheerful", "joyful", "bright"], "sad": ["sad", "melancholic", "gloomy", "mournful"], "tense": ["tense", "suspenseful", "ominous", "eerie"]}
ENERGY_WORDS = {"low": ["calm", "quiet", "gentle", "relaxed"], "medium": ["moderately energetic", "lively", "bouncy"], "high": ["energetic", "loud", "intense", "driving"]}
HARMONY = {"happy": "major chords", "sad": "minor chords", "tense": "dissonant diminished chords"}
DETAILS = [
    "The tempo is {tempo_adj} at around {bpm} bpm.",
    "It is played at {a_tempo} pace, roughly {bpm} beats per minute.",
    "The {timbre} {carries} {harmony} in {key}.",
    "The mood is {mood_adj} and {energy_adj}.",
    "There are no vocals.",
    "The music is {energy_adj} and the {timbre} sounds {mood_adj}.",
    "{Tempo_adj} rhythm, {energy_adj} dynamics.",
]
CLOSINGS = ["This song may be playing in a video game.", "It would suit a short film.", "This could be background music for a vlog.", "", ""]


def describe(attrs: dict, rng: np.random.Generator) -> str:
    def pick(options):
        return options[int(rng.integers(len(options)))]

    timbre_phrase = pick(TIMBRE_WORDS[attrs["timbre"]])
    words = {
        "mood_adj": pick(MOOD_WORDS[attrs["mood"]]),
        "energy_adj": pick(ENERGY_WORDS[attrs["energy"]]),
        "tempo_adj": pick(TEMPO_WORDS[attrs["tempo"]]),
        "timbre": attrs["timbre"],
        "an_timbre": timbre_phrase if timbre_phrase.startswith(("a ", "an ")) else "a " + timbre_phrase if timbre_phrase != "strings" else "strings",
        "style": pick(["instrumental", "ambient", "cinematic", "lo-fi", "chamber"]),
        "progression": HARMONY[attrs["mood"]],
        "harmony": HARMONY[attrs["mood"]],
        "key": attrs["key"] + (" major" if attrs["mood"] == "happy" else " minor"),
        "bpm": attrs["bpm"],
    }
    words["Tempo_adj"] = words["tempo_adj"].capitalize()
    words["a_tempo"] = ("an " if words["tempo_adj"][0] in "aeiou" else "a ") + words["tempo_adj"]
    words["A_tempo"] = words["a_tempo"].capitalize()
    words["carries"] = "carry" if attrs["timbre"] == "strings" else "carries"
    words["an"] = "an" if words["mood_adj"][0] in "aeiou" else "a"
    opening = pick(OPENINGS).format(**words)
    # always name the timbre and tempo somewhere (they are what the video cannot show)
    details = [DETAILS[0] if rng.random() < 0.5 else DETAILS[1], "The {timbre} {carries} {harmony} in {key}." if rng.random() < 0.5 else "The music is {energy_adj} and the {timbre} sounds {mood_adj}."]
    details += [d for d in DETAILS[3:5] if rng.random() < 0.4]
    rng.shuffle(details)
    text = " ".join([opening, *(d.format(**words) for d in details), pick(CLOSINGS)]).strip()
    return text[0].upper() + text[1:]


def sample_attributes(rng: np.random.Generator) -> dict:
    tempo = str(rng.choice(list(TEMPI)))
    return {
        "energy": str(rng.choice(list(ENERGY))),
        "mood": str(rng.choice(list(MOOD))),
        "timbre": str(rng.choice(TIMBRES)),
        "tempo": tempo,
        "bpm": int(rng.integers(*TEMPI[tempo])),
        "key": str(rng.choice(list(KEYS))),
    }


def _write_wav(path: Path, samples: np.ndarray) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())


def write_item(path: Path, frames: np.ndarray, music: np.ndarray, ffmpeg: str = "ffmpeg") -> None:
    wav = path.with_suffix(".wav")
    _write_wav(wav, music)
    cmd = [ffmpeg, "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{WIDTH}x{HEIGHT}", "-r", str(FPS), "-i", "-", "-i", str(wav),
           "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k", "-shortest", str(path)]
    try:
        subprocess.run(cmd, input=frames.tobytes(), check=True, timeout=120, capture_output=True)
    except subprocess.CalledProcessError as err:
        raise RuntimeError(f"ffmpeg failed writing {path}: {err.stderr.decode(errors='replace')[-500:]}") from None
    finally:
        wav.unlink(missing_ok=True)


def generate(out: Path, n: int, seconds: float = 20.0, seed: int = 0, splits: Dict[str, float] = None, ffmpeg: str = "ffmpeg") -> List[dict]:
    splits = splits or {"train": 0.7, "val": 0.1, "test": 0.2}
    out = Path(out)
    (out / "videos").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    bounds = np.cumsum([splits[s] for s in ("train", "val", "test")]) * n
    items = []
    for i in range(n):
        attrs = sample_attributes(rng)
        item_id = f"syn-{i:04d}"
        split = "train" if i < bounds[0] else "val" if i < bounds[1] else "test"
        path = out / "videos" / f"{item_id}.mp4"
        if not path.exists():  # an existing corpus is kept: each item's media has its own random stream
            item_rng = np.random.default_rng([seed, i])
            write_item(path, render_frames(attrs, seconds, item_rng), render_music(attrs, seconds, item_rng), ffmpeg)
        tags = [attrs["energy"] + " energy", attrs["mood"], attrs["timbre"], attrs["tempo"] + " tempo", "instrumental"]
        items.append({"id": item_id, "trackId": item_id, "split": split, "text": describe(attrs, rng), "tags": tags, "attributes": attrs, "file": f"videos/{item_id}.mp4", "segmentStart": 0.0})
    with (out / "items.jsonl").open("w") as f:
        for item in items:
            f.write(json.dumps(item) + "\n")
    return items
