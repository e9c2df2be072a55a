import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decide, DtypeChecks } from '../../model/dtype-choice.js';
import type { EncoderKind, Encoders } from '../../model/index.js';
import { Q8_AGREEMENT } from '../../model/reference-set.js';
import { createFixtureEncoders, fixtureModelsDir } from '../support/models.js';
import { stringMatching } from '../support/matchers.js';

const KINDS: readonly EncoderKind[] = ['clipImage', 'clipText', 'clapAudio', 'clapText'];
const dirs: string[] = [];
const open: Encoders[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cuecast-dtype-'));
  dirs.push(dir);
  return dir;
}

async function encoders(overrides: Record<string, unknown>): Promise<Encoders> {
  const e = await createFixtureEncoders(overrides);
  open.push(e);
  return e;
}

afterAll(async () => {
  await Promise.all(open.map((e) => e.dispose()));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('dtype auto', () => {
  it('checks each encoder once, picks q8 exactly where it agrees with fp32, and remembers the verdicts in the data dir', async () => {
    const dataDir = tempDir();
    const first = await encoders({ dataDir, 'encoders.dtype': 'auto' });
    for (const kind of KINDS) {
      const d = first.dtypes[kind];
      expect(d.how).toBe('checked');
      expect(d.minCosine).toBeGreaterThan(0);
      expect(d.dtype).toBe(d.minCosine! >= Q8_AGREEMENT ? 'q8' : 'fp32');
      expect(first[kind].info.dtype).toBe(d.dtype);
    }
    const store = JSON.parse(readFileSync(join(dataDir, 'dtype-checks.json'), 'utf8')) as { checks: Record<string, { dtype: string }> };
    expect(Object.keys(store.checks)).toHaveLength(4);

    const again = await encoders({ dataDir, 'encoders.dtype': 'auto' });
    for (const kind of KINDS) {
      expect(again.dtypes[kind].how).toBe('remembered');
      expect(again.dtypes[kind].dtype).toBe(first.dtypes[kind].dtype);
    }
    // The remembered dtype is the one the workers run: the embeddings match the first pool's.
    const frame = { time: 0, width: 32, height: 32, data: new Uint8Array(32 * 32 * 3).fill(90) };
    const [a] = await first.clipImage.encodeImages([frame]);
    const [b] = await again.clipImage.encodeImages([frame]);
    expect(Array.from(b!)).toEqual(Array.from(a!));
  }, 120_000);

  it('given a model directory without q8 files, runs fp32 and says why', async () => {
    const models = tempDir();
    cpSync(fixtureModelsDir, models, { recursive: true });
    rmSync(join(models, 'clip', 'onnx', 'vision_model_quantized.onnx'));
    const e = await encoders({ dataDir: tempDir(), modelsDir: models, 'encoders.dtype': 'auto' });
    expect(e.dtypes.clipImage.dtype).toBe('fp32');
    expect(e.dtypes.clipImage.reason).toMatch(/q8 could not run/);
    const [v] = await e.clipImage.encodeImages([{ time: 0, width: 16, height: 16, data: new Uint8Array(16 * 16 * 3).fill(200) }]);
    expect(v).toHaveLength(64);
  }, 120_000);

  it('given a damaged store, checks again and rewrites it', async () => {
    const dataDir = tempDir();
    writeFileSync(join(dataDir, 'dtype-checks.json'), '{ not json');
    const e = await encoders({ dataDir, 'encoders.dtype': 'auto' });
    expect(e.dtypes.clapAudio.how).toBe('checked');
    expect((): unknown => JSON.parse(readFileSync(join(dataDir, 'dtype-checks.json'), 'utf8'))).not.toThrow();
  }, 120_000);

  it('an explicit dtype overrides auto and runs no check', async () => {
    const dataDir = tempDir();
    const e = await encoders({ dataDir, 'encoders.dtype': 'q8' });
    for (const kind of KINDS) expect(e.dtypes[kind]).toMatchObject({ dtype: 'q8', how: 'configured' });
    expect(existsSync(join(dataDir, 'dtype-checks.json'))).toBe(false);
  }, 60_000);
});

describe('decide', () => {
  it('chooses q8 at or above the agreement threshold, fp32 below it or when q8 cannot run', () => {
    expect(decide({ ok: true, minCosine: Q8_AGREEMENT, meanCosine: 0.999, items: 6 }).dtype).toBe('q8');
    expect(decide({ ok: true, minCosine: 0.97, meanCosine: 0.999, items: 6 })).toMatchObject({ dtype: 'fp32', reason: stringMatching(/disagrees/) });
    expect(decide({ ok: false, reason: 'no file' })).toMatchObject({ dtype: 'fp32', reason: stringMatching(/no file/) });
  });

  it('a store entry for other files is not recalled', () => {
    const checks = new DtypeChecks(tempDir());
    checks.remember('a', 'm', 'vision_model', { dtype: 'q8', how: 'checked', minCosine: 0.999, reason: 'ok' });
    expect(checks.recall('a')).toMatchObject({ dtype: 'q8', how: 'remembered' });
    expect(checks.recall('b')).toBeUndefined();
    expect(checks.recall(undefined)).toBeUndefined();
  });
});
