import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { FrameWindow } from '../../stream-server/frame-window.js';
import { checkImage, sniffFormat } from '../../stream-server/image-check.js';
import { parseIngestUrl } from '../../stream-server/ingest.js';
import { TokenBucket } from '../../stream-server/rate-limiter.js';
import { TokenTable } from '../../stream-server/tokens.js';
import { parseRange } from '../../stream-server/file-response.js';

const LIMITS = { maxBytes: 1024 * 1024, maxPixels: 4096 * 4096 };
const image = (width: number, height: number, channels: 3 | 4 = 3) => sharp({ create: { width, height, channels, background: { r: 10, g: 200, b: 30, alpha: 0.5 } } });

describe('checkImage: magic bytes, size and declared dimensions before decoding', () => {
  it('reads the dimensions of JPEG (baseline and progressive), PNG and the three WebP flavours', async () => {
    expect(checkImage(await image(321, 123).jpeg().toBuffer(), LIMITS)).toEqual({ format: 'jpeg', width: 321, height: 123 });
    expect(checkImage(await image(64, 48).jpeg({ progressive: true }).toBuffer(), LIMITS)).toEqual({ format: 'jpeg', width: 64, height: 48 });
    expect(checkImage(await image(17, 9).png().toBuffer(), LIMITS)).toEqual({ format: 'png', width: 17, height: 9 });
    expect(checkImage(await image(50, 30).webp().toBuffer(), LIMITS)).toEqual({ format: 'webp', width: 50, height: 30 });
    expect(checkImage(await image(51, 31).webp({ lossless: true }).toBuffer(), LIMITS)).toEqual({ format: 'webp', width: 51, height: 31 });
    expect(checkImage(await image(52, 32, 4).webp({ alphaQuality: 50 }).toBuffer(), LIMITS)).toEqual({ format: 'webp', width: 52, height: 32 });
  });

  it('given GIF, text or empty bytes, throws INPUT_INVALID', async () => {
    const gif = await image(4, 4).gif().toBuffer();
    expect(() => checkImage(gif, LIMITS)).toThrow(expect.objectContaining({ code: 'INPUT_INVALID' }));
    expect(() => checkImage(Buffer.from('hello'), LIMITS)).toThrow(expect.objectContaining({ code: 'INPUT_INVALID' }));
    expect(() => checkImage(new Uint8Array(0), LIMITS)).toThrow(expect.objectContaining({ code: 'INPUT_INVALID', message: 'The frame is empty' }));
    expect(sniffFormat(Buffer.from('RIFF\0\0\0\0WAVE'))).toBeUndefined();
  });

  it('given a JPEG cut before its frame header, throws MEDIA_UNREADABLE; given too many pixels, MEDIA_TOO_LARGE', async () => {
    const jpeg = await image(64, 48).jpeg().toBuffer();
    expect(() => checkImage(jpeg.subarray(0, 20), LIMITS)).toThrow(expect.objectContaining({ code: 'MEDIA_UNREADABLE' }));
    expect(() => checkImage(jpeg, { maxBytes: 1e6, maxPixels: 64 * 47 })).toThrow(expect.objectContaining({ code: 'MEDIA_TOO_LARGE' }));
    expect(() => checkImage(jpeg, { maxBytes: 100, maxPixels: 1e9 })).toThrow(expect.objectContaining({ code: 'MEDIA_TOO_LARGE' }));
  });
});

describe('FrameWindow', () => {
  const frame = (capturedAt: number) => ({ embedding: new Float32Array([capturedAt]), capturedAt, receivedAt: capturedAt });

  it('keeps only the last windowSeconds of frames, oldest first', () => {
    const window = new FrameWindow(3000, 100);
    for (let t = 0; t <= 10_000; t += 1000) window.push(frame(t));
    expect(window.frames().map((f) => f.capturedAt)).toEqual([7000, 8000, 9000, 10_000]);
  });

  it('never holds more than maxFrames, however fast frames come', () => {
    const window = new FrameWindow(60_000, 5);
    for (let t = 0; t < 1000; t += 10) window.push(frame(t));
    expect(window.size).toBe(5);
    expect(window.frames().map((f) => f.capturedAt)).toEqual([950, 960, 970, 980, 990]);
    expect(window.newestCapturedAt).toBe(990);
  });
});

describe('small parts', () => {
  it('TokenBucket allows the burst, then the sustained rate', () => {
    let now = 0;
    const bucket = new TokenBucket(2, 3, () => now);
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
    now = 500;
    expect([bucket.take(), bucket.take()]).toEqual([true, false]);
  });

  it('TokenTable parses streamId:token pairs and reports every bad entry at once', () => {
    const table = TokenTable.parse('a:12345678, b-2:abcdefgh', 'CUECAST_STREAM_TOKENS');
    expect(table.verify('a', '12345678')).toBe(true);
    expect(table.verify('a', 'abcdefgh')).toBe(false);
    expect(table.verify('zzz', '12345678')).toBe(false);
    expect(() => TokenTable.parse('a:short,no-colon,../x:12345678', 'CUECAST_STREAM_TOKENS')).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', issues: [expect.stringContaining('stream "a"'), expect.stringContaining('entry 2'), expect.stringContaining('entry 3')] }),
    );
  });

  it('parseIngestUrl accepts live schemes and refuses the rest', () => {
    for (const url of ['rtmp://live.example/app/key', 'srt://1.2.3.4:9000', 'https://cdn.example/live.m3u8']) expect(parseIngestUrl(url, false).href).toBe(new URL(url).href);
    for (const url of ['file:///etc/passwd', 'concat:a|b', 'javascript:alert(1)', '', 'x'.repeat(3000)]) {
      expect(() => parseIngestUrl(url, false)).toThrow(expect.objectContaining({ code: 'INPUT_INVALID' }));
    }
    expect(parseIngestUrl('file:///tmp/a.mp4', true).protocol).toBe('file:');
  });

  it('parseRange handles start-end, open ends, suffixes and unsatisfiable ranges', () => {
    expect(parseRange(undefined, 100)).toBeUndefined();
    expect(parseRange('bytes=10-19', 100)).toEqual({ start: 10, end: 19 });
    expect(parseRange('bytes=90-', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=50-500', 100)).toEqual({ start: 50, end: 99 });
    expect(parseRange('bytes=-5', 100)).toEqual({ start: 95, end: 99 });
    expect(parseRange('bytes=100-', 100)).toBeNull();
    expect(parseRange('bytes=5-1', 100)).toBeNull();
    expect(parseRange('bytes=0-1,5-6', 100)).toBeNull();
    expect(parseRange('items=0-1', 100)).toBeNull();
  });
});

describe('ingest restart delays', () => {
  it('carry jitter, so many ingests of one dead source do not retry in lockstep, and stay within the back-off bounds', async () => {
    const { backoffDelay } = await import('../../stream-server/ingest.js');
    const delays = Array.from({ length: 200 }, () => backoffDelay(1000));
    expect(new Set(delays.map((d) => Math.round(d))).size).toBeGreaterThan(50);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(500);
    expect(Math.max(...delays)).toBeLessThanOrEqual(1000);
  });
});
