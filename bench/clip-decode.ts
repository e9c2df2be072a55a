/**
 * Clip decoding strategies for the clip-to-picks path, measured on the same clip and frame
 * specification: a full decode, frames()'s default `auto` (keyframes only when every slot falls on one,
 * else a full decode), keyframes only (`-skip_frame nokey`) and one seek per sampled frame (`-ss` before the input, one ffmpeg per frame). A strategy is only a
 * candidate when it gives the same frames as the full decode (byte-identical RGB at the same times).
 */
import { frames, type FrameOptions } from '../core/media/index.js';
import type { RgbFrame } from '../core/media/types.js';
import type { FrameSpec } from '../features/frame-spec.js';
import { formatNumber, summarize } from './stats.js';

export interface DecodeStrategyResult {
  readonly strategy: 'full decode' | 'auto (the default)' | 'keyframes only' | 'seek per frame';
  readonly ms: number;
  readonly msMin: number;
  readonly msMax: number;
  readonly frames: number;
  /** Frames byte-identical to the full decode's frame for the same slot. */
  readonly sameFrames: number;
}

async function collect(input: string, options: FrameOptions): Promise<RgbFrame[]> {
  const out: RgbFrame[] = [];
  for await (const frame of frames(input, options)) out.push(frame);
  return out;
}

function equal(a: RgbFrame | undefined, b: RgbFrame | undefined): boolean {
  if (!a || !b || a.width !== b.width || a.height !== b.height) return false;
  return Buffer.compare(Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength), Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength)) === 0;
}

/** Each strategy `reps` times, interleaved (so load drift hits them alike); median wall ms. */
export async function measureDecodeStrategies(input: string, spec: FrameSpec, reps: number): Promise<DecodeStrategyResult[]> {
  const base: FrameOptions = { fps: spec.fps, maxFrames: spec.maxFrames, size: spec.size, sampling: 'even' };
  const reference = await collect(input, { ...base, decode: 'every-frame' });
  const strategies: Record<DecodeStrategyResult['strategy'], () => Promise<RgbFrame[]>> = {
    'full decode': () => collect(input, { ...base, decode: 'every-frame' }),
    'auto (the default)': () => collect(input, base),
    'keyframes only': () => collect(input, { ...base, decode: 'keyframes' }),
    // The frame on screen at the slot's time: a seek lands on the first frame at or after it.
    'seek per frame': async () => {
      const out: RgbFrame[] = [];
      for (const slot of reference) out.push(...(await collect(input, { fps: spec.fps, maxFrames: 1, size: spec.size, start: slot.time })));
      return out;
    },
  };
  const times = new Map<string, number[]>();
  const outputs = new Map<string, RgbFrame[]>();
  for (let r = 0; r < reps; r++) {
    for (const [name, run] of Object.entries(strategies)) {
      const begin = performance.now();
      const got = await run();
      times.set(name, [...(times.get(name) ?? []), performance.now() - begin]);
      outputs.set(name, got);
    }
  }
  return (Object.keys(strategies) as DecodeStrategyResult['strategy'][]).map((strategy) => {
    const s = summarize(times.get(strategy)!);
    const got = outputs.get(strategy)!;
    return { strategy, ms: s.median, msMin: s.min, msMax: s.max, frames: got.length, sameFrames: got.filter((frame, i) => equal(frame, reference[i])).length };
  });
}

export function decodeRows(label: string, results: readonly DecodeStrategyResult[]): string[][] {
  const full = results.find((r) => r.strategy === 'full decode')!;
  return results.map((r) => [
    label,
    r.strategy,
    `${formatNumber(r.ms)} (${formatNumber(r.msMin)}-${formatNumber(r.msMax)})`,
    `${(r.ms / full.ms).toFixed(2)}x`,
    `${r.sameFrames} of ${full.frames}${r.frames !== full.frames ? ` (${r.frames} frames)` : ''}`,
  ]);
}
