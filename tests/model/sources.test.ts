import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, copyFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createEncoders } from '../../model/index.js';
import { resolveModelSource } from '../../model/sources.js';
import { createFixtureEncoders, fixtureConfig, fixtureModelsDir } from '../support/models.js';
import { patternFrame } from './images.js';

const ortBin = join(createRequire(import.meta.url).resolve('onnxruntime-node'), '..', '..', 'bin', 'napi-v6', process.platform, process.arch);
const cudaInstalled = existsSync(join(ortBin, 'libonnxruntime_providers_cuda.so'));

const scratch = mkdtempSync(join(tmpdir(), 'cuecast-models-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('model sources', () => {
  it('prefers <modelsDir>/clip over the hub id, and uses the hub only when downloads are allowed', () => {
    expect(resolveModelSource('clip', 'Xenova/clip-vit-base-patch32', fixtureModelsDir, false)).toEqual({
      location: join(fixtureModelsDir, 'clip'),
      local: true,
      configured: 'Xenova/clip-vit-base-patch32',
    });
    expect(resolveModelSource('clip', 'Xenova/clip-vit-base-patch32', scratch, true)).toEqual({
      location: 'Xenova/clip-vit-base-patch32',
      local: false,
      configured: 'Xenova/clip-vit-base-patch32',
    });
  });

  it('given a configured model directory that does not exist, rejects with MODEL_MISSING naming it', async () => {
    const missing = join(scratch, 'no-such-clip');
    await expect(createFixtureEncoders({ 'encoders.clip': missing })).rejects.toMatchObject({
      code: 'MODEL_MISSING',
      message: expect.stringContaining(missing) as string,
    });
  });

  it('given an empty models directory and downloads disabled, rejects with MODEL_MISSING naming the id, the directory and the fix', async () => {
    const empty = mkdtempSync(join(scratch, 'empty-'));
    const error = await createEncoders(fixtureConfig({ modelsDir: empty })).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'MODEL_MISSING' });
    const { message } = error as Error;
    expect(message).toContain('Xenova/clip-vit-base-patch32');
    expect(message).toContain(join(empty, 'clip'));
    expect(message).toContain('CUECAST_ALLOW_REMOTE_MODELS');
  });

  it('given a model directory without its onnx files, encoding rejects with MODEL_MISSING naming the file to add', async () => {
    const dir = join(scratch, 'clip-without-onnx');
    cpSync(join(fixtureModelsDir, 'clip'), dir, { recursive: true, filter: (src) => !src.includes('onnx') });
    const encoders = await createFixtureEncoders({ 'encoders.clip': dir });
    try {
      expect(encoders.clipImage.info.dim).toBe(64);
      const error = await encoders.clipImage.encodeImages([patternFrame(32, 32, 1)]).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'MODEL_MISSING' });
      expect((error as Error).message).toContain('onnx/vision_model.onnx');
      expect((error as Error).message).toContain(dir);
      // the CLAP encoders in the same pool are unaffected
      expect(await encoders.clapText.encodeTexts(['still fine'])).toHaveLength(1);
    } finally {
      await encoders.dispose();
    }
  }, 30_000);

  it('given a graph with other inputs and outputs, rejects with MODEL_INVALID listing everything missing at once', async () => {
    const dir = join(scratch, 'clip-wrong-graph');
    cpSync(join(fixtureModelsDir, 'clip'), dir, { recursive: true });
    copyFileSync(join(dir, 'onnx', 'text_model.onnx'), join(dir, 'onnx', 'vision_model.onnx'));
    const encoders = await createFixtureEncoders({ 'encoders.clip': dir });
    try {
      const error = await encoders.clipImage.encodeImages([patternFrame(32, 32, 1)]).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'MODEL_INVALID' });
      const { message } = error as Error;
      expect(message).toContain('missing input(s) pixel_values');
      expect(message).toContain('it has: input_ids, attention_mask');
      expect(message).toContain('missing output image_embeds');
      expect(message).toContain('input(s) this encoder cannot provide: input_ids, attention_mask');
    } finally {
      await encoders.dispose();
    }
  }, 30_000);

  it('given a config.json whose projection_dim disagrees with the graph, rejects with MODEL_INVALID', async () => {
    const dir = join(scratch, 'clip-wrong-dim');
    cpSync(join(fixtureModelsDir, 'clip'), dir, { recursive: true });
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { projection_dim: number };
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, projection_dim: 128 }));
    const encoders = await createFixtureEncoders({ 'encoders.clip': dir });
    try {
      expect(encoders.clipImage.info.dim).toBe(128);
      const error = await encoders.clipImage.encodeImages([patternFrame(32, 32, 1)]).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'MODEL_INVALID' });
      expect((error as Error).message).toContain('expected [1, 128] (projection_dim in config.json)');
    } finally {
      await encoders.dispose();
    }
  }, 30_000);

  it.skipIf(cudaInstalled)(
    'given device cuda on a CPU-only install, rejects with MODEL_FAILED saying how to install CUDA support',
    async () => {
      const encoders = await createFixtureEncoders({ 'encoders.device': 'cuda' });
      try {
        const error = await encoders.clipImage.encodeImages([patternFrame(32, 32, 1)]).catch((e: unknown) => e);
        expect(error).toMatchObject({ code: 'MODEL_FAILED' });
        expect((error as Error).message).toContain('ONNXRUNTIME_NODE_INSTALL=cuda12');
      } finally {
        await encoders.dispose();
      }
    },
    30_000,
  );
});
