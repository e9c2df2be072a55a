import { mediaInfo } from './ffprobe-json.js';
import type { MediaInfo, StreamInfo } from './types.js';

/**
 * Probing without ffprobe: parses what `ffmpeg -hide_banner -i INPUT` prints about its input, e.g.
 *
 *   Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'file:/tmp/a.mp4':
 *     Metadata:
 *       title           : Demo
 *     Duration: 00:00:10.00, start: 0.000000, bitrate: 412 kb/s
 *     Stream #0:0(und): Video: h264 (High) (avc1 / 0x31637661), yuv420p, 320x240, 25 fps, 25 tbr (default)
 *     Stream #0:1(und): Audio: aac (LC) (mp4a / 0x6134706D), 48000 Hz, mono, fltp, 69 kb/s (default)
 */

const STREAM_LINE = /^Stream #0:(\d+)(?:\[[^\]]*\])?(?:\([^)]*\))?: (Video|Audio|Subtitle|Data|Attachment): ([A-Za-z0-9_]+)(.*)$/;
/**
 * Older ffmpeg builds do not print "(attached pic)": a picture-codec stream without a frame rate
 * beside an audio stream is cover art.
 */
const IMAGE_CODECS = new Set(['png', 'mjpeg', 'bmp', 'webp', 'tiff', 'gif']);
const CHANNEL_LAYOUTS: Readonly<Record<string, number>> = { mono: 1, stereo: 2, '2.1': 3, quad: 4, '4.0': 4, '5.0': 5, '5.1': 6, '6.1': 7, '7.1': 8 };

function seconds(hms: string): number | undefined {
  const match = /^(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(hms);
  if (!match) return undefined;
  const value = Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3]);
  return value > 0 ? value : undefined;
}

function channels(rest: string): number | undefined {
  const counted = /(\d+) channels/.exec(rest);
  if (counted) return Number(counted[1]);
  const layout = rest.split(',').map((part) => part.trim().replace(/\(.*\)$/, ''));
  return layout.map((name) => CHANNEL_LAYOUTS[name]).find((count) => count !== undefined);
}

function stream(match: RegExpExecArray, block: string[], hasAudio: boolean): StreamInfo {
  const [, index, kind, codec, rest = ''] = match;
  const type = kind!.toLowerCase() as StreamInfo['type'];
  const fields: Record<string, unknown> = { index: Number(index), type, codec: codec!.toLowerCase() };
  if (type === 'video') {
    const size = /, (\d+)x(\d+)/.exec(rest);
    if (size) Object.assign(fields, { width: Number(size[1]), height: Number(size[2]) });
    const fps = /, (\d+(?:\.\d+)?k?) fps/.exec(rest) ?? /, (\d+(?:\.\d+)?k?) tbr/.exec(rest);
    if (fps) fields.fps = fps[1]!.endsWith('k') ? Number(fps[1]!.slice(0, -1)) * 1000 : Number(fps[1]);
    if (rest.includes('(attached pic)') || (IMAGE_CODECS.has(codec!.toLowerCase()) && !/ fps/.test(rest) && hasAudio)) fields.attachedPicture = true;
    const rotation = block.map((line) => /rotation of (-?\d+(?:\.\d+)?) degrees/.exec(line) ?? /^rotate\s*:\s*(-?\d+)/.exec(line)).find(Boolean);
    if (rotation && Number(rotation[1]) !== 0) fields.rotation = Number(rotation[1]);
  }
  if (type === 'audio') {
    const hz = /, (\d+) Hz/.exec(rest);
    if (hz) fields.sampleRate = Number(hz[1]);
    const count = channels(rest);
    if (count !== undefined) fields.channels = count;
  }
  return fields as unknown as StreamInfo;
}

function metadataLine(line: string): [string, string] | undefined {
  const match = /^([^:]+?)\s*: (.*)$/.exec(line);
  return match ? [match[1]!.trim().toLowerCase(), match[2]!] : undefined;
}

/** Parses the input section of `ffmpeg -i` stderr; undefined when there is none (ffmpeg failed to open it). */
export function parseFfmpegBanner(stderr: string, sizeBytes?: number): MediaInfo | undefined {
  const lines = stderr.split('\n');
  const start = lines.findIndex((line) => line.startsWith('Input #0, '));
  if (start < 0) return undefined;
  const hasAudio = lines.some((line) => /^\s*Stream #0:\d+.*: Audio: /.test(line));
  const format = /^Input #0, (.*), from '/.exec(lines[start]!)?.[1] ?? 'unknown';
  const tags: Record<string, string> = {};
  const streams: StreamInfo[] = [];
  let duration: number | undefined;
  let section: 'format-metadata' | 'stream' | 'other' = 'other';
  let streamBlock: string[] = [];
  let pending: RegExpExecArray | undefined;
  const flush = (): void => {
    if (pending) streams.push(stream(pending, streamBlock, hasAudio));
    pending = undefined;
    streamBlock = [];
  };
  for (const raw of lines.slice(start + 1)) {
    if (!raw.startsWith(' ')) break; // the input section ends at the first unindented line
    const line = raw.trim();
    const indent = raw.length - raw.trimStart().length;
    const streamMatch = STREAM_LINE.exec(line);
    if (streamMatch) {
      flush();
      pending = streamMatch;
      section = 'stream';
    } else if (line.startsWith('Duration:')) {
      flush();
      duration = seconds(/^Duration: ([^,]+)/.exec(line)?.[1] ?? '');
      section = 'other';
    } else if (line === 'Metadata:' && indent <= 2) {
      section = 'format-metadata';
    } else if (section === 'format-metadata') {
      const entry = metadataLine(line);
      if (entry) tags[entry[0]] = entry[1];
    } else if (section === 'stream') {
      streamBlock.push(line);
    }
  }
  flush();
  return mediaInfo(format, streams, { duration, sizeBytes, tags });
}
