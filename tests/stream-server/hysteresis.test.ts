import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { logger } from '../../core/logger.js';
import type { RgbFrame } from '../../core/media/types.js';
import type { Pick } from '../../recommend/types.js';
import { DEFAULT_SESSION } from '../../stream-server/app.js';
import { EncodeQueue } from '../../stream-server/encode-queue.js';
import type { PicksPayload } from '../../stream-server/events.js';
import { StreamMetrics } from '../../stream-server/metrics.js';
import { PickSelector } from '../../stream-server/pick-selector.js';
import { StreamSession, type SessionOptions } from '../../stream-server/session.js';
import { CatalogPickSource, TEST_TRACKS } from './support/catalog-picks.js';
import { ColorFrameEncoder, type Rgb } from './support/color-encoder.js';

const pick = (trackId: string, score: number, segmentSeconds = 30): Pick => ({
  trackId,
  title: trackId,
  artist: 'a',
  score,
  segmentStart: 0,
  segmentEnd: segmentSeconds,
  tags: [],
  why: '',
});

describe('PickSelector', () => {
  const options = { margin: 0.05, confirmUpdates: 3, historySize: 3 };

  it('given a challenger that leads by the margin, switches only on the third update in a row', () => {
    const selector = new PickSelector(options);
    expect(selector.update([pick('a', 0.9), pick('b', 0.5)], 0).changed).toBe(true);
    expect(selector.update([pick('b', 0.96), pick('a', 0.9)], 1000).changed).toBe(false);
    expect(selector.update([pick('b', 0.96), pick('a', 0.9)], 2000).changed).toBe(false);
    const third = selector.update([pick('b', 0.96), pick('a', 0.9)], 3000);
    expect(third.changed).toBe(true);
    expect(third.tracks.map((t) => t.trackId)).toEqual(['b']);
  });

  it('given a forced update, takes the best track at once, keeping the current one when it is still the best', () => {
    const selector = new PickSelector(options);
    selector.update([pick('a', 0.9), pick('b', 0.5)], 0);
    expect(selector.update([pick('a', 0.9), pick('b', 0.8)], 1000, { force: true })).toMatchObject({ changed: false, tracks: [{ trackId: 'a' }, { trackId: 'b' }] });
    expect(selector.update([pick('b', 0.7), pick('a', 0.69)], 2000, { force: true })).toMatchObject({ changed: true, tracks: [{ trackId: 'b' }] });
  });

  it('given a challenger that leads by less than the margin, or not consecutively, keeps the current pick', () => {
    const selector = new PickSelector(options);
    selector.update([pick('a', 0.9)], 0);
    for (let t = 1; t < 10; t += 1) expect(selector.update([pick('b', 0.93), pick('a', 0.9)], t * 1000).changed).toBe(false);
    selector.update([pick('b', 0.99), pick('a', 0.9)], 11_000);
    selector.update([pick('b', 0.99), pick('a', 0.9)], 12_000);
    selector.update([pick('b', 0.9), pick('a', 0.9)], 13_000); // the streak breaks
    expect(selector.update([pick('b', 0.99), pick('a', 0.9)], 14_000).changed).toBe(false);
    expect(selector.currentPick?.trackId).toBe('a');
  });

  it('given the current segment has played out, moves on at once and does not repeat recent picks', () => {
    const selector = new PickSelector(options);
    selector.update([pick('a', 0.9, 10), pick('b', 0.5, 10), pick('c', 0.4, 10)], 0);
    expect(selector.update([pick('a', 0.9, 10), pick('b', 0.5, 10)], 9_000).changed).toBe(false);
    expect(selector.update([pick('a', 0.9, 10), pick('b', 0.5, 10), pick('c', 0.4, 10)], 10_000).tracks[0]!.trackId).toBe('b');
    expect(selector.excludedTrackIds()).toEqual(['a']);
    // 'a' still scores best, but it played a moment ago.
    expect(selector.update([pick('a', 0.9, 10), pick('b', 0.5, 10), pick('c', 0.4, 10)], 20_000).tracks[0]!.trackId).toBe('c');
  });
});

