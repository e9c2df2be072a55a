import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { logger } from '../../core/logger.js';
import type { RgbFrame } from '../../core/media/types.js';
import type { Pick, RecommendRequest, RecommendResult } from '../../recommend/types.js';
import { DEFAULT_SESSION } from '../../stream-server/app.js';
import { EncodeQueue } from '../../stream-server/encode-queue.js';
import type { PicksPayload } from '../../stream-server/events.js';
import { StreamMetrics } from '../../stream-server/metrics.js';
import { PickSelector } from '../../stream-server/pick-selector.js';
import { StreamSession, type SessionOptions } from '../../stream-server/session.js';
import { CatalogPickSource, TEST_TRACKS } from './support/catalog-picks.js';
import { ColorFrameEncoder, type Rgb } from './support/color-encoder.js';

const RED: Rgb = [230, 20, 10];
const BLUE: Rgb = [10, 20, 240];
const frameOf = ([r, g, b]: Rgb): RgbFrame => ({ width: 2, height: 2, data: new Uint8Array(12).map((_, i) => [r, g, b][i % 3]!), time: 0 });

/** The test catalog's recommender, taking `latencyMs` (fake time) per query; records when each query ran and how many overlapped. */
class TimedPickSource extends CatalogPickSource {
  readonly startedAt: number[] = [];
  running = 0;
  maxRunning = 0;
  latencyMs = 0;

  override async recommend(request: RecommendRequest): Promise<RecommendResult> {
    this.startedAt.push(Date.now());
    this.running += 1;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    try {
      if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
      return await super.recommend(request);
    } finally {
      this.running -= 1;
    }
  }
}

