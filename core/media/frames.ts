import { MediaError } from '../errors.js';
import { failureFromExit, judgeDamage, type DecodeDamage } from './failure.js';
import { checkWindow, chooseStream, inputArgs, prepareInput, type PrepareOptions } from './prepare.js';
import { remainingMs } from './probe.js';
import { chooseKeyframeDecode, type DecodeChoice } from './keyframe-decode.js';
import { startChild } from './process.js';
import type { MediaInfo, MediaInput, RgbFrame } from './types.js';

export interface FrameOptions extends PrepareOptions {
  /** Frames per second to sample (default 1). */
  readonly fps?: number;
  /** Most frames to return (default 30); `Infinity` for a live pull that runs until stopped. */
  readonly maxFrames?: number;
  /**
   * Short side of the returned frames in pixels, aspect kept, long side rounded to an even number
   * (e.g. 224 gives 298x224 from 4:3). CLIP's preprocessing then center-crops it to size x size.
   * Unset: the decoded size.
   */
  readonly size?: number;
  /** Seconds from the start of the input (default 0). */
  readonly start?: number;
  /** Length of the window to sample, seconds (default: to the end). */
  readonly duration?: number;
  /**
   * `rate` (default): `fps` from `start` until `maxFrames`. `even`: the same, but when the window
   * holds more than `maxFrames` frames at `fps`, the rate drops so `maxFrames` frames cover it evenly.
   */
  readonly sampling?: 'rate' | 'even';
  /** Read the input at its native rate (`-re`): a live pull of a finite source, in step with the clock. */
  readonly realtime?: boolean;
  /**
   * `auto` (default): decode keyframes only (`-skip_frame nokey`) when the probe's packet listing shows
   * that every sampled slot falls on a keyframe, so the frames are the same as a full decode's at a
   * fraction of the work (keyframe-decode.ts); else every frame. `every-frame`: always a full decode.
   * `keyframes`: keyframes only whatever the layout (each slot then shows the last keyframe at or before
   * its time: other frames than a full decode's where keyframes are sparse; for measuring).
   */
  readonly decode?: 'auto' | 'every-frame' | 'keyframes';
  /** Told which decode `auto` chose, and why. */
  readonly onDecodeChoice?: ((choice: DecodeChoice) => void) | undefined;
  /** Told when ffmpeg skipped damaged data but at least 90% of the planned frames decoded (else MEDIA_UNREADABLE). */
  readonly onDamage?: ((damage: DecodeDamage) => void) | undefined;
}

/** What to ask ffmpeg for, decided before it starts. */
export interface FramePlan {
  readonly width: number;
  readonly height: number;
  /** Output rate as `num/den` for ffmpeg and as a number for frame times. */
  readonly rate: { readonly num: number; readonly den: number };
  readonly count: number;
  readonly start: number;
  readonly duration?: number;
}

function positiveOption(name: string, value: number): number {
  if (!(value > 0 && Number.isFinite(value))) throw new MediaError('INPUT_INVALID', `${name} must be a finite number > 0, got ${value}`);
  return value;
}