const frameOf = ([r, g, b]: Rgb): RgbFrame => ({ width: 2, height: 2, data: new Uint8Array(12).map((_, i) => [r, g, b][i % 3]!), time: 0 });

describe('StreamSession with fake time', () => {
  let published: PicksPayload[];
  let session: StreamSession;
  let picks: CatalogPickSource;
  let metrics: StreamMetrics;

  function start(overrides: Partial<SessionOptions> = {}) {
    published = [];
    picks = new CatalogPickSource(TEST_TRACKS);
    metrics = new StreamMetrics({ defaultMetrics: false });
    const queue = new EncodeQueue(new ColorFrameEncoder(), { maxInFlight: 4, timeoutMs: 1000 });
    session = new StreamSession(
      'alpha',
      { ...DEFAULT_SESSION, updateIntervalMs: 1000, hysteresis: { margin: 0.05, confirmUpdates: 3, historySize: 4 }, ...overrides },
      { queue, picks, metrics, frameSource: undefined, log: logger('test'), now: Date.now, publish: (p) => published.push(p), notify: () => {} },
    );
  }

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  });
  afterEach(async () => {
    await session.close();
    vi.useRealTimers();
  });

  /** One frame per second of the given scene for `seconds`. */
  async function play(scene: Rgb, seconds: number) {
    for (let s = 0; s < seconds; s += 1) {
      await session.addFrame(frameOf(scene), Date.now());
      await vi.advanceTimersByTimeAsync(1000);
    }
  }

  it('given a scripted cut from a red scene to a blue one, switches the pick once, not on every frame', async () => {
    start({ windowSeconds: 4 });
    await play([230, 20, 10], 10);
    expect(published.map((p) => p.tracks[0]!.id)).toEqual(['ember']);
    const cut = Date.now();
    await play([10, 20, 240], 15);
    // While the window blends red and blue, 'glacier' takes the lead for three updates and wins; once
    // the window is all blue, 'tide' scores a little higher but not by the margin, so nothing flips.
    expect(published.map((p) => p.tracks[0]!.id)).toEqual(['ember', 'glacier']);
    expect(published[1]!.tracks.map((t) => t.id)).toContain('tide');
    expect(published.map((p) => p.seq)).toEqual([1, 2]);
    // ~25 updates ran (one per second with new frames), yet only two picks went out.
    expect(picks.requests.length).toBeGreaterThanOrEqual(20);
    // Three confirming updates, one a second, after the cut: not on the first blue frame.
    expect(published[1]!.at - cut).toBeGreaterThanOrEqual(3000);
    expect(published[1]!.at - cut).toBeLessThan(8000);
  });

  it('given a long steady scene with short segments, moves to the next track when a segment has played out, never back to a recent one', async () => {
    start({ windowSeconds: 4, hysteresis: { margin: 0.05, confirmUpdates: 3, historySize: 4 } });
    // The test catalog's segments are 30 s: 95 s of one scene plays four of them, best first.
    await play([230, 20, 10], 95);
    expect(published.map((p) => p.tracks[0]!.id)).toEqual(['ember', 'crimson', 'glacier', 'meadow']);
  });

  it('measures frame-to-pick only for updates that new frames caused; a prompt re-picks at once without a needless switch', async () => {
    start();
    await play([230, 20, 10], 3);
    const measured = async () => (await metrics.frameToPick.get()).values.find((v) => v.metricName?.endsWith('_count'))?.value;
    const before = await measured();
    expect(before).toBeGreaterThanOrEqual(1);
    session.setPrompt('calm water');
    await vi.advanceTimersByTimeAsync(2000);
    expect(await measured()).toBe(before);
    // Sent at once (no confirmations) with the new basis; the red scene still beats "calm water".
    expect(published.map((p) => [p.seq, p.tracks[0]!.id, p.basis.prompt])).toEqual([
      [1, 'ember', ''],
      [2, 'ember', 'calm water'],
    ]);
  });

  it('given no new frames and no prompt change, does not query again', async () => {
    start();
    await play([230, 20, 10], 2);
    const asked = picks.requests.length;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(picks.requests.length).toBe(asked);
  });
});
