import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caught } from '../support/caught.js';
import { audio, cutSegment, findBinaries, frames, probe, type RgbFrame } from '../../core/media/index.js';
import { liveChildPids } from '../../core/media/process.js';
import { isProcessAlive } from '../../core/pid.js';
import { corruptCopy, makeAudio, makeLongAudio, makeLongVideo, makeVideo, randomBytesFile, truncatedCopy, zeroByteFile } from '../support/media.js';

/** Every URL in this file carries this marker, so `pgrep -f` can tell our ffmpeg children apart. */
const MARKER = `cuecast-media-test-${randomUUID()}`;

async function drain(iterable: AsyncIterable<RgbFrame>): Promise<number> {
  let count = 0;
  for await (const _ of iterable) count += 1;
  return count;
}

/** Command lines of live processes that carry MARKER (read from /proc; pgrep elsewhere). */
function markedProcesses(): string {
  if (existsSync('/proc/self/cmdline')) {
    return readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name) && Number(name) !== process.pid)
      .map((pid) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
        } catch {
          return ''; // exited meanwhile
        }
      })
      .filter((command) => command.includes(MARKER))
      .join('\n');
  }
  try {
    return execFileSync('pgrep', ['-af', MARKER], { encoding: 'utf8' }).trim();
  } catch {
    return ''; // pgrep exits 1 when nothing matches
  }
}

let clip: string;
let hangingServer: TcpServer;
let hangingUrl: string;
const hangingSockets = new Set<Socket>();
let fileServer: HttpServer;
let fileServerBase: string;