/** Frame size: short side `size`, aspect kept, long side even; rotation (90/270) swaps the sides. */
export function outputSize(width: number, height: number, rotation: number | undefined, size: number | undefined): { width: number; height: number } {
  const turned = rotation !== undefined && Math.abs(Math.round(rotation / 90)) % 2 === 1;
  const [w, h] = turned ? [height, width] : [width, height];
  if (size === undefined) return { width: w, height: h };
  const long = (side: number, other: number): number => Math.max(2, Math.round((size * side) / other / 2) * 2);
  return w >= h ? { width: long(w, h), height: size } : { width: size, height: long(h, w) };
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

function reduced(num: number, den: number): { num: number; den: number } {
  const divisor = gcd(num, den);
  return { num: num / divisor, den: den / divisor };
}

/** A rate as a rational for ffmpeg's fps filter (micro-frame precision). */
function rational(fps: number): { num: number; den: number } {
  return reduced(Math.max(1, Math.round(fps * 1_000_000)), 1_000_000);
}

export function planFrames(info: MediaInfo, options: FrameOptions): FramePlan {
  const stream = chooseStream(info, 'video');
  if (!stream.width || !stream.height) throw new MediaError('MEDIA_UNREADABLE', 'The video stream has no known frame size');
  const size = options.size === undefined ? undefined : Math.round(positiveOption('size', options.size));
  const { width, height } = outputSize(stream.width, stream.height, stream.rotation, size);
  const fps = positiveOption('fps', options.fps ?? 1);
  const maxFrames = options.maxFrames === Infinity ? Infinity : Math.floor(positiveOption('maxFrames', options.maxFrames ?? 30));
  const start = options.start ?? 0;
  if (info.still) return { width, height, rate: rational(fps), count: 1, start: 0 };
  // The video stream's own length when known: a longer audio track must not add frames past the picture.
  const length = stream.duration ?? info.duration;
  const window = options.duration ?? (length !== undefined ? length - start : undefined);
  const spread = options.sampling === 'even' && window !== undefined && Number.isFinite(maxFrames) && maxFrames / window < fps;
  // Spread: maxFrames per window, exact to the millisecond, so frame i sits at i * window / maxFrames.
  const rate = spread ? reduced(maxFrames * 1000, Math.max(1, Math.round(window * 1000))) : rational(fps);
  // Containers round their lengths (webm to the ms, audio tracks run longer): a slot in the last half
  // source frame of the window would only repeat the final frame, so it is not counted.
  const slack = stream.fps && stream.fps < 1000 ? 0.5 / stream.fps : 0;
  const inWindow = window === undefined ? maxFrames : Math.max(1, Math.ceil(((window - slack) * rate.num) / rate.den - 1e-6));
  return { width, height, rate, count: Math.min(maxFrames, inWindow), start, ...(options.duration !== undefined ? { duration: options.duration } : {}) };
}

/**
 * `round=up` gives output slot k the last frame shown at or before k / fps, so a frame's `time` is
 * when it was on screen; `start_time=0` fills slot 0 when an accurate seek dropped the frame on
 * screen at `start` (it then shows the next one). Bicubic, as CLIP's preprocessing resizes.
 */
function filterGraph(plan: FramePlan, still: boolean): string {
  const scale = `scale=${plan.width}:${plan.height}:flags=bicubic,setsar=1`;
  return still ? scale : `fps=fps=${plan.rate.num}/${plan.rate.den}:round=up:start_time=0,${scale}`;
}

/** The decode `options.decode` asks for, given the plan and the probe's packet listing. */
function decodeChoice(info: MediaInfo, streamIndex: number, plan: FramePlan, options: FrameOptions): DecodeChoice {
  const mode = options.decode ?? 'auto';
  if (mode === 'every-frame') return { keyframesOnly: false, reason: 'asked for every frame' };
  if (mode === 'keyframes') return { keyframesOnly: true, reason: 'asked for keyframes only' };
  if (info.still) return { keyframesOnly: false, reason: 'a still image' };
  return chooseKeyframeDecode(info.packets, streamIndex, plan);
}

/** Only a decode that may use keyframes alone needs the packet listing (it reads the packets, not just the header). */
function wantsPacketListing(options: FrameOptions): boolean {
  return (options.decode ?? 'auto') === 'auto' && !options.realtime && (options.start ?? 0) === 0 && options.info === undefined && options.maxFrames !== Infinity;
}

/**
 * Decoded RGB24 frames, sampled at `fps` (or evenly, see `sampling`), read from ffmpeg's raw pipe.
 * A still image gives one frame. Breaking out of the loop stops ffmpeg and waits for it to exit. A
 * truncated input yields the frames before the cut, then throws `MEDIA_UNREADABLE`.
 */
export async function* frames(input: MediaInput, options: FrameOptions = {}): AsyncGenerator<RgbFrame, void, undefined> {
  const prepared = await prepareInput(input, { ...options, listPackets: wantsPacketListing(options) }, 'video');
  const { info, limits, binaries } = prepared;
  const label = prepared.input.label;
  try {
    checkWindow(info, label, options.start ?? 0, options.duration);
    const plan = planFrames(info, options);
    const stream = chooseStream(info, 'video');
    const choice = decodeChoice(info, stream.index, plan, options);
    options.onDecodeChoice?.(choice);
    const args = [
      ...(options.realtime ? ['-re'] : []),
      ...inputArgs(prepared.input, plan.start, plan.duration, choice.keyframesOnly ? ['-skip_frame', 'nokey'] : []),
      ...['-map', `0:${stream.index}`, '-an', '-sn', '-dn', '-vf', filterGraph(plan, info.still === true)],
      ...(Number.isFinite(plan.count) ? ['-frames:v', String(plan.count)] : []),
      ...['-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'],
    ];
    const child = startChild({ command: binaries.ffmpeg.path, args, timeoutMs: remainingMs(limits), signal: limits.signal });
    let yielded = 0;
    // A network input that gives no frame for the network timeout is dead (-rw_timeout misses HLS
    // segments). The clock runs only while waiting for ffmpeg, not while the consumer holds a frame.
    const idleMs = limits.networkTimeoutMs + (options.realtime ? (1000 * plan.rate.den) / plan.rate.num : 0);
    let idle: NodeJS.Timeout | undefined;
    let idleStopped = false as boolean; // set by the idle timer, which narrowing does not see
    const arm = (): void => {
      if (prepared.input.kind !== 'url') return;
      idle = setTimeout(() => {
        idleStopped = true;
        child.stop('timeout');
      }, idleMs);
      idle.unref();
    };
    arm();
    try {
      for await (const data of rawFrames(child.stdout, plan.width * plan.height * 3)) {
        clearTimeout(idle);
        yield { width: plan.width, height: plan.height, data, time: plan.start + (yielded * plan.rate.den) / plan.rate.num };
        yielded += 1;
        arm();
      }
      clearTimeout(idle);
      const exit = await child.exit;
      if (idleStopped) {
        throw new MediaError('MEDIA_TIMEOUT', `Cannot read frames from ${label}: no frame for ${Math.round(idleMs)} ms (the network timeout)`, {
          input: label,
          operation: 'frames',
          networkTimeoutMs: limits.networkTimeoutMs,
        });
      }
      if (exit.stopped || exit.code !== 0) throw failureFromExit(exit, { operation: 'frames', label, timeoutMs: limits.timeoutMs });
      if (yielded === 0) throw new MediaError('MEDIA_UNREADABLE', `No frame of ${label} could be decoded`, { input: label });
      // After the frames that did decode: fewer than 90% of the planned frames is a truncated input.
      const secondsPerFrame = plan.rate.den / plan.rate.num;
      const expectedSeconds = Number.isFinite(plan.count) ? plan.count * secondsPerFrame : undefined;
      const damage = judgeDamage(exit, { operation: 'frames', label }, { decodedSeconds: yielded * secondsPerFrame, expectedSeconds });
      if (damage) options.onDamage?.(damage);
    } finally {
      clearTimeout(idle);
      child.stop('cancelled');
      child.stdout.destroy();
      await child.exit;
    }
  } finally {
    await prepared.input.close();
  }
}

/** Cuts a byte stream into frames of exactly `frameBytes` (a partial tail is dropped). */
export async function* rawFrames(stream: AsyncIterable<Buffer>, frameBytes: number): AsyncGenerator<Uint8Array, void, undefined> {
  let frame = new Uint8Array(frameBytes);
  let filled = 0;
  for await (const chunk of stream) {
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(frameBytes - filled, chunk.length - offset);
      frame.set(chunk.subarray(offset, offset + take), filled);
      filled += take;
      offset += take;
      if (filled === frameBytes) {
        yield frame;
        frame = new Uint8Array(frameBytes);
        filled = 0;
      }
    }
  }
}
