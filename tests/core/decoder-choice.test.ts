import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binaryVersion, chooseDecoder, findBinaries, versionNumber } from '../../core/media/binaries.js';
import { probe } from '../../core/media/index.js';
import { stringContaining } from '../support/matchers.js';

const require = createRequire(import.meta.url);
const installerFfmpeg = (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
const installerFfprobe = (require('@ffprobe-installer/ffprobe') as { path: string }).path;
const systemProbe = spawnSync('ffmpeg', ['-version']); // no ffmpeg on PATH: an error, and no stdout
const systemFfmpeg = systemProbe.error ? '' : (systemProbe.stdout.toString().split('\n')[0] ?? '');
const systemIsCurrent = (versionNumber(systemFfmpeg)?.[0] ?? 0) >= 5;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cuecast-decoder-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the decoder for untrusted input is a current one', () => {
  it('reads release numbers and treats git snapshots of unknown age as oldest', () => {
    expect(versionNumber('ffmpeg version 5.1.9-0+deb12u1 Copyright')).toEqual([5, 1, 9]);
    expect(versionNumber('ffmpeg version 6.0-static https://johnvansickle.com')).toEqual([6, 0, 0]);
    expect(versionNumber('ffmpeg version n7.1 Copyright')).toEqual([7, 1, 0]);
    expect(versionNumber('ffmpeg version N-47683-g0e8eb07980-static')).toBeUndefined();
  });

  it('chooses the newest release >= 5 and the 2018 bundle only when nothing else runs, flagged outdated', () => {
    const bundle = { path: '/b/ffmpeg', source: '@ffmpeg-installer' as const, version: 'ffmpeg version N-47683-g0e8eb07980-static' };
    const system = { path: 'ffmpeg', source: 'PATH' as const, version: 'ffmpeg version 5.1.9-0+deb12u1' };
    const fromStatic = { path: '/s/ffmpeg', source: 'ffmpeg-static' as const, version: 'ffmpeg version 6.0-static' };
    const old = { path: '/o/ffmpeg', source: 'PATH' as const, version: 'ffmpeg version 4.3.1' };
    expect(chooseDecoder([bundle, system])).toMatchObject({ source: 'PATH' });
    expect(chooseDecoder([bundle, system, fromStatic])).toMatchObject({ source: 'ffmpeg-static' });
    expect(chooseDecoder([bundle])).toMatchObject({ source: '@ffmpeg-installer', outdated: true });
    expect(chooseDecoder([old, bundle])).toMatchObject({ source: 'PATH', outdated: true });
    expect(chooseDecoder([])).toBeUndefined();
  });

  it.skipIf(!systemIsCurrent)('on a default install with Debian ffmpeg >= 5 installed, the system ffmpeg and ffprobe decode, not the bundle', async () => {
    const binaries = await findBinaries();
    expect(binaries.ffmpeg.source).toBe('PATH');
    expect(binaries.ffprobe?.source).toBe('PATH');
  });

  it.skipIf(!existsSync(installerFfprobe))('a decoder that crashes (the bundled ffprobe on MPEG-TS) is MEDIA_DECODER_CRASHED with its signal', async () => {
    const ts = join(dir, 'clip.ts');
    const made = spawnSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'color=c=red:s=64x48:r=5:d=1', '-c:v', 'libx264', '-f', 'mpegts', '-y', ts]);
    expect(made.status).toBe(0);
    const crashed = spawnSync(installerFfprobe, ['-v', 'error', '-show_format', ts]);
    if (crashed.signal !== 'SIGSEGV') return; // the bundle does not crash here: nothing to check
    const ffmpeg = { path: installerFfmpeg, source: '@ffmpeg-installer' as const, version: (await binaryVersion(installerFfmpeg))! };
    const ffprobe = { path: installerFfprobe, source: '@ffprobe-installer' as const, version: (await binaryVersion(installerFfprobe))! };
    await expect(probe(ts, { binaries: { ffmpeg, ffprobe } })).rejects.toMatchObject({ code: 'MEDIA_DECODER_CRASHED', message: stringContaining('SIGSEGV'), details: { signal: 'SIGSEGV' } });
  });
});
