import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { checkClipContent, checkDeclaredClip, SNIFF_BYTES, sniffVideoContainer } from '../../core/media/clip-rules.js';
import { makeAudio, makeImage, makeVideo, pseudoRandomBytes } from '../support/media.js';

const head = async (path: string) => new Uint8Array(await readFile(path)).subarray(0, SNIFF_BYTES);
const rejection = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return error as { code: string; message: string };
  }
  throw new Error('expected a refusal');
};

describe('clip rules shared by the bot and the studio', () => {
  it('recognises the containers ffmpeg writes for video', async () => {
    expect(sniffVideoContainer(await head(await makeVideo({ container: 'mp4', seconds: 1, width: 32, height: 32 })))).toBe('mp4');
    expect(sniffVideoContainer(await head(await makeVideo({ container: 'mov', seconds: 1, width: 32, height: 32 })))).toBe('mp4');
    expect(sniffVideoContainer(await head(await makeVideo({ container: 'webm', seconds: 1, width: 32, height: 32 })))).toBe('matroska');
    expect(sniffVideoContainer(await head(await makeVideo({ container: 'mkv', seconds: 1, width: 32, height: 32 })))).toBe('matroska');
    expect(sniffVideoContainer(await head(await makeVideo({ container: 'gif', seconds: 1, width: 32, height: 32 })))).toBe('gif');
  });

  it('names what a file that is not a video is', async () => {
    expect(rejection(() => checkClipContent(new Uint8Array(0), 'a.mp4'))).toMatchObject({ code: 'MEDIA_EMPTY' });
    expect(rejection(() => checkClipContent(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10]), 'a.mp4'))).toMatchObject({
      code: 'MEDIA_NO_VIDEO',
      message: 'a.mp4 is not a video: its content is a PNG image',
    });
    const png = await head(await makeImage());
    expect(rejection(() => checkClipContent(png, 'x.mov')).message).toBe('x.mov is not a video: its content is a PNG image');
    const wav = await head(await makeAudio('wav', 1));
    expect(rejection(() => checkClipContent(wav, 'x.mp4')).message).toBe('x.mp4 is not a video: its content is WAV audio');
    expect(rejection(() => checkClipContent(new TextEncoder().encode('%PDF-1.7\n'), 'x.mp4')).message).toBe('x.mp4 is not a video: its content is a PDF document');
    expect(rejection(() => checkClipContent(new TextEncoder().encode('hello there'), 'x.mp4')).message).toBe('x.mp4 is not a video: its content is text');
    expect(rejection(() => checkClipContent(pseudoRandomBytes(600), 'x.mp4')).message).toBe('x.mp4 is not a video: its content is in no video format cuecast knows');
  });

  it('refuses what a clip declares before any byte: no clip, not video, too large', () => {
    expect(rejection(() => checkDeclaredClip(undefined, 10))).toMatchObject({ code: 'INPUT_INVALID' });
    expect(rejection(() => checkDeclaredClip({ name: 'a.png', size: 1, contentType: 'image/png' }, 10))).toMatchObject({ code: 'MEDIA_NO_VIDEO', message: 'a.png is not a video (image/png)' });
    expect(rejection(() => checkDeclaredClip({ name: 'notes.txt', size: 1 }, 10))).toMatchObject({ code: 'MEDIA_NO_VIDEO' });
    expect(rejection(() => checkDeclaredClip({ name: 'a.mp4', size: 11, contentType: 'video/mp4' }, 10))).toMatchObject({
      code: 'MEDIA_TOO_LARGE',
      message: 'a.mp4 is 11 bytes, over the 10 byte limit',
    });
    expect(checkDeclaredClip({ name: 'clip.webm', size: 10 }, 10).name).toBe('clip.webm');
  });
});
