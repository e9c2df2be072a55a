import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.js';
import { parseFfmpegBanner } from '../../core/media/ffmpeg-banner.js';
import { parseFfprobeJson } from '../../core/media/ffprobe-json.js';
import { outputSize, planFrames } from '../../core/media/frames.js';
import { configureMedia, mediaBinaries, mediaSettings } from '../../core/media/index.js';
import { exactLength, expectedSamples } from '../../core/media/audio.js';

// What ffmpeg 5.1 prints for a portrait phone clip stored landscape with a rotation matrix.
const PHONE_BANNER = `Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'file:/tmp/phone.mp4':
  Metadata:
    major_brand     : isom
    title           : Beach
  Duration: 00:00:12.50, start: 0.000000, bitrate: 8123 kb/s
  Stream #0:0[0x1](und): Video: h264 (High) (avc1 / 0x31637661), yuv420p(tv, bt709, progressive), 1920x1080 [SAR 1:1 DAR 16:9], 8000 kb/s, 29.97 fps, 29.97 tbr, 90k tbn (default)
    Metadata:
      handler_name    : VideoHandle
    Side data:
      displaymatrix: rotation of -90.00 degrees
  Stream #0:1[0x2](und): Audio: aac (LC) (mp4a / 0x6134706D), 48000 Hz, stereo, fltp, 128 kb/s (default)
At least one output file must be specified
`;

const PHONE_JSON = JSON.stringify({
  streams: [
    {
      index: 0,
      codec_type: 'video',
      codec_name: 'h264',
      width: 1920,
      height: 1080,
      avg_frame_rate: '30000/1001',
      duration: '12.500000',
      side_data_list: [{ side_data_type: 'Display Matrix', rotation: -90 }],
    },
    { index: 1, codec_type: 'audio', codec_name: 'aac', sample_rate: '48000', channels: 2, tags: { language: 'und' } },
  ],
  format: { format_name: 'mov,mp4,m4a,3gp,3g2,mj2', duration: '12.500000', size: '12700000', tags: { TITLE: 'Beach' } },
});

describe('frame geometry', () => {
  it.each([
    [320, 240, undefined, 224, [298, 224]],
    [1920, 1080, undefined, 224, [398, 224]],
    [1080, 1920, undefined, 224, [224, 398]],
    [1920, 1080, -90, 224, [224, 398]],
    [1920, 1080, 180, 224, [398, 224]],
    [640, 640, undefined, 224, [224, 224]],
    [1920, 1080, 90, undefined, [1080, 1920]],
  ] as const)('a %ix%i picture rotated %s at size %s gives %j', (width, height, rotation, size, expected) => {
    const out = outputSize(width, height, rotation, size);
    expect([out.width, out.height]).toEqual(expected);
  });
});

describe('parsing what ffprobe and ffmpeg say', () => {
  it('reads rotation, rates and tags from ffprobe JSON and from an ffmpeg 5.1 banner alike', () => {
    const fromJson = parseFfprobeJson(PHONE_JSON);
    const fromBanner = parseFfmpegBanner(PHONE_BANNER)!;
    for (const info of [fromJson, fromBanner]) {
      expect(info).toMatchObject({ duration: 12.5, hasVideo: true, hasAudio: true, tags: { title: 'Beach' } });
      expect(info.streams[0]).toMatchObject({ type: 'video', codec: 'h264', width: 1920, height: 1080, rotation: -90 });
      expect(info.streams[0]!.fps).toBeCloseTo(29.97, 2);
      expect(info.streams[1]).toMatchObject({ type: 'audio', codec: 'aac', sampleRate: 48_000, channels: 2 });
    }
  });

  it('plans portrait frames for a rotated phone clip and spreads them evenly', () => {
    const plan = planFrames(parseFfprobeJson(PHONE_JSON), { size: 224, fps: 4, maxFrames: 10, sampling: 'even' });
    expect([plan.width, plan.height, plan.count]).toEqual([224, 398, 10]);
    expect(plan.rate.den / plan.rate.num).toBeCloseTo(1.25, 6); // 12.5 s / 10 frames
  });

  it('has no description when ffmpeg could not open the input', () => {
    expect(parseFfmpegBanner('/tmp/x.mp4: Invalid data found when processing input\n')).toBeUndefined();
  });
});

describe('exact audio length', () => {
  it('trims or pads within 0.1 s of codec slack, and never invents longer audio', () => {
    expect(exactLength(new Float32Array(480_100), 480_000, 48_000)).toHaveLength(480_000);
    expect(exactLength(new Float32Array(479_000), 480_000, 48_000)).toHaveLength(480_000);
    expect(exactLength(new Float32Array(400_000), 480_000, 48_000)).toHaveLength(400_000);
    const info = parseFfprobeJson(PHONE_JSON);
    expect(expectedSamples(info, 10, 10, 48_000)).toBe(120_000);
    expect(expectedSamples(info, 0, undefined, 16_000)).toBe(200_000);
  });
});

describe('configuration', () => {
  it('applies config media settings, and FFMPEG_PATH pointing nowhere fails with a clear error', async () => {
    try {
      configureMedia(loadConfig({ env: { FFMPEG_PATH: '/nonexistent/bin/ffmpeg', CUECAST_MEDIA_TIMEOUT_MS: '5000' } }).media);
      expect(mediaSettings().timeoutMs).toBe(5_000);
      const error = await mediaBinaries().then(
        () => undefined,
        (e: unknown) => e as Error & { code: string },
      );
      expect(error?.code).toBe('FFMPEG_MISSING');
      expect(error?.message).toContain('FFMPEG_PATH is set to "/nonexistent/bin/ffmpeg", which does not run');
    } finally {
      configureMedia(loadConfig({ env: {} }).media);
    }
    expect((await mediaBinaries()).ffmpeg.version).toMatch(/^ffmpeg version/);
  });
});