beforeAll(async () => {
  clip = await makeVideo({ container: 'mp4' });
  // Accepts connections and never answers: an ffmpeg hang on a network input.
  hangingServer = createTcpServer((socket) => {
    hangingSockets.add(socket);
    socket.on('close', () => hangingSockets.delete(socket));
  });
  await new Promise<void>((resolve) => hangingServer.listen(0, '127.0.0.1', resolve));
  hangingUrl = `http://127.0.0.1:${(hangingServer.address() as { port: number }).port}/${MARKER}/clip.mp4`;
  // Serves the test clip with range requests (ffmpeg seeks to the mp4 index at the end), 404 otherwise.
  fileServer = createHttpServer((request, response) => {
    if (!request.url?.endsWith('/clip.mp4')) return void response.writeHead(404).end('not found');
    const size = statSync(clip).size;
    const range = /bytes=(\d+)-(\d*)/.exec(request.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    const end = range?.[2] ? Number(range[2]) : size - 1;
    response.writeHead(range ? 206 : 200, {
      'content-type': 'video/mp4',
      'content-length': end - start + 1,
      'accept-ranges': 'bytes',
      ...(range ? { 'content-range': `bytes ${start}-${end}/${size}` } : {}),
    });
    createReadStream(clip, { start, end }).pipe(response);
  });
  await new Promise<void>((resolve) => fileServer.listen(0, '127.0.0.1', resolve));
  fileServerBase = `http://127.0.0.1:${(fileServer.address() as { port: number }).port}/${MARKER}`;
});

afterAll(async () => {
  for (const socket of hangingSockets) socket.destroy();
  await new Promise((resolve) => hangingServer.close(resolve));
  fileServer.closeAllConnections();
  await new Promise((resolve) => fileServer.close(resolve));
  expect(liveChildPids()).toEqual([]);
  expect(markedProcesses()).toBe('');
});

describe('bad files', () => {
  it('given a path that does not exist, rejects with MEDIA_NOT_FOUND', async () => {
    const error = await caught(probe(`/nonexistent/${MARKER}.mp4`));
    expect(error.code).toBe('MEDIA_NOT_FOUND');
    expect(error.message).toContain(`${MARKER}.mp4`);
  });

  it('given a zero-byte file, rejects with MEDIA_EMPTY', async () => {
    expect((await caught(probe(await zeroByteFile('empty.mp4')))).code).toBe('MEDIA_EMPTY');
    expect((await caught(drain(frames(await zeroByteFile('empty.mp4'))))).code).toBe('MEDIA_EMPTY');
  });

  it('given empty bytes, rejects with MEDIA_EMPTY', async () => {
    expect(await caught(audio(new Uint8Array(0)))).toMatchObject({ code: 'MEDIA_EMPTY' });
  });

  it('given random bytes named .mp4, rejects with MEDIA_UNREADABLE', async () => {
    const error = await caught(probe(await randomBytesFile('noise.mp4')));
    expect(error.code).toBe('MEDIA_UNREADABLE');
    expect(error.message).toMatch(/not a media file that can be read/);
  });

  it('given random bytes, without ffprobe too, rejects with MEDIA_UNREADABLE', async () => {
    const { ffmpeg } = await findBinaries();
    expect((await caught(probe(await randomBytesFile('noise.mp4'), { binaries: { ffmpeg } }))).code).toBe('MEDIA_UNREADABLE');
  });

  it('given a truncated mp4 (download cut in half), rejects with MEDIA_UNREADABLE', async () => {
    expect(await caught(drain(frames(await truncatedCopy(clip, 0.5))))).toMatchObject({ code: 'MEDIA_UNREADABLE' });
  });

  it('given a truncated faststart mp4 (it probes), yields the frames before the cut, then rejects with MEDIA_UNREADABLE', async () => {
    const cut = await truncatedCopy(await makeVideo({ container: 'mp4', faststart: true }), 0.5);
    expect((await probe(cut)).duration).toBeCloseTo(10, 0);
    let decoded = 0;
    const error = await caught(
      (async () => {
        for await (const _ of frames(cut, { fps: 1, size: 32 })) decoded += 1;
      })(),
    );
    expect(error.code).toBe('MEDIA_UNREADABLE');
    expect(error.message).toMatch(/truncated or damaged/);
    expect(decoded).toBeGreaterThan(0);
    expect(decoded).toBeLessThan(10);
    expect((await caught(audio(cut))).code).toBe('MEDIA_UNREADABLE');
  });

  it('given an mp4 with a corrupt header, rejects with MEDIA_UNREADABLE', async () => {
    expect(await caught(audio(await corruptCopy(clip)))).toMatchObject({ code: 'MEDIA_UNREADABLE' });
  });

  it('given a directory, rejects with MEDIA_UNREADABLE', async () => {
    expect((await caught(probe('/tmp'))).code).toBe('MEDIA_UNREADABLE');
  });

  it('treats a path that looks like an ffmpeg protocol as a file name', async () => {
    expect((await caught(probe(`concat:/etc/passwd|${MARKER}`))).code).toBe('MEDIA_NOT_FOUND');
  });

  it('given bytes over maxInputBytes, rejects with MEDIA_TOO_LARGE without writing them', async () => {
    expect((await caught(probe(new Uint8Array(2048), { maxInputBytes: 1024 }))).code).toBe('MEDIA_TOO_LARGE');
  });
});

describe('inputs that lack what is asked', () => {
  it('given an audio-only file, frames rejects with MEDIA_NO_VIDEO', async () => {
    const error = await caught(drain(frames(await makeAudio('m4a', 3))));
    expect(error.code).toBe('MEDIA_NO_VIDEO');
    expect(error.message).toMatch(/audio only/);
  });

  it('given an mp3 with cover art, frames rejects with MEDIA_NO_VIDEO (cover art is not video)', async () => {
    expect((await caught(drain(frames(await makeAudio('mp3', 3, { cover: true }))))).code).toBe('MEDIA_NO_VIDEO');
  });

  it('given a silent-less gif, audio and cutSegment reject with MEDIA_NO_AUDIO', async () => {
    const gif = await makeVideo({ container: 'gif', seconds: 2, fps: 5, width: 32, height: 32 });
    expect((await caught(audio(gif))).code).toBe('MEDIA_NO_AUDIO');
    expect((await caught(cutSegment(gif, { start: 0, duration: 1, format: 'mp3' }))).code).toBe('MEDIA_NO_AUDIO');
  });

  it('given a start past the end, rejects with INPUT_INVALID', async () => {
    expect(await caught(drain(frames(clip, { start: 60 })))).toMatchObject({ code: 'INPUT_INVALID' });
  });
});

describe('hours-long inputs', () => {
  it('generates 3-hour inputs in a few seconds', async () => {
    const startedAt = performance.now();
    await Promise.all([makeLongVideo(), makeLongAudio()]);
    expect(performance.now() - startedAt).toBeLessThan(5_000);
  });

  it('refuses a 3-hour video over a 1-hour limit with MEDIA_TOO_LONG before decoding', async () => {
    const path = await makeLongVideo();
    expect((await probe(path)).duration).toBeCloseTo(10_800, 0);
    const startedAt = performance.now();
    const error = await caught(drain(frames(path, { maxDurationSeconds: 3600 })));
    expect(error.code).toBe('MEDIA_TOO_LONG');
    expect(error.message).toMatch(/10800 s, over the limit of 3600 s/);
    expect(performance.now() - startedAt).toBeLessThan(2_000);
  });

  it('refuses a 3-hour audio file over a 1-hour limit with MEDIA_TOO_LONG', async () => {
    expect((await caught(audio(await makeLongAudio(), { maxDurationSeconds: 3600 }))).code).toBe('MEDIA_TOO_LONG');
  });

  it('samples a 3-hour video evenly within the default limit', async () => {
    const times: number[] = [];
    for await (const frame of frames(await makeLongVideo(), { fps: 1, maxFrames: 4, sampling: 'even', size: 32 })) times.push(frame.time);
    expect(times).toEqual([0, 2700, 5400, 8100]);
  });
});

describe('network inputs', () => {
  it('reads frames and probes over http', async () => {
    const info = await probe(`${fileServerBase}/clip.mp4`);
    expect(info.duration).toBeCloseTo(10, 1);
    expect(await drain(frames(`${fileServerBase}/clip.mp4`, { fps: 1, size: 32 }))).toBe(10);
  });

  it('given a URL that answers 404, rejects with MEDIA_NOT_FOUND', async () => {
    expect((await caught(probe(`${fileServerBase}/missing.mp4`))).code).toBe('MEDIA_NOT_FOUND');
  });

  it('given a closed port, rejects with MEDIA_UNREACHABLE', async () => {
    const closed = createTcpServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await caught(probe(`http://127.0.0.1:${port}/${MARKER}/clip.mp4`, { timeoutMs: 10_000 }));
    expect(error.code).toBe('MEDIA_UNREACHABLE');
    expect(error.message).toMatch(/could not be reached/);
  });

  it('given an unsupported protocol, rejects with INPUT_INVALID', async () => {
    expect((await caught(probe(`ftp://127.0.0.1/${MARKER}.mp4`))).code).toBe('INPUT_INVALID');
  });

  it('given a server that never answers, probe ends within its timeout with MEDIA_TIMEOUT and no child left', async () => {
    const startedAt = performance.now();
    const error = await caught(probe(hangingUrl, { timeoutMs: 1_500 }));
    const elapsed = performance.now() - startedAt;
    expect(error.code).toBe('MEDIA_TIMEOUT');
    expect(elapsed).toBeGreaterThan(1_000);
    expect(elapsed).toBeLessThan(1_500 + 2_500); // timeout + SIGKILL grace at most
    expect(liveChildPids()).toEqual([]);
    expect(markedProcesses()).toBe('');
  });

  it('given a live pull without an overall timeout, a stalled stream still ends with MEDIA_TIMEOUT (network timeout)', async () => {
    const info = await probe(clip);
    const startedAt = performance.now();
    const error = await caught(drain(frames(hangingUrl, { info, timeoutMs: Infinity, networkTimeoutMs: 1_000 })));
    expect(error.code).toBe('MEDIA_TIMEOUT');
    expect(error.message).toMatch(/Cannot read frames from http:\/\/127\.0\.0\.1:\d+\/.*: no frame for 1000 ms \(the network timeout\)/);
    // Bounded by the network timeout, not by the (infinite) call limit; generous for a loaded machine.
    expect(performance.now() - startedAt).toBeLessThan(20_000);
    expect(liveChildPids()).toEqual([]);
  });

  it('given a server that never answers, frames (probe skipped) ends with MEDIA_TIMEOUT and its pid is gone', async () => {
    const info = await probe(clip);
    const iterator = frames(hangingUrl, { info, timeoutMs: 1_200, networkTimeoutMs: 60_000 });
    const pending = caught(drain(iterator));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const pids = liveChildPids();
    expect(pids).toHaveLength(1);
    expect(markedProcesses()).toContain(MARKER); // the orphan check below can see our children
    expect((await pending).code).toBe('MEDIA_TIMEOUT');
    expect(isProcessAlive(pids[0]!)).toBe(false);
  });
});
