/**
 * The one model-resolution rule (model/sources.ts), offline for real: a "hub" that cannot be reached is a
 * closed loopback port, a hub without the model is a local server answering 404, and a reachable hub is a
 * local server serving the stand-in files in the hub's URL layout, from which transformers.js really
 * downloads into the cache.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEncoders, modelResolutionSettings } from '../../model/index.js';
import { probeHub } from '../../model/hub.js';
import { resolveEncoderModels } from '../../model/sources.js';
import { standInHeadsDir, standInModelsDir } from '../../model/stand-in.js';
import { fixtureConfig, fixtureModelsDir } from '../support/models.js';

const scratch = mkdtempSync(join(tmpdir(), 'cuecast-resolution-'));
const emptyModels = join(scratch, 'empty-models');
mkdirSync(emptyModels);

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

let unreachableHub = '';
let hub: Server;
let hubUrl = '';
const requests: string[] = [];

beforeAll(async () => {
  unreachableHub = `http://127.0.0.1:${await closedPort()}/`;
  // /<owner>/<name>/resolve/main/<file>: Xenova/clip-vit-base-patch32 and Xenova/clap-htsat-unfused are served from the stand-ins.
  const served: Record<string, string> = { 'Xenova/clip-vit-base-patch32': join(fixtureModelsDir, 'clip'), 'Xenova/clap-htsat-unfused': join(fixtureModelsDir, 'clap') };
  hub = createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    const match = /^\/([^/]+\/[^/]+)\/resolve\/main\/(.+)$/.exec(request.url ?? '');
    const dir = match ? served[match[1]!] : undefined;
    const file = dir && match ? join(dir, match[2]!) : undefined;
    if (!file || !existsSync(file)) return void response.writeHead(404).end('not found');
    const body = readFileSync(file);
    response.writeHead(200, { 'content-length': body.length, 'content-type': 'application/octet-stream' }).end(request.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((done) => hub.listen(0, '127.0.0.1', done));
  hubUrl = `http://127.0.0.1:${(hub.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  await new Promise<void>((done) => hub.close(() => done()));
  rmSync(scratch, { recursive: true, force: true });
});

const settings = (overrides: Record<string, unknown>) => modelResolutionSettings(fixtureConfig({ modelsDir: emptyModels, dataDir: join(scratch, 'data'), 'encoders.allowRemote': true, ...overrides }));

describe('resolving CLIP and CLAP', () => {
  it('the models directory comes first: no hub is asked', async () => {
    const resolved = await resolveEncoderModels(settings({ modelsDir: fixtureModelsDir, 'encoders.hubUrl': unreachableHub }), () => {
      throw new Error('the hub must not be asked');
    });
    expect(resolved.clip).toMatchObject({ location: join(fixtureModelsDir, 'clip'), local: true });
    expect(resolved.standIn).toBeUndefined();
  });

  it('given an unreachable hub and models nowhere else, falls back to the stand-ins and says why', async () => {
    expect(await probeHub(unreachableHub, 'Xenova/clip-vit-base-patch32')).toMatchObject({ status: 'unreachable', detail: 'ECONNREFUSED' });
    const resolved = await resolveEncoderModels(settings({ 'encoders.hubUrl': unreachableHub }));
    expect(resolved.clip.location).toBe(join(standInModelsDir()!, 'clip'));
    expect(resolved.clap.location).toBe(join(standInModelsDir()!, 'clap'));
    expect(resolved.standIn?.headsDir).toBe(standInHeadsDir());
    expect(resolved.standIn?.reason).toContain(unreachableHub);
    expect(resolved.standIn?.reason).toContain('ECONNREFUSED');
  });

  it('given CUECAST_ALLOW_STAND_IN=false, fails with MODEL_UNREACHABLE naming the hub, the cache dir and how to place models offline', async () => {
    const error = await resolveEncoderModels(settings({ 'encoders.hubUrl': unreachableHub, 'encoders.allowStandIn': false })).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'MODEL_UNREACHABLE' });
    const { message } = error as Error;
    expect(message).toContain(unreachableHub);
    expect(message).toContain(join(scratch, 'data', 'hub'));
    expect(message).toContain(join(emptyModels, 'clip'));
    expect(message).toMatch(/--models DIR/);
  });

  it('given downloads disabled, stays MODEL_MISSING (no fallback: offline was asked for)', async () => {
    await expect(resolveEncoderModels(settings({ 'encoders.hubUrl': unreachableHub, 'encoders.allowRemote': false }))).rejects.toMatchObject({ code: 'MODEL_MISSING' });
  });

  it('given a hub that has no such model, fails with MODEL_MISSING naming the id (not unreachable)', async () => {
    const error = await resolveEncoderModels(settings({ 'encoders.hubUrl': hubUrl, 'encoders.clip': 'nobody/no-such-model' })).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'MODEL_MISSING', message: expect.stringContaining('nobody/no-such-model') as string });
  });

  it('given a reachable hub, downloads the models into the cache, and later runs use the cache with the hub gone', async () => {
    const dataDir = join(scratch, 'download');
    const online = fixtureConfig({ modelsDir: emptyModels, dataDir, 'encoders.allowRemote': true, 'encoders.hubUrl': hubUrl });
    const encoders = await createEncoders(online);
    try {
      expect(encoders.standIn).toBeDefined(); // the served files are the stand-ins, so their ids say so
      expect(encoders.standIn?.headsDir).toBeUndefined();
      const [vector] = await encoders.clipText.encodeTexts(['warm jazz piano']);
      expect(vector).toHaveLength(encoders.clipText.info.dim);
      expect(await encoders.clapText.encodeTexts(['warm jazz piano'])).toHaveLength(1);
    } finally {
      await encoders.dispose();
    }
    expect(requests.some((r) => r.startsWith('GET /Xenova/clip-vit-base-patch32/resolve/main/onnx/text_model.onnx'))).toBe(true);
    expect(existsSync(join(dataDir, 'hub', 'Xenova', 'clip-vit-base-patch32', 'config.json'))).toBe(true);
    const offline = await resolveEncoderModels(settings({ dataDir, 'encoders.hubUrl': unreachableHub }));
    expect(offline.standIn).toBeUndefined();
    expect(offline.clip).toMatchObject({ location: 'Xenova/clip-vit-base-patch32', local: false });
  }, 60_000);

  it('given an incomplete download cache and an unreachable hub, loading fails with MODEL_UNREACHABLE, not MODEL_INVALID', async () => {
    const dataDir = join(scratch, 'partial');
    const cached = join(dataDir, 'hub', 'Xenova', 'clip-vit-base-patch32');
    mkdirSync(join(cached, 'onnx'), { recursive: true });
    cpSync(join(fixtureModelsDir, 'clip'), cached, { recursive: true, filter: (src) => !src.endsWith('.onnx') });
    const clapCached = join(dataDir, 'hub', 'Xenova', 'clap-htsat-unfused');
    cpSync(join(fixtureModelsDir, 'clap'), clapCached, { recursive: true });
    const encoders = await createEncoders(fixtureConfig({ modelsDir: emptyModels, dataDir, 'encoders.allowRemote': true, 'encoders.hubUrl': unreachableHub }));
    try {
      const error = await encoders.clipText.encodeTexts(['x']).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'MODEL_UNREACHABLE' });
    } finally {
      await encoders.dispose();
    }
  }, 60_000);
});
