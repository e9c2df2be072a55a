import { DEFAULT_MAX_TEXT_CHARS, configSchema, type Config } from '../core/config.js';
import type { ServerLimits } from './app.js';
import type { SessionOptions } from './session.js';

export type StreamConfig = Config['stream'];

/** Not operator settings: protections whose right value does not depend on the deployment. */
const MAX_CLOCK_SKEW_MS = 10 * 60 * 1000;
const MAX_REFINEMENTS = 20;

/** The producer limits and session options a `stream` config section describes. */
export function streamSettings(stream: StreamConfig, maxTextChars: number = DEFAULT_MAX_TEXT_CHARS): { limits: ServerLimits; session: SessionOptions } {
  return {
    limits: {
      maxFrameBytes: stream.maxFrameBytes,
      maxFramePixels: stream.maxFramePixels,
      maxFramesPerSecond: stream.maxFramesPerSecond,
      frameBurst: stream.frameBurst,
      maxPromptChars: maxTextChars,
      eventBudgetPerSecond: stream.eventBudgetPerSecond,
      eventBudgetBurst: stream.eventBudgetBurst,
      maxProducersPerStream: stream.maxProducersPerStream,
      maxClockSkewMs: MAX_CLOCK_SKEW_MS,
    },
    session: {
      windowSeconds: stream.windowSeconds,
      maxWindowFrames: stream.windowFrames,
      updateIntervalMs: stream.updateIntervalMs,
      minUpdateIntervalMs: stream.minUpdateIntervalMs,
      picksPerUpdate: stream.picksPerUpdate,
      hysteresis: {
        margin: stream.switchMargin,
        confirmUpdates: stream.switchConfirmUpdates,
        confirmMs: stream.switchConfirmMs,
        historySize: stream.noRepeatPicks,
      },
      maxRefinements: MAX_REFINEMENTS,
      maxTextChars,
      ingest: {
        fps: stream.ingestFps,
        stallTimeoutMs: stream.ingestStallTimeoutMs,
        backoffInitialMs: stream.ingestBackoffInitialMs,
        backoffMaxMs: stream.ingestBackoffMaxMs,
        maxFailedAttempts: stream.ingestMaxAttempts,
      },
    },
  };
}

/** The defaults of the `stream` config section (one source: `core/config.ts`). */
export const DEFAULT_STREAM_SETTINGS = streamSettings(configSchema.shape.stream.parse(undefined));
