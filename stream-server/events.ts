/**
 * The stream protocol (DESIGN §6): the one typed event map shared by the server, the pages (through
 * JSDoc imports) and the tests. Every acknowledgement is `{ data } | { error }`; error codes are the
 * stable codes of core/errors.ts, never messages from exceptions.
 */
import type { ErrorCode } from '../core/errors.js';

export const STREAM_NAMESPACE = '/stream';
export const OVERLAY_NAMESPACE = '/overlay';

export interface ProtocolError {
  readonly code: ErrorCode;
  readonly message: string;
}

export type Ack<T> = { readonly data: T } | { readonly error: ProtocolError };
export type AckCallback<T> = (response: Ack<T>) => void;

/** A frame sent by a producer: JPEG, PNG or WebP bytes and when it was captured (ms since epoch). */
export interface FramePayload {
  readonly image: Uint8Array | ArrayBuffer;
  readonly capturedAt: number;
}

/**
 * What became of a frame: `encoded` (it is in the session's window), or `dropped` when a newer frame
 * of the same session replaced it before the encoder got to it (`superseded`) or it was older than
 * the newest frame already accepted (`stale`).
 */
export type FrameResult = { readonly status: 'encoded'; readonly windowFrames: number } | { readonly status: 'dropped'; readonly reason: 'superseded' | 'stale' };

export interface SessionSummary {
  readonly streamId: string;
  readonly prompt: string;
  readonly refinements: readonly string[];
  readonly windowFrames: number;
  readonly ingest: IngestStatus | null;
}

export interface IngestStatus {
  readonly url: string;
  /**
   * `ended`: a finite source (a file over http(s), a VOD playlist, a file URL) was read to its end once;
   * live sources (rtmp, srt) that end are `restarting` instead. `stopped`: by `ingest null` or the session's end.
   */
  readonly state: 'starting' | 'running' | 'restarting' | 'stopped' | 'ended' | 'failed';
  readonly restarts: number;
  readonly lastError?: ProtocolError;
}

/** One track of a picks update; `tracks[0]` is the current pick, the rest are alternatives. */
export interface PickedTrack {
  readonly id: string;
  readonly title: string;
  readonly artist: string;
  readonly score: number;
  /** Where in the track the chosen segment starts, in seconds. */
  readonly segmentStart: number;
  readonly segmentEnd: number;
  readonly why: string;
}

export interface PicksPayload {
  /** Increases by one with every picks update of a stream. */
  readonly seq: number;
  /** When the picks were computed (ms since epoch). */
  readonly at: number;
  readonly streamId: string;
  readonly tracks: readonly PickedTrack[];
  /** What the query was made of: the frames in the window and the prompt with its refinements. */
  readonly basis: { readonly frames: number; readonly prompt: string };
}

/** Sent to an overlay on connect (and on request): the latest picks of its stream, if any yet. */
export interface OverlayState {
  readonly streamId: string;
  readonly picks: PicksPayload | null;
  /** Whether playback of the picked segment may be fetched from `/audio/:trackId`. */
  readonly audio: boolean;
}

/** A message the server sends outside any acknowledgement: an event it refused, or an ingest failure. */
export interface ProblemPayload {
  readonly event: string;
  readonly error: ProtocolError;
}

// ---- /stream (producers) ----

export interface StreamClientToServerEvents {
  frame: (frame: FramePayload, ack: AckCallback<FrameResult>) => void;
  prompt: (text: string, ack: AckCallback<SessionSummary>) => void;
  refine: (text: string, ack: AckCallback<SessionSummary>) => void;
  /** Starts pulling frames from an RTMP/SRT/HLS/http(s)/file URL; `null` stops the current ingest. */
  ingest: (url: string | null, ack: AckCallback<SessionSummary>) => void;
}

export interface StreamServerToClientEvents {
  picks: (picks: PicksPayload) => void;
  ingest: (status: IngestStatus) => void;
  problem: (problem: ProblemPayload) => void;
}

// ---- /overlay (read-only viewers) ----

export interface OverlayClientToServerEvents {
  state: (ack: AckCallback<OverlayState>) => void;
}

export interface OverlayServerToClientEvents {
  picks: (picks: PicksPayload) => void;
  state: (state: OverlayState) => void;
  problem: (problem: ProblemPayload) => void;
}

/** Between server nodes (through the Redis adapter): the latest picks, so any node can answer `state`. */
export interface InterServerEvents {
  picks: (picks: PicksPayload) => void;
}

/** Handshake `auth` of both namespaces. */
export interface HandshakeAuth {
  readonly streamId: string;
  readonly token: string;
}

export const STREAM_EVENTS = ['frame', 'prompt', 'refine', 'ingest'] as const satisfies readonly (keyof StreamClientToServerEvents)[];
export const OVERLAY_EVENTS = ['state'] as const satisfies readonly (keyof OverlayClientToServerEvents)[];

export const ROOM_PREFIX = 'stream:';
export const roomOf = (streamId: string): string => `${ROOM_PREFIX}${streamId}`;
