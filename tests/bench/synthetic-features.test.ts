import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mediaDecoder } from '../../bench/synthetic/decoder.js';
import { extractFeatures } from '../../bench/synthetic/features.js';
import { audio } from '../../core/media/index.js';
import type { Encoders } from '../../model/index.js';
import { createFixtureEncoders } from '../support/models.js';

const repo = resolve(import.meta.dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'cuecast-synthetic-'));
const corpus = join(work, 'corpus');
const data = join(work, 'data');
let encoders: Encoders;

beforeAll(async () => {
  // Three generated videos of 23 s: two whole 10 s windows each, and a 3 s tail the contract drops.
  execFileSync('/usr/bin/python3', ['-m', 'viml', 'synth', '--out', corpus, '--n', '3', '--seconds', '23', '--seed', '7'], {
    cwd: repo,
    env: { ...process.env, PYTHONPATH: join(repo, 'model', 'train'), PYTHONWARNINGS: 'ignore' },
    stdio: 'ignore',
    timeout: 120_000,
  });
  encoders = await createFixtureEncoders();
}, 180_000);

afterAll(async () => {
  // Unset when beforeAll failed before loading them.
  await (encoders as Encoders | undefined)?.dispose();
  rmSync(work, { recursive: true, force: true });
});

describe('synthetic benchmark features (bench/synthetic/features.ts)', () => {
  it('writes shards through the feature contract that the trainer reads, with the whole 10 s windows of each clip', async () => {
    const count = await extractFeatures({ corpusDir: corpus, outDir: data, fps: 1, maxFrames: 30, shardSize: 2 }, encoders, mediaDecoder());
    expect(count).toBe(3);
    const script = [
      'import json, sys',
      "sys.path.insert(0, 'model/train')",
      'from viml.data import Dataset',
      'd = Dataset(sys.argv[1])',
      'print(json.dumps({"rows": len(d), "frames_len": d.frames_len.tolist(), "music_len": d.music_len.tolist(), "music": d.music[0, :2].tolist()}))',
    ];
    const read = JSON.parse(execFileSync('/usr/bin/python3', ['-c', script.join('\n'), data], { cwd: repo, encoding: 'utf8', timeout: 120_000 })) as {
      rows: number;
      frames_len: number[];
      music_len: number[];
      music: number[][];
    };
    expect(read).toMatchObject({ rows: 3, frames_len: [23, 23, 23], music_len: [2, 2, 2] });
    const rate = encoders.clapAudio.sampleRate;
    const samples = await audio(join(corpus, 'videos', 'syn-0000.mp4'), { sampleRate: rate });
    const expected = await encoders.clapAudio.encodeWindows([0, 10].map((s) => samples.slice(s * rate, (s + 10) * rate)));
    expected.forEach((window, w) => window.forEach((x, i) => expect(read.music[w]![i]).toBeCloseTo(x, 4)));
    const dataset = JSON.parse(readFileSync(join(data, 'dataset.json'), 'utf8')) as Record<string, unknown>;
    expect(dataset).toMatchObject({ formatVersion: 1, textSource: 'synthetic', windowSeconds: 10, shards: ['shard-00000', 'shard-00001'] });
  }, 180_000);
});
