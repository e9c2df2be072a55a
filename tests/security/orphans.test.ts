/**
 * No ffmpeg/ffprobe outlives cuecast: `kill -9` of the CLI and of the server in the middle of a probe of
 * a source that trickles bytes leaves no survivor (parent-death signal), and SIGTERM/SIGINT of a
 * one-shot command stops its children and exits 143/130.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io as connect } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cuecastBin, fixtureCliEnv, repoRoot } from '../support/cli.js';

let work: string;
let catalogDir: string;
const children: ChildProcess[] = [];
const servers: (Server | TcpServer)[] = [];

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'cuecast-orphans-'));
  const music = join(work, 'music');
  mkdirSync(music);
  execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'sine=f=330:d=12', '-y', join(music, 'tone.wav')]);
  catalogDir = join(work, 'catalog');
  execFileSync(process.execPath, [cuecastBin, 'index', music, '--catalog', catalogDir, '--jobs', '1'], { cwd: repoRoot, env: fixtureCliEnv(join(work, 'data')), stdio: 'ignore', timeout: 180_000 });
}, 200_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const server of servers.splice(0)) {
    if ('closeAllConnections' in server) server.closeAllConnections();
    server.close();
  }
});

/** An HTTP source that answers with an mp4 header and then one byte every 500 ms, forever. */
async function tricklingSource(): Promise<{ url: string; connected: () => number }> {
  let connections = 0;
  const server = createServer((_request, response) => {
    connections += 1;
    response.writeHead(200, { 'content-type': 'video/mp4' });
    const timer = setInterval(() => response.write(Buffer.from([0])), 500);
    response.on('close', () => clearInterval(timer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  const token = `trickle-${Math.random().toString(36).slice(2)}`;
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/${token}.mp4`, connected: () => connections };
}

/** An RTMP "server" that sends one byte every 500 ms: the handshake never completes and never times out. */
async function tricklingRtmp(): Promise<{ url: string; connected: () => number }> {
  let connections = 0;
  const sockets = new Set<import('node:net').Socket>();
  const server = createTcpServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.resume();
    const timer = setInterval(() => socket.write(Buffer.from([3])), 500);
    socket.on('close', () => {
      clearInterval(timer);
      sockets.delete(socket);
    });
  });
  server.on('close', () => sockets.forEach((s) => s.destroy()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  const token = `trickle-${Math.random().toString(36).slice(2)}`;
  return { url: `rtmp://127.0.0.1:${(server.address() as { port: number }).port}/live/${token}`, connected: () => connections };
}

/** Pids of processes whose command line contains `text` (our ffprobe/ffmpeg children carry the URL). */
function processesWith(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes(text) && /ff(probe|mpeg)/.test(cmdline)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

async function until(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const exited = (child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve({ code: child.exitCode, signal: child.signalCode })
    : new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

function recommend(url: string): ChildProcess {
  const child = spawn(process.execPath, [cuecastBin, 'recommend', url, '--catalog', catalogDir], { cwd: repoRoot, env: fixtureCliEnv(join(work, 'data')), stdio: 'ignore' });
  children.push(child);
  return child;
}

describe('no child outlives cuecast', () => {
  it('kill -9 of `cuecast recommend` mid-probe of a trickling source leaves no ffprobe behind', async () => {
    const source = await tricklingSource();
    const token = new URL(source.url).pathname.slice(1);
    const cli = recommend(source.url);
    await until(() => processesWith(token).length > 0 && source.connected() > 0, 90_000, 'the probe to start');
    const probes = processesWith(token);
    cli.kill('SIGKILL');
    await exited(cli);
    await until(() => processesWith(token).length === 0, 5000, `the probe (${probes.join(', ')}) to die with its parent`);
  }, 120_000);

  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)(
    '%s to `cuecast recommend` alone stops its ffprobe and exits %i',
    async (signal, code) => {
      const source = await tricklingSource();
      const token = new URL(source.url).pathname.slice(1);
      const cli = recommend(source.url);
      await until(() => processesWith(token).length > 0 && source.connected() > 0, 90_000, 'the probe to start');
      cli.kill(signal);
      expect(await exited(cli)).toEqual({ code, signal: null });
      await until(() => processesWith(token).length === 0, 5000, 'the probe to be stopped');
    },
    120_000,
  );

  // RTMP: no proxy connection whose loss would end the probe anyway; only the parent-death signal does.
  it('kill -9 of `cuecast serve` mid-probe of an ingest leaves no ffprobe behind', async () => {
    const source = await tricklingRtmp();
    const token = new URL(source.url).pathname.split('/').at(-1)!;
    const env = fixtureCliEnv(join(work, 'data'), { CUECAST_STREAM_TOKENS: 'live:producer-token-1', CUECAST_INGEST_ALLOW_CIDRS: '127.0.0.0/8', CUECAST_LOG_LEVEL: 'info' });
    const serve = spawn(process.execPath, [cuecastBin, 'serve', '--port', '0', '--catalog', catalogDir], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(serve);
    let out = '';
    serve.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    serve.stderr.resume();
    await until(() => /stream server listening on (http:\/\/\S+)/.test(out), 90_000, 'the server to start');
    const base = /stream server listening on (http:\/\/\S+)/.exec(out)![1]!;
    // serve listens first and loads the models and catalog after; /readyz answers 200 once it serves streams.
    let ready = false;
    await until(
      () => {
        void fetch(`${base}/readyz`).then(
          (r) => (ready = r.ok),
          () => {},
        );
        return ready;
      },
      90_000,
      'the server to be ready',
    );
    const cam = connect(`${base}/stream`, { auth: { streamId: 'live', token: 'producer-token-1' }, transports: ['websocket'], reconnection: false, forceNew: true });
    try {
      const ack = (await cam.timeout(10_000).emitWithAck('ingest', source.url)) as { data?: unknown; error?: unknown };
      expect(ack.error).toBeUndefined();
      await until(() => processesWith(token).length > 0 && source.connected() > 0, 30_000, 'the ingest probe to start');
      serve.kill('SIGKILL');
      await exited(serve);
      await until(() => processesWith(token).length === 0, 5000, 'the probe to die with the server');
    } finally {
      cam.disconnect();
    }
  }, 150_000);

  it('a live playlist whose segments never answer makes `cuecast recommend` fail with MEDIA_TIMEOUT within the 15 s network timeout, not the 120 s call limit', async () => {
    const silent = createTcpServer((socket) => {
      socket.on('error', () => {});
      socket.resume();
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    servers.push(silent);
    const segment = `http://127.0.0.1:${(silent.address() as { port: number }).port}/seg`;
    let firstRequestAt = 0;
    const playlist = createServer((_request, response) => {
      firstRequestAt ||= Date.now();
      response.writeHead(200, { 'content-type': 'application/vnd.apple.mpegurl' });
      response.end(`#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:2.0,\n${segment}0.ts\n#EXTINF:2.0,\n${segment}1.ts\n`);
    });
    await new Promise<void>((resolve) => playlist.listen(0, '127.0.0.1', resolve));
    servers.push(playlist);
    const url = `http://127.0.0.1:${(playlist.address() as { port: number }).port}/live.m3u8`;
    const child = spawn(process.execPath, [cuecastBin, 'recommend', url, '--catalog', catalogDir], { cwd: repoRoot, env: fixtureCliEnv(join(work, 'data')), stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.resume();
    const { code } = await exited(child);
    const seconds = (Date.now() - firstRequestAt) / 1000;
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/MEDIA_TIMEOUT|timed out|took longer/i);
    // 15 s network timeout plus a loaded machine's slack; the whole-call limit (120 s) is far off.
    expect(seconds).toBeLessThan(45);
  }, 150_000);
});
