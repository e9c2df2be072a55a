import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { findBinaries, frames, mediaBinaries, probe } from '../../core/media/index.js';
import { failureFromExit } from '../../core/media/failure.js';
import { liveChildPids, runChild, startChild, TailBuffer } from '../../core/media/process.js';
import { isProcessAlive } from '../../core/pid.js';
import { makeVideo } from '../support/media.js';

let clip: string;

beforeAll(async () => {
  clip = await makeVideo({ container: 'mp4' });
});

describe('child process runner', () => {
  it('escalates to SIGKILL when a child ignores SIGTERM, and settles on close', async () => {
    const startedAt = performance.now();
    const { exit } = await runChild({ command: 'sh', args: ['-c', 'trap "" TERM; exec sleep 30'], timeoutMs: 200, killGraceMs: 300, maxStdoutBytes: 1024 });
    expect(exit).toMatchObject({ stopped: 'timeout', signal: 'SIGKILL' });
    expect(performance.now() - startedAt).toBeLessThan(3_000);
    expect(liveChildPids()).toEqual([]);
  });

  it('stops a child when its signal aborts, even one aborted before start', async () => {
    const controller = new AbortController();
    const child = startChild({ command: 'sleep', args: ['30'], timeoutMs: 10_000, signal: controller.signal });
    controller.abort();
    expect(await child.exit).toMatchObject({ stopped: 'aborted', signal: 'SIGTERM' });
    const early = startChild({ command: 'sleep', args: ['30'], timeoutMs: 10_000, signal: AbortSignal.abort() });
    expect((await early.exit).stopped).toBe('aborted');
    expect(isProcessAlive(child.pid!)).toBe(false);
  });

  it('stops a child whose output passes the cap, with MEDIA_TOO_LARGE', async () => {
    await expect(runChild({ command: 'yes', args: [], timeoutMs: 10_000, maxStdoutBytes: 64 * 1024 })).rejects.toMatchObject({ code: 'MEDIA_TOO_LARGE' });
    expect(liveChildPids()).toEqual([]);
  });

  it('collects a side output on fd 3 apart from stdout, under its own cap', async () => {
    const { stdout, side, exit } = await runChild({ command: 'sh', args: ['-c', 'echo out; echo side >&3; echo more >&3'], timeoutMs: 10_000, maxStdoutBytes: 1024, maxSideBytes: 1024 });
    expect(exit.code).toBe(0);
    expect(stdout.toString()).toBe('out\n');
    expect(side?.toString()).toBe('side\nmore\n');
    const plain = await runChild({ command: 'sh', args: ['-c', 'echo out'], timeoutMs: 10_000, maxStdoutBytes: 1024 });
    expect(plain.side).toBeUndefined();
    await expect(runChild({ command: 'sh', args: ['-c', 'exec yes >&3'], timeoutMs: 10_000, maxStdoutBytes: 1024, maxSideBytes: 64 * 1024 })).rejects.toMatchObject({
      code: 'MEDIA_TOO_LARGE',
      details: { maxBytes: 64 * 1024 },
    });
    expect(liveChildPids()).toEqual([]);
  });

  it('keeps only the tail of stderr', async () => {
    const { exit } = await runChild({ command: 'sh', args: ['-c', 'for i in $(seq 1 5000); do echo "line $i" >&2; done; exit 3'], timeoutMs: 10_000, stderrBytes: 200, maxStdoutBytes: 1024 });
    expect(exit.code).toBe(3);
    expect(exit.stderr.length).toBeLessThanOrEqual(200);
    expect(exit.stderr).toContain('line 5000');
    const tail = new TailBuffer(5);
    tail.push('abcdefgh');
    expect(tail.toString()).toBe('defgh');
  });

  it('reports a command that cannot start as a failed exit, not a crash', async () => {
    const { exit } = await runChild({ command: '/nonexistent/ffmpeg', args: [], timeoutMs: 1_000, maxStdoutBytes: 1024 });
    expect(exit.code).toBe(-1);
    expect(exit.stderr).toMatch(/ENOENT/);
  });
});

