import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { ErrorCode } from '../../core/errors.js';
import {
  OVERLAY_EVENTS,
  STREAM_EVENTS,
  type Ack,
  type FrameResult,
  type OverlayClientToServerEvents,
  type OverlayState,
  type PicksPayload,
  type SessionSummary,
  type StreamClientToServerEvents,
} from '../../stream-server/events.js';

const repo = resolve(import.meta.dirname, '..', '..');

describe('the event map shared by server, pages and tests', () => {
  it('lists every client event at run time, so the server refuses exactly the others', () => {
    expectTypeOf<(typeof STREAM_EVENTS)[number]>().toEqualTypeOf<keyof StreamClientToServerEvents>();
    expectTypeOf<(typeof OVERLAY_EVENTS)[number]>().toEqualTypeOf<keyof OverlayClientToServerEvents>();
    expect([...STREAM_EVENTS].sort()).toEqual(['frame', 'ingest', 'prompt', 'refine']);
  });

  it('acknowledges with { data } or { error: { code, message } } carrying a stable error code', () => {
    type FrameAck = Parameters<Parameters<StreamClientToServerEvents['frame']>[1]>[0];
    expectTypeOf<FrameAck>().toEqualTypeOf<Ack<FrameResult>>();
    expectTypeOf<Extract<FrameAck, { error: unknown }>['error']['code']>().toEqualTypeOf<ErrorCode>();
    type PromptAck = Parameters<Parameters<StreamClientToServerEvents['prompt']>[1]>[0];
    expectTypeOf<PromptAck>().toEqualTypeOf<Ack<SessionSummary>>();
    type StateAck = Parameters<Parameters<OverlayClientToServerEvents['state']>[0]>[0];
    expectTypeOf<StateAck>().toEqualTypeOf<Ack<OverlayState>>();
    expectTypeOf<PicksPayload['tracks'][number]>().toHaveProperty('segmentStart').toEqualTypeOf<number>();
  });

  it('the overlay and capture pages type-check against it (tsc --checkJs)', () => {
    const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
    const run = () => execFileSync(process.execPath, [tsc, '-p', join(repo, 'stream-server', 'pages')], { cwd: repo, encoding: 'utf8', timeout: 60_000 });
    expect(run).not.toThrow();
  });
});
