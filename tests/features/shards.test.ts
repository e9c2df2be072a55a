import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeNpy } from '../../features/npy.js';
import { packRows, shardName, writeDataset, writeShard, type DatasetSpec, type ShardRow } from '../../features/shards.js';

const repo = resolve(import.meta.dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'cuecast-shards-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const python = (script: string[], ...args: string[]): string => execFileSync('/usr/bin/python3', ['-c', script.join('\n'), ...args], { cwd: repo, encoding: 'utf8', timeout: 120_000 });

/** A vector whose values say which row, position and field it is. */
const vector = (dim: number, row: number, position: number, field: number): Float32Array => Float32Array.from({ length: dim }, (_, i) => row * 100 + position * 10 + field + i / 8);

/** Rows of different lengths, so every array is padded somewhere. */
const rows: ShardRow[] = [1, 3, 2].map((frameCount, row) => ({
  frames: Array.from({ length: frameCount }, (_, t) => vector(4, row, t, 1)),
  text: [vector(4, row, 0, 2)],
  music: Array.from({ length: 3 - frameCount + 1 }, (_, s) => vector(3, row, s, 3)),
  item: { id: `t${row}-0`, trackId: `t${row}`, split: 'train', text: `row ${row}`, tags: ['calm'], segmentStart: 0 },
}));

const spec: DatasetSpec = {
  clip: { modelId: 'test/clip', dim: 4 },
  clap: { modelId: 'test/clap', dim: 3 },
  textDim: 4,
  textMode: 'pooled',
  fps: 1,
  maxFrames: 30,
  windowSeconds: 10,
  segmentSeconds: 30,
  hopSeconds: 15,
  textSource: 'tags',
  shards: [shardName(0)],
};

describe('training shards (features/shards.ts)', () => {
  it("writes the arrays byte for byte as the trainer's reference writer (viml.data.write_dataset, numpy.save) does", async () => {
    const ours = join(work, 'ours');
    await writeShard(join(ours, shardName(0)), rows, { frames: 4, text: 4, music: 3 });
    await writeDataset(ours, spec);
    // The reference pads the same rows with numpy and saves them through write_dataset.
    const layout = {
      frames: rows.map((r) => r.frames.map((v) => [...v])),
      text: rows.map((r) => r.text.map((v) => [...v])),
      music: rows.map((r) => r.music.map((v) => [...v])),
      items: rows.map((r) => r.item),
      dims: { frames: 4, text: 4, music: 3 },
    };
    const reference = join(work, 'reference');
    python(
      [
        'import json, sys, numpy',
        "sys.path.insert(0, 'model/train')",
        'from viml.data import write_dataset',
        'layout = json.loads(sys.argv[2])',
        'shard = {"items": layout["items"]}',
        'for field in ("frames", "text", "music"):',
        '    rows = layout[field]',
        '    longest = max(len(r) for r in rows)',
        '    padded = numpy.zeros((len(rows), longest, layout["dims"][field]), dtype=numpy.float32)',
        '    for i, r in enumerate(rows):',
        '        padded[i, :len(r)] = numpy.asarray(r, dtype=numpy.float32).reshape(len(r), -1)',
        '    shard[field] = padded',
        '    shard[field + "_len"] = [len(r) for r in rows]',
        'write_dataset(sys.argv[1], {}, {"shard-00000": shard})',
      ],
      reference,
      JSON.stringify(layout),
    );
    const arrays = readdirSync(join(reference, shardName(0)))
      .filter((f) => f.endsWith('.npy'))
      .sort();
    expect(arrays).toEqual(['frames.npy', 'frames_len.npy', 'music.npy', 'music_len.npy', 'text.npy', 'text_len.npy']);
    for (const file of arrays) expect(readFileSync(join(ours, shardName(0), file)).equals(readFileSync(join(reference, shardName(0), file))), file).toBe(true);
  });

  it('is read back by the trainer (viml.data.Dataset validates every field) with the values written', async () => {
    const dir = join(work, 'read-back');
    await writeShard(join(dir, shardName(0)), rows, { frames: 4, text: 4, music: 3 });
    await writeDataset(dir, spec);
    const read = JSON.parse(
      python(
        [
          'import json, sys',
          "sys.path.insert(0, 'model/train')",
          'from viml.data import Dataset',
          'd = Dataset(sys.argv[1])',
          'print(json.dumps({"rows": len(d), "clip": d.spec.clip_model, "window": d.spec.window_seconds, "frames_len": d.frames_len.tolist(), "music_len": d.music_len.tolist(), "frame": d.frames[1, 2].tolist(), "music": d.music[0, 2].tolist()}))',
        ],
        dir,
      ),
    ) as { rows: number; clip: string; window: number; frames_len: number[]; music_len: number[]; frame: number[]; music: number[] };
    expect(read).toMatchObject({ rows: 3, clip: 'test/clip', window: 10, frames_len: [1, 3, 2], music_len: [3, 1, 2] });
    expect(read.frame).toEqual([...rows[1]!.frames[2]!]);
    expect(read.music).toEqual([...rows[0]!.music[2]!]);
    const dataset = JSON.parse(readFileSync(join(dir, 'dataset.json'), 'utf8')) as Record<string, unknown>;
    expect(Object.keys(dataset)[0]).toBe('formatVersion');
    expect(dataset.formatVersion).toBe(1);
  });

  it('zero-pads rows after their length and refuses a vector of the wrong width', () => {
    const packed = packRows([[Float32Array.of(1, 2)], [Float32Array.of(3, 4), Float32Array.of(5, 6)]], 2);
    expect(packed.shape).toEqual([2, 2, 2]);
    expect([...packed.data]).toEqual([1, 2, 0, 0, 3, 4, 5, 6]);
    expect([...packed.lengths]).toEqual([1, 2]);
    expect(() => packRows([[Float32Array.of(1, 2, 3)]], 2)).toThrow(/row 0 position 0 has 3 values, expected 2/);
  });

  it('writes a 64-byte aligned version 1.0 .npy header that numpy reads back', () => {
    const buf = encodeNpy(Float32Array.of(1, 2, 3, 4, 5, 6), [2, 3]);
    expect((10 + buf.readUInt16LE(8)) % 64).toBe(0);
    const file = join(work, 'x.npy');
    execFileSync('/usr/bin/python3', ['-c', 'import sys; open(sys.argv[1], "wb").write(sys.stdin.buffer.read())', file], { input: buf });
    expect(python(['import numpy, sys', 'a = numpy.load(sys.argv[1])', 'print(a.dtype, a.shape, a.sum())'], file).trim()).toBe('float32 (2, 3) 21.0');
  });
});
