/**
 * `cuecast serve` with no tokens configured: generated once into the data dir (mode 0600), printed once
 * as ready-to-paste URLs, printed again with --print-urls, and working for the overlay; configured
 * tokens win. The server runs as a real child process on the stand-in models.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateTokens, TOKEN_NAMES, TOKEN_STORE_FILE } from '../../cli/token-store.js';
import { cuecastBin, fixtureCliEnv, repoRoot, runCuecast } from '../support/cli.js';
import { makeTrack } from '../support/media.js';
import { closeClients, overlay, waitFor } from '../stream-server/support/server.js';
import { objectContaining, stringContaining } from '../support/matchers.js';

const work = mkdtempSync(join(tmpdir(), 'cuecast-serve-tokens-'));
const catalog = join(work, 'catalog');

afterAll(() => {
  closeClients();
  rmSync(work, { recursive: true, force: true });
});

describe('the token store', () => {
  it('generates a strong token per name once, keeps them with mode 0600, and adds a missing name without touching the others', () => {
    const dir = join(work, 'store');
    const first = loadOrCreateTokens(dir);
    expect(first.created).toEqual([...TOKEN_NAMES]);
    expect(first.tokens.stream).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(first.tokens.stream).not.toBe(first.tokens.overlay);
    expect(statSync(first.path).mode & 0o777).toBe(0o600);
    const again = loadOrCreateTokens(dir);
    expect(again).toMatchObject({ created: [], tokens: first.tokens, streamId: 'default' });
    // A store from before a name existed (here: no overlay token) gets just that one.
    const stored = JSON.parse(readFileSync(first.path, 'utf8')) as { tokens: Record<string, string> };
    delete stored.tokens.overlay;
    writeFileSync(first.path, JSON.stringify(stored), { mode: 0o644 });
    const upgraded = loadOrCreateTokens(dir);
    expect(upgraded.created).toEqual(['overlay']);
    expect(upgraded.tokens.stream).toBe(first.tokens.stream);
    expect(statSync(first.path).mode & 0o777).toBe(0o600);
  });

  it('given a corrupt store, refuses with CONFIG_INVALID naming the file and the fix', () => {
    const dir = join(work, 'corrupt');
    loadOrCreateTokens(dir);
    writeFileSync(join(dir, TOKEN_STORE_FILE), '{not json');
    expect(() => loadOrCreateTokens(dir)).toThrow(objectContaining({ code: 'CONFIG_INVALID', message: stringContaining('delete it') }));
  });
});

describe('cuecast serve with no tokens configured', () => {
  const dataDir = join(work, 'data');
  const env = fixtureCliEnv(dataDir, { CUECAST_CATALOG: catalog });

  beforeAll(async () => {
    const music = join(work, 'music');
    await makeTrack({ path: join(music, 'a.flac'), format: 'flac', seconds: 12, freq: 440, title: 'A', artist: 'X' });
    const indexed = await runCuecast(['index', music], env);
    expect(indexed.code, indexed.stderr).toBe(0);
  }, 120_000);

  /** Starts serve, collects stdout until the ready line, then stops it. */
  async function serveOnce(args: readonly string[] = [], extraEnv: Record<string, string> = {}, whileReady?: (stdout: string) => Promise<void>): Promise<{ stdout: string; code: number | null }> {
    const child = spawn(process.execPath, [cuecastBin, 'serve', '--port', '0', ...args], { cwd: repoRoot, env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      await new Promise<void>((done, fail) => {
        createInterface({ input: child.stdout }).on('line', (line) => {
          stdout += `${line}\n`;
          if (/ready on/.test(line)) done();
        });
        child.once('exit', (code) => fail(new Error(`serve exited with ${code}: ${stderr}`)));
      });
      await whileReady?.(stdout);
      const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
      child.kill('SIGTERM');
      return { stdout, code: await exited };
    } finally {
      child.kill('SIGKILL');
    }
  }

  it('prints the address and the capture and overlay URLs with generated tokens on first start; the overlay URL works and /readyz says standIn', async () => {
    const first = await serveOnce([], {}, async (stdout) => {
      const overlayUrl = new URL(/overlay \(OBS browser source\): +(\S+)/.exec(stdout)![1]!);
      const base = overlayUrl.origin;
      expect(await (await fetch(`${base}/readyz`)).json()).toMatchObject({ status: 'ready', standIn: true });
      const viewer = overlay(base, { streamId: overlayUrl.searchParams.get('stream'), token: overlayUrl.searchParams.get('token') });
      expect(await waitFor(viewer, 'state')).toMatchObject({ streamId: 'default' });
    });
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^cuecast stream server listening on http:\/\/127\.0\.0\.1:\d+/);
    const stored = JSON.parse(readFileSync(join(dataDir, TOKEN_STORE_FILE), 'utf8')) as { tokens: { stream: string; overlay: string } };
    expect(statSync(join(dataDir, TOKEN_STORE_FILE)).mode & 0o777).toBe(0o600);
    expect(first.stdout).toMatch(new RegExp(`capture \\(send a tab or camera\\): +http://127\\.0\\.0\\.1:\\d+/capture\\?stream=default&token=${stored.tokens.stream}\\n`));
    expect(first.stdout).toContain(`/overlay?stream=default&token=${stored.tokens.overlay}`);

    const second = await serveOnce();
    expect(second.stdout).not.toContain(stored.tokens.stream);
    expect(second.stdout).toMatch(/--print-urls/);
    const again = await serveOnce(['--print-urls']);
    expect(again.stdout).toContain(`token=${stored.tokens.stream}`);
    expect(again.stdout).toContain(`token=${stored.tokens.overlay}`);
  }, 120_000);

  it('configured tokens win: nothing generated, no token printed', async () => {
    const other = join(work, 'other-data');
    const run = await serveOnce([], {
      CUECAST_DATA_DIR: other,
      CUECAST_STREAM_TOKENS: 'live:producer-token-1',
      CUECAST_OVERLAY_TOKENS: 'live:overlay-token-1',
      CUECAST_STUDIO_TOKEN: 'studio-token-of-at-least-some-length-1',
    });
    expect(run.code).toBe(0);
    expect(existsSync(join(other, TOKEN_STORE_FILE))).toBe(false);
    expect(run.stdout).not.toMatch(/token=[A-Za-z0-9_-]/);
    expect(run.stdout).not.toContain('overlay-token-1');
    expect(run.stdout).not.toContain('studio-token-of-at-least-some-length-1');
  }, 60_000);

  it('configured stream tokens without a studio token: only the studio token is generated, the configured ones are never printed', async () => {
    const other = join(work, 'studio-only-data');
    const run = await serveOnce([], { CUECAST_DATA_DIR: other, CUECAST_STREAM_TOKENS: 'live:producer-token-1', CUECAST_OVERLAY_TOKENS: 'live:overlay-token-1' });
    expect(run.code).toBe(0);
    const stored = JSON.parse(readFileSync(join(other, TOKEN_STORE_FILE), 'utf8')) as { tokens: Record<string, string> };
    expect(stored.tokens.studio).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(JSON.stringify(stored)).not.toContain('producer-token-1');
    expect(run.stdout).not.toMatch(/\/(capture|overlay)\?stream=[^&\s]+&token=[A-Za-z0-9_-]/);
    expect(run.stdout).toMatch(/\/studio\?token=[A-Za-z0-9_-]{20,}/);
    expect(run.stdout).not.toContain('producer-token-1');
    expect(run.stdout).not.toContain('overlay-token-1');
  }, 60_000);
});
