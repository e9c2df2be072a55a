import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audio } from '../../core/media/index.js';
import { MemoryDescriptionCache } from '../../index-data/describe/cache.js';
import { createDescriber } from '../../index-data/describe/from-config.js';
import { mediaAudioSource } from '../../index-data/media-source.js';
import { prepareTraining, readTrainingInput, splitOf, type PrepareSummary } from '../../index-data/training/prepare.js';
import type { Encoders } from '../../model/index.js';
import { createFixtureEncoders } from '../support/models.js';
import { ifSet } from '../support/if-set.js';

const repo = resolve(import.meta.dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'cuecast-prepare-'));
const videos = join(work, 'videos');
const out = join(work, 'dataset');
let encoders: Encoders;
let summary: PrepareSummary;

function ffmpeg(args: string[]): void {
  execFileSync('ffmpeg', ['-v', 'error', '-nostdin', '-y', ...args], { stdio: 'ignore', timeout: 60_000 });
}

function video(file: string, seconds: number, audio?: string): void {
  const inputs = ['-f', 'lavfi', '-i', `testsrc=size=96x64:rate=4:duration=${seconds}`];
  if (audio) inputs.push('-f', 'lavfi', '-i', `${audio}:d=${seconds}`);
  ffmpeg([...inputs, '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', ...(audio ? ['-c:a', 'aac', '-shortest'] : []), join(videos, file)]);
}

/** Reads the dataset with the trainer's own reader (model/train/viml/data.py), which validates every field. */
function readWithTrainer(dir: string): { rows: number; splits: Record<string, number> } {
  const script = [
    'import json, sys',
    "sys.path.insert(0, 'model/train')",
    'from viml.data import Dataset',
    'd = Dataset(sys.argv[1])',
    "print(json.dumps({'rows': len(d), 'splits': {s: len(d.split(s)) for s in ('train', 'val', 'test')}}))",
  ].join('\n');
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', script, dir], { cwd: repo, encoding: 'utf8', timeout: 120_000 })) as { rows: number; splits: Record<string, number> };
}

beforeAll(async () => {
  mkdirSync(videos, { recursive: true });
  // A chirp, so windows a few seconds apart embed differently.
  video('a-long.mp4', 47, "aevalsrc='0.5*sin(2*PI*(200+8*t)*t)'");
  video('b-short.mp4', 14, "aevalsrc='0.5*sin(2*PI*200*t)'");
  video('c-silent.mp4', 12);
  encoders = await createFixtureEncoders();
  summary = await prepareTraining({
    pairs: await readTrainingInput(videos),
    outDir: out,
    encoders,
    audio: mediaAudioSource(),
    describer: createDescriber('template', undefined, new MemoryDescriptionCache()),
    fps: 1,
    maxFrames: 30,
    segmentSeconds: 30,
    hopSeconds: 15,
    shardSize: 2,
    valFraction: 0,
    testFraction: 0,
  });
}, 180_000);

afterAll(async () => {
  await ifSet(encoders)?.dispose();
  rmSync(work, { recursive: true, force: true });
});

describe('prepareTraining', () => {
  it('writes aligned segments as shards the trainer reads and validates', () => {
    // a-long: 47 s -> segments at 0 and 17 (the last one ends at the track end); b-short: 14 s -> one short segment; c-silent has no audio.
    expect(summary.rows).toBe(3);
    expect(summary.shards).toEqual(['shard-00000', 'shard-00001']);
    expect(summary.skipped).toEqual([expect.objectContaining({ code: 'MEDIA_NO_AUDIO', video: join(videos, 'c-silent.mp4') })]);
    expect(readWithTrainer(out)).toEqual({ rows: 3, splits: { train: 3, val: 0, test: 0 } });
  }, 120_000);

  it('records encoders, window spec and text source in dataset.json, and one item per row', () => {
    const dataset = JSON.parse(readFileSync(join(out, 'dataset.json'), 'utf8')) as Record<string, unknown>;
    expect(dataset).toMatchObject({
      formatVersion: 1,
      clip: { modelId: encoders.clipImage.info.modelId, dim: encoders.clipImage.info.dim },
      clap: { modelId: encoders.clapAudio.info.modelId, dim: encoders.clapAudio.info.dim },
      textMode: 'pooled',
      windowSeconds: 10,
      segmentSeconds: 30,
      hopSeconds: 15,
      textSource: 'template',
    });
    const items = readFileSync(join(out, 'shard-00000', 'items.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(items.map((i) => i.segmentStart)).toEqual([0, 17]);
    expect(items[0]!.trackId).toBe(items[1]!.trackId);
    expect(items[0]!.text).toMatch(/track/);
    expect((items[0]!.tags as string[]).length).toBeGreaterThan(3);
  });

  it('pairs the last segment (17..47 s) with the CLAP windows at 17, 27 and 37 s of its soundtrack and 30 frames of its video', async () => {
    const script = [
      'import json, sys, numpy',
      'd = sys.argv[1]',
      "print(json.dumps({'music': numpy.load(d + '/music.npy')[1].tolist(), 'music_len': int(numpy.load(d + '/music_len.npy')[1]), 'frames_len': int(numpy.load(d + '/frames_len.npy')[1])}))",
    ].join('\n');
    const row = JSON.parse(execFileSync('/usr/bin/python3', ['-c', script, join(out, 'shard-00000')], { encoding: 'utf8', timeout: 60_000 })) as {
      music: number[][];
      music_len: number;
      frames_len: number;
    };
    expect(row).toMatchObject({ music_len: 3, frames_len: 30 });
    const rate = encoders.clapAudio.sampleRate;
    const samples = await audio(join(videos, 'a-long.mp4'), { sampleRate: rate, channels: 1 });
    const expected = await encoders.clapAudio.encodeWindows([17, 27, 37].map((s) => samples.slice(s * rate, (s + 10) * rate)));
    expected.forEach((window, w) => window.forEach((x, i) => expect(row.music[w]![i]).toBeCloseTo(x, 3)));
  }, 60_000);

  it('keeps every segment of a track in one split', () => {
    const ids = ['t1', 't2', 't3', 't4', 't5', 't6', 't7', 't8'];
    const splits = ids.map((id) => splitOf(id, 0.3, 0.3));
    expect(ids.map((id) => splitOf(id, 0.3, 0.3))).toEqual(splits);
    expect(new Set(splits).size).toBeGreaterThan(1);
  });

  it('reads a CSV of video,audio pairs relative to the CSV', async () => {
    writeFileSync(join(work, 'pairs.csv'), 'video,audio\nvideos/c-silent.mp4,videos/b-short.mp4\n');
    expect(await readTrainingInput(join(work, 'pairs.csv'))).toEqual([{ video: join(videos, 'c-silent.mp4'), audio: join(videos, 'b-short.mp4') }]);
    writeFileSync(join(work, 'bad.csv'), 'clip,track\n');
    await expect(readTrainingInput(join(work, 'bad.csv'))).rejects.toThrow(/"video" and "audio" columns/);
  });
});