describe('StreamSession update policy (frame-triggered, with a floor), fake time', () => {
  let published: PicksPayload[];
  let session: StreamSession;
  let picks: TimedPickSource;

  function start(overrides: Partial<SessionOptions> = {}) {
    published = [];
    picks = new TimedPickSource(TEST_TRACKS);
    const queue = new EncodeQueue(new ColorFrameEncoder(), { maxInFlight: 4, timeoutMs: 1000 });
    session = new StreamSession(
      'alpha',
      { ...DEFAULT_SESSION, updateIntervalMs: 3000, minUpdateIntervalMs: 500, ...overrides },
      {
        queue,
        picks,
        metrics: new StreamMetrics({ defaultMetrics: false }),
        frameSource: undefined,
        log: logger('test'),
        now: Date.now,
        publish: (p) => published.push(p),
        notify: () => {},
      },
    );
  }

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  });
  afterEach(async () => {
    await session.close();
    vi.useRealTimers();
  });

  /** Sends frames of `scene` every `everyMs` for `durationMs`. */
  async function send(scene: Rgb, everyMs: number, durationMs: number) {
    for (let t = 0; t < durationMs; t += everyMs) {
      await session.addFrame(frameOf(scene), Date.now());
      await vi.advanceTimersByTimeAsync(everyMs);
    }
  }

  it('given an encoded frame and no recent update, recomputes picks at once, not on the 3 s timer', async () => {
    start();
    const t0 = Date.now();
    await session.addFrame(frameOf(RED), t0);
    await vi.advanceTimersByTimeAsync(0);
    expect(picks.startedAt).toEqual([t0]);
    expect(published.map((p) => p.tracks[0]!.id)).toEqual(['ember']);
  });

  it('given a frame inside the floor of the last update, recomputes once the floor has passed, with that frame', async () => {
    start();
    const t0 = Date.now();
    await session.addFrame(frameOf(RED), t0);
    await vi.advanceTimersByTimeAsync(100);
    await session.addFrame(frameOf(RED), Date.now());
    await vi.advanceTimersByTimeAsync(300);
    expect(picks.startedAt).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(100);
    expect(picks.startedAt).toEqual([t0, t0 + 500]);
    expect(picks.requests[1]!.frameEmbeddings).toHaveLength(2);
    // Nothing new since: the fallback timer does not query again.
    await vi.advanceTimersByTimeAsync(10_000);
    expect(picks.startedAt).toHaveLength(2);
  });

  it('given a flood of frames (20 per second for 5 s), recomputes at most once per floor, yet keeps up', async () => {
    start();
    const t0 = Date.now();
    await send(RED, 50, 5000);
    const gaps = picks.startedAt.slice(1).map((t, i) => t - picks.startedAt[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(500);
    expect(picks.startedAt.length).toBeLessThanOrEqual(5000 / 500 + 1);
    // Not starved either: about one update per floor, and the last one saw a frame from the last 0.5 s.
    expect(picks.startedAt.length).toBeGreaterThanOrEqual(9);
    expect(picks.startedAt.at(-1)! - t0).toBeGreaterThanOrEqual(4500);
  });

  it('given queries slower than the frames, never runs two of one session at once and runs once more after with what came meanwhile', async () => {
    start();
    picks.latencyMs = 800;
    await send(RED, 100, 3000);
    session.setPrompt('calm water');
    await send(RED, 100, 500);
    await vi.advanceTimersByTimeAsync(5000);
    expect(picks.maxRunning).toBe(1);
    const gaps = picks.startedAt.slice(1).map((t, i) => t - picks.startedAt[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(800);
    // The frames and the prompt that arrived during the last queries were not lost: a final update
    // saw the whole window and the prompt.
    const last = picks.requests.at(-1)!;
    expect(last.prompt).toBe('calm water');
    expect(last.frameEmbeddings).toHaveLength(session.summary().windowFrames);
    expect(published.at(-1)!.basis.prompt).toBe('calm water');
    expect(picks.running).toBe(0);
  });

  it('given a scripted cut at 4 frames per second, switches the pick once, and only after the challenger led for confirmMs', async () => {
    start({ windowSeconds: 4, hysteresis: { margin: 0.05, confirmUpdates: 2, confirmMs: 3000, historySize: 4 } });
    await send(RED, 250, 10_000);
    expect(published.map((p) => p.tracks[0]!.id)).toEqual(['ember']);
    const cut = Date.now();
    await send(BLUE, 250, 15_000);
    // Once the lead has lasted 3 s the window is mostly blue, so the challenger that wins is the blue
    // scene's best track ('tide'), not 'glacier', which leads while the window blends red and blue.
    expect(published.map((p) => p.tracks[0]!.id)).toEqual(['ember', 'tide']);
    // Updates ran at the floor (about two a second), six times the old 3 s cadence...
    expect(picks.startedAt.filter((t) => t >= cut).length).toBeGreaterThanOrEqual(25);
    // ...yet two of them in a row were not enough: the lead had to last 3 s, as with two 3 s updates.
    expect(published[1]!.at - cut).toBeGreaterThanOrEqual(3000);
    expect(published[1]!.at - cut).toBeLessThan(6000);
  });

  it('given the same cut without confirmMs, switches after two updates, which the floor makes about half a second', async () => {
    start({ windowSeconds: 4, hysteresis: { margin: 0.05, confirmUpdates: 2, historySize: 4 } });
    await send(RED, 250, 10_000);
    const cut = Date.now();
    await send(BLUE, 250, 15_000);
    expect(published.map((p) => p.tracks[0]!.id)).toEqual(['ember', 'glacier']);
    expect(published[1]!.at - cut).toBeLessThan(3000);
  });
});

describe('PickSelector confirmMs', () => {
  const pick = (trackId: string, score: number): Pick => ({ trackId, title: trackId, artist: 'a', score, segmentStart: 0, segmentEnd: 60, tags: [], why: '' });

  it('given a challenger leading on many quick updates, switches only once its lead has lasted confirmMs', () => {
    const selector = new PickSelector({ margin: 0.05, confirmUpdates: 2, confirmMs: 3000, historySize: 4 });
    selector.update([pick('a', 0.9)], 0);
    for (let t = 1000; t < 4000; t += 500) expect(selector.update([pick('b', 0.99), pick('a', 0.9)], t).changed).toBe(false);
    expect(selector.update([pick('b', 0.99), pick('a', 0.9)], 4000).changed).toBe(true);
  });

  it('given a lead that breaks, counts confirmMs again from the next leading update', () => {
    const selector = new PickSelector({ margin: 0.05, confirmUpdates: 2, confirmMs: 3000, historySize: 4 });
    selector.update([pick('a', 0.9)], 0);
    selector.update([pick('b', 0.99), pick('a', 0.9)], 1000);
    selector.update([pick('b', 0.9), pick('a', 0.9)], 3500);
    expect(selector.update([pick('b', 0.99), pick('a', 0.9)], 4000).changed).toBe(false);
    expect(selector.update([pick('b', 0.99), pick('a', 0.9)], 6500).changed).toBe(false);
    expect(selector.update([pick('b', 0.99), pick('a', 0.9)], 7000).changed).toBe(true);
  });
});
