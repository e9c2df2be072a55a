/**
 * A newcomer's first run, through the real CLI in child processes, offline: the hub is a closed loopback
 * port and the models directory is empty, so every command resolves the models by the one rule, falls
 * back to the stand-ins and says so the same way (banner on stderr, `standIn` in JSON); errors are printed
 * in full, or as one JSON object with --json; missing inputs are named.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureCliEnv, runCuecast, type CliRun } from '../support/cli.js';
import { makeTrack, makeVideo } from '../support/media.js';
import { anyOf, stringContaining } from '../support/matchers.js';

const work = mkdtempSync(join(tmpdir(), 'cuecast-first-run-'));
const music = join(work, 'music');
const catalog = join(work, 'catalog');
const emptyModels = join(work, 'models');
let clip = '';
let offline: NodeJS.ProcessEnv;

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

const BANNER = /STAND-IN MODELS/;
const jsonLines = (run: CliRun) =>
  run.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
const cli = (args: readonly string[], env: Readonly<Record<string, string>> = {}) => runCuecast(args, { ...offline, ...env });

let indexed: CliRun;

beforeAll(async () => {
  mkdirSync(emptyModels);
  offline = fixtureCliEnv(join(work, 'data'), {
    CUECAST_MODELS: emptyModels,
    CUECAST_ALLOW_REMOTE_MODELS: 'true',
    CUECAST_HUB_URL: `http://127.0.0.1:${await closedPort()}/`,
    CUECAST_CATALOG: catalog,
  });
  await makeTrack({ path: join(music, 'one.flac'), format: 'flac', seconds: 12, freq: 330, title: 'One', artist: 'A' });
  await makeTrack({ path: join(music, 'two.flac'), format: 'flac', seconds: 12, freq: 550, timbre: 'square', title: 'Two', artist: 'B' });
  clip = await makeVideo({ seconds: 2 });
  indexed = await cli(['index', music, '--json']);
}, 180_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('with the hub unreachable and no models installed, every command runs on the stand-ins and says so', () => {
  it('index: banner on stderr, a models event with standIn first on stdout', () => {
    expect(indexed.code, indexed.stderr).toBe(0);
    expect(indexed.stderr).toMatch(BANNER);
    expect(indexed.stderr).toMatch(/cannot be reached \(ECONNREFUSED\)/);
    const events = jsonLines(indexed);
    expect(events[0]).toMatchObject({ event: 'models', standIn: true, clip: 'cuecast/tiny-random-clip' });
    expect(events.at(-1)).toMatchObject({ event: 'done' });
  });

  it('catalog stats: banner, `standIn: true` in --json, a mark in the text', async () => {
    const json = await cli(['catalog', 'stats', '--json']);
    expect(json.code, json.stderr).toBe(0);
    expect(json.stderr).toMatch(BANNER);
    expect(JSON.parse(json.stdout)).toMatchObject({ tracks: 2, standIn: true });
    const text = await cli(['catalog', 'stats']);
    expect(text.stdout).toMatch(/STAND-IN MODELS/);
  });

  it('search: banner and `standIn: true`', async () => {
    const run = await cli(['search', 'warm jazz piano', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(BANNER);
    expect(JSON.parse(run.stdout)).toMatchObject({ query: 'warm jazz piano', standIn: true, hits: anyOf(Array) });
  });

  it('recommend --json: `standIn: true` at the top of the answer', async () => {
    const run = await cli(['recommend', clip, '--prompt', 'calm', '--k', '1', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(BANNER);
    expect(JSON.parse(run.stdout)).toMatchObject({ standIn: true, encoders: { standIn: true } });
  });

  it('with CUECAST_ALLOW_STAND_IN=false: MODEL_UNREACHABLE naming the hub and the fix, in text and as one JSON object', async () => {
    const env = { CUECAST_ALLOW_STAND_IN: 'false' };
    const text = await cli(['search', 'anything'], env);
    expect(text.code).toBe(1);
    expect(text.stderr).toMatch(/^error MODEL_UNREACHABLE: .*127\.0\.0\.1.*download cache .*--models DIR/m);
    const json = await cli(['search', 'anything', '--json'], env);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({ error: { code: 'MODEL_UNREACHABLE', message: stringContaining(offline.CUECAST_HUB_URL!) } });
  });
});

describe('errors', () => {
  const badConfig = { CUECAST_DEVICE: 'tpu', CUECAST_WORKERS: '0' };

  it('prints every line of a configuration error', async () => {
    const run = await cli(['recommend', clip], badConfig);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error CONFIG_INVALID: Invalid configuration:\n {2}- CUECAST_DEVICE \(encoders\.device\): .*\n {2}- CUECAST_WORKERS \(encoders\.workers\): /m);
  });

  it.each([
    ['recommend', () => ['recommend', clip, '--json']],
    ['search', () => ['search', 'x', '--json']],
    ['catalog stats', () => ['catalog', 'stats', '--json']],
    ['demo', () => ['demo', '--stand-in', '--dir', join(work, 'demo'), '--json']],
  ])('with --json, %s prints the error as one JSON object on stdout with exit code 1', async (_name, args) => {
    const run = await cli(args(), badConfig);
    expect(run.code).toBe(1);
    const error = JSON.parse(run.stdout) as { error: { code: string; message: string } };
    expect(error).toEqual({ error: { code: 'CONFIG_INVALID', message: stringContaining('CUECAST_WORKERS') } });
    expect(error.error.message).toContain('CUECAST_DEVICE');
  });

  it.each([
    ['index', () => ['index', music, '--json']],
    ['prepare-training', () => ['prepare-training', music, '--out', join(work, 'shards'), '--json']],
  ])('with --json, %s (a stream of events) ends with one error event carrying {code, message}', async (_name, args) => {
    const run = await cli(args(), badConfig);
    expect(run.code).toBe(1);
    expect(jsonLines(run)).toEqual([{ event: 'error', error: { code: 'CONFIG_INVALID', message: stringContaining('CUECAST_DEVICE') } }]);
  });

  it('names a missing music folder before loading any model', async () => {
    const missing = join(work, 'no-such-music');
    const run = await cli(['index', missing]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`error MEDIA_NOT_FOUND: The music folder ${missing} does not exist; give the folder that holds your audio files\n`);
  });

  it('names a missing video file', async () => {
    const missing = join(work, 'no-such-clip.mp4');
    const run = await cli(['recommend', missing, '--json']);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toEqual({ error: { code: 'MEDIA_NOT_FOUND', message: `The video file ${missing} does not exist` } });
  });
});

describe('--models DIR', () => {
  it.each([['index'], ['search'], ['recommend'], ['catalog', 'stats'], ['serve'], ['bot'], ['demo'], ['prepare-training']])('is accepted by `cuecast %s`', async (...command) => {
    const run = await cli([...command, '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/--models <dir>/);
  });
});