describe('ffmpeg errors', () => {
  it.each([
    ['pipe:0: Invalid data found when processing input', 'MEDIA_UNREADABLE'],
    ['[mov,mp4] moov atom not found', 'MEDIA_UNREADABLE'],
    ['Connection to tcp://127.0.0.1:9 failed: Connection refused', 'MEDIA_UNREACHABLE'],
    ['Failed to resolve hostname nowhere.invalid: Name or service not known', 'MEDIA_UNREACHABLE'],
    ['HTTP error 503 Service Unavailable\nServer returned 5XX Server Error reply', 'MEDIA_UNREACHABLE'],
    ['HTTP error 404 Not Found\nServer returned 404 Not Found', 'MEDIA_NOT_FOUND'],
    ['/x.mp4: No such file or directory', 'MEDIA_NOT_FOUND'],
    ['tcp://10.0.0.1:80: Connection timed out', 'MEDIA_TIMEOUT'],
    ['Unknown encoder libmp3lame', 'FFMPEG_MISSING'],
    ['something nobody expected', 'MEDIA_UNREADABLE'],
  ] as const)('maps "%s" to %s', (stderr, code) => {
    const error = failureFromExit({ code: 1, signal: null, stderr }, { operation: 'probe', label: 'clip.mp4' });
    expect(error.code).toBe(code);
    expect(error.message).toContain('clip.mp4');
  });

  it('names the timeout and the abort as such, whatever stderr says', () => {
    const timeout = failureFromExit({ code: null, signal: 'SIGTERM', stderr: 'Invalid data found', stopped: 'timeout' }, { operation: 'frames', label: 'a', timeoutMs: 500 });
    expect(timeout.code).toBe('MEDIA_TIMEOUT');
    expect(timeout.message).toMatch(/500 ms/);
    expect(failureFromExit({ code: null, signal: 'SIGTERM', stderr: '', stopped: 'aborted' }, { operation: 'frames', label: 'a' }).code).toBe('MEDIA_ABORTED');
  });
});

describe('frames lifecycle', () => {
  it('stops ffmpeg when the consumer breaks early, and the pid is gone', async () => {
    let pid: number | undefined;
    let seen = 0;
    for await (const _ of frames(clip, { fps: 25, maxFrames: 250 })) {
      pid ??= liveChildPids()[0];
      seen += 1;
      if (seen === 2) break;
    }
    expect(seen).toBe(2);
    expect(pid).toBeDefined();
    expect(isProcessAlive(pid!)).toBe(false);
    expect(liveChildPids()).toEqual([]);
  });

  it('given an abort mid-stream, rejects with MEDIA_ABORTED and reaps ffmpeg', async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    const run = (async () => {
      for await (const frame of frames(clip, { fps: 25, maxFrames: 250, signal: controller.signal })) {
        seen.push(frame.time);
        if (seen.length === 3) controller.abort();
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    await expect(run).rejects.toMatchObject({ code: 'MEDIA_ABORTED' });
    expect(seen.length).toBeLessThan(250);
    expect(liveChildPids()).toEqual([]);
  });

  it('given an already aborted signal, rejects with MEDIA_ABORTED without decoding', async () => {
    await expect(probe(clip, { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'MEDIA_ABORTED' });
  });
});

describe('binary resolution', () => {
  it('resolves a runnable ffmpeg and ffprobe, never the 2018 bundle while a current release runs', async () => {
    const binaries = await findBinaries();
    expect(binaries.ffmpeg.version).toMatch(/^ffmpeg version/);
    expect(binaries.ffprobe?.version).toMatch(/^ffprobe version/);
    const installer = createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path: string };
    if (existsSync(installer.path) && binaries.ffmpeg.outdated !== true) expect(binaries.ffmpeg.source).not.toBe('@ffmpeg-installer');
  });

  it('uses FFMPEG_PATH / FFPROBE_PATH overrides as given', async () => {
    const binaries = await findBinaries({ ffmpegPath: 'ffmpeg', ffprobePath: 'ffprobe' });
    expect(binaries.ffmpeg).toMatchObject({ path: 'ffmpeg', source: 'override' });
    expect(binaries.ffprobe).toMatchObject({ path: 'ffprobe', source: 'override' });
  });

  it('given FFMPEG_PATH pointing nowhere, fails with FFMPEG_MISSING naming the variable and how to install', async () => {
    const error = await findBinaries({ ffmpegPath: '/nonexistent/ffmpeg' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'FFMPEG_MISSING' });
    expect((error as Error).message).toMatch(/FFMPEG_PATH is set to "\/nonexistent\/ffmpeg"/);
    expect((error as Error).message).toMatch(/apt-get install ffmpeg/);
  });

  it('given FFPROBE_PATH pointing at something that is not ffprobe, fails with FFMPEG_MISSING', async () => {
    await expect(findBinaries({ ffprobePath: '/etc/passwd' })).rejects.toMatchObject({ code: 'FFMPEG_MISSING' });
  });

  it('resolves once per process', async () => {
    expect(await mediaBinaries()).toBe(await mediaBinaries());
  });
});
