import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadVimlHeads, type Encoders, type VimlHeads, type VimlQuery } from '../../model/index.js';
import { createFixtureEncoders, fixtureConfig } from '../support/models.js';
import { maxAbsDiff, norm } from './vectors.js';
import { ifSet } from '../support/if-set.js';

const headsDir = fileURLToPath(new URL('../fixtures/viml', import.meta.url));

interface JsonTensor {
  dims: number[];
  type: 'float32' | 'bool';
  data: (number | boolean)[];
}
interface Parity {
  tolerance: number;
  query: { inputs: Record<'video' | 'video_mask' | 'text' | 'text_mask', JsonTensor>; output: JsonTensor };
  music: { inputs: Record<'music' | 'music_mask', JsonTensor>; output: JsonTensor };
}

const parity = JSON.parse(readFileSync(join(headsDir, 'parity.json'), 'utf8')) as Parity;

/** Rows of a [B,T,D] tensor as per-sample vector lists, keeping the steps its [B,T] mask marks real. */
function sequences(features: JsonTensor, mask: JsonTensor): Float32Array[][] {
  const [batch, steps, dim] = features.dims as [number, number, number];
  return Array.from({ length: batch }, (_, b) => {
    const rows: Float32Array[] = [];
    for (let t = 0; t < steps; t++) {
      if (mask.data[b * steps + t]) rows.push(Float32Array.from(features.data.slice((b * steps + t) * dim, (b * steps + t + 1) * dim) as number[]));
    }
    return rows;
  });
}

function outputRows(tensor: JsonTensor): Float32Array[] {
  const [batch, dim] = tensor.dims as [number, number];
  return Array.from({ length: batch }, (_, b) => Float32Array.from(tensor.data.slice(b * dim, (b + 1) * dim) as number[]));
}

const q = parity.query.inputs;
const queries: VimlQuery[] = sequences(q.video, q.video_mask).map((frames, b) => ({ frames, text: sequences(q.text, q.text_mask)[b]! }));
const segments = sequences(parity.music.inputs.music, parity.music.inputs.music_mask);

let encoders: Encoders;
let heads: VimlHeads;
const scratch = mkdtempSync(join(tmpdir(), 'cuecast-viml-'));

beforeAll(async () => {
  encoders = await createFixtureEncoders({ 'encoders.workers': 2 });
  heads = await loadVimlHeads(encoders, fixtureConfig(), { dir: headsDir });
}, 60_000);

afterAll(async () => {
  await ifSet(encoders)?.dispose();
  rmSync(scratch, { recursive: true, force: true });
});

/** The fields of the fixture heads' manifest.json that these tests damage (the rest is copied as read). */
interface EditableManifest {
  dim?: number;
  clip: { modelId: string };
  clap: { dim: number };
  heads: { opset: number; query: { file: string } };
}

function headsCopy(name: string, edit: (manifest: EditableManifest) => void): string {
  const dir = join(scratch, name);
  cpSync(headsDir, dir, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as EditableManifest;
  edit(manifest);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  return dir;
}

describe('ViML heads in onnxruntime-node', () => {
  it('match the PyTorch parity outputs within 1e-4 (max abs), query and music', async () => {
    expect(parity.tolerance).toBeLessThanOrEqual(1e-4);
    expect(queries.some((query) => query.text!.length === 0)).toBe(true);
    const [gotQuery, gotMusic] = await Promise.all([heads.encodeQueries(queries), heads.encodeMusic(segments)]);
    outputRows(parity.query.output).forEach((want, b) => expect(maxAbsDiff(gotQuery[b]!, want)).toBeLessThan(1e-4));
    outputRows(parity.music.output).forEach((want, b) => expect(maxAbsDiff(gotMusic[b]!, want)).toBeLessThan(1e-4));
  });

  it('return L2-normalised vectors of the manifest dimension, batched == one by one within 1e-5', async () => {
    const batched = await heads.encodeQueries(queries);
    for (const [b, query] of queries.entries()) {
      const [alone] = await heads.encodeQueries([query]);
      expect(alone).toHaveLength(heads.dim);
      expect(norm(alone!)).toBeCloseTo(1, 5);
      expect(maxAbsDiff(batched[b]!, alone!)).toBeLessThan(1e-5);
    }
  });

  it('given the same frames with and without text, gives different queries', async () => {
    const frames = queries[0]!.frames;
    const [withText, withoutText] = await heads.encodeQueries([{ frames, text: queries[0]!.text! }, { frames }]);
    expect(maxAbsDiff(withText!, withoutText!)).toBeGreaterThan(1e-4);
  });

  it('given vectors of the wrong dimension or too many frames, rejects with INPUT_INVALID', async () => {
    await expect(heads.encodeQueries([{ frames: [new Float32Array(63)] }])).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    await expect(heads.encodeQueries([{ frames: [] }])).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    const tooMany = Array.from({ length: heads.manifest.heads.maxFrames + 1 }, () => queries[0]!.frames[0]!);
    await expect(heads.encodeQueries([{ frames: tooMany }])).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    await expect(heads.encodeMusic([[new Float32Array(64)]])).rejects.toMatchObject({ code: 'INPUT_INVALID' });
  });
});

describe('loading ViML heads', () => {
  it('given a manifest from other encoders, rejects with MODEL_MISMATCH naming both models and dimensions', async () => {
    const dir = headsCopy('other-encoders', (m) => {
      m.clip.modelId = 'openai/clip-vit-large-patch14';
      m.clap.dim = 512;
    });
    const error = await loadVimlHeads(encoders, fixtureConfig(), { dir }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'MODEL_MISMATCH' });
    const { message } = error as Error;
    expect(message).toContain('openai/clip-vit-large-patch14');
    expect(message).toContain('cuecast/tiny-random-clip');
    expect(message).toMatch(/CLAP audio dimension: .*512.* 32/);
  });

  it('given a manifest missing fields, rejects with MODEL_INVALID naming the file and every field', async () => {
    const dir = headsCopy('broken-manifest', (m) => {
      delete m.dim;
      m.heads.opset = 11;
    });
    const error = await loadVimlHeads(encoders, fixtureConfig(), { dir }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'MODEL_INVALID' });
    expect((error as Error).message).toContain(join(dir, 'manifest.json'));
    expect((error as Error).message).toContain('dim:');
    expect((error as Error).message).toContain('heads.opset');
  });

  it('given no heads in <modelsDir>/viml, rejects with MODEL_MISSING saying how to get them', async () => {
    const error = await loadVimlHeads(encoders, fixtureConfig()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'MODEL_MISSING' });
    expect((error as Error).message).toContain('zero-shot');
  });

  it('given a head graph without the contract inputs, rejects with MODEL_INVALID listing them', async () => {
    const dir = headsCopy('swapped-graphs', (m) => {
      m.heads.query.file = 'music_encoder.onnx';
    });
    const error = await loadVimlHeads(encoders, fixtureConfig(), { dir }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'MODEL_INVALID' });
    expect((error as Error).message).toContain('missing input(s) video, video_mask, text, text_mask');
    // the heads loaded before are still in service
    expect(await heads.encodeMusic(segments)).toHaveLength(segments.length);
  });
});
