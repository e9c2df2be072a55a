import { CuecastError, InputError, toCuecastError, type ErrorCode } from '../core/errors.js';
import { redactText, redactUrl } from '../core/redact.js';
import type { Logger } from '../core/logger.js';
import type { RgbFrame } from '../core/media/types.js';
import type { IngestStatus, ProtocolError } from './events.js';

/** Decoded frames of a URL at `fps` (core/media's `frames`); ends when the input ends, stops on abort. */
export type FrameSource = (url: string, options: FrameSourceOptions) => AsyncIterable<RgbFrame>;

export interface FrameSourceOptions {
  readonly fps: number;
  readonly signal: AbortSignal;
  /** An HTTP proxy every http(s) request of the decoder must go through (the checking egress proxy). */
  readonly httpProxy?: string;
  /** Read the input at its own pace (ffmpeg -re): for finite sources, which would otherwise decode as fast as possible. */
  readonly realtime?: boolean;
}

/**
 * Sources that end: a file over http(s) (a VOD playlist ends with #EXT-X-ENDLIST; a live one never
 * ends cleanly, ffmpeg keeps reloading it) and file URLs. rtmp and srt are live: an end is a drop.
 */
const FINITE_SCHEMES = new Set(['http:', 'https:', 'file:']);

/** The delay before a restart: the back-off step with jitter (50-100% of it), so ingests of one dead source spread out. */
export function backoffDelay(step: number, random: () => number = Math.random): number {
  return step * (0.5 + 0.5 * random());
}

export interface IngestOptions {
  readonly fps: number;
  /** No frame for this long (the first one included) counts as the input being dead. */
  readonly stallTimeoutMs: number;
  readonly backoffInitialMs: number;
  readonly backoffMaxMs: number;
  /** Give up after this many attempts in a row that produced no frame. */
  readonly maxFailedAttempts: number;
}

/** rtsp, udp and tcp are not offered: their connections (RTP ports, raw sockets) cannot be held to the address policy. */
const NETWORK_SCHEMES = new Set(['rtmp:', 'rtmps:', 'srt:', 'http:', 'https:']);

/** Failures that another attempt cannot fix when an attempt got no frame at all: fail at once. */
const PERMANENT: ReadonlySet<ErrorCode> = new Set([
  'URL_FORBIDDEN',
  'MEDIA_NOT_FOUND',
  'MEDIA_NO_VIDEO',
  'MEDIA_UNREADABLE',
  'MEDIA_TOO_LONG',
  'INPUT_INVALID',
  'FFMPEG_MISSING',
  'MEDIA_DECODER_CRASHED',
]);

/**
 * What producers are told, by code: a plain reason, never ffmpeg's stderr (it tells an open port from
 * a closed one and may quote credentials). The full error goes to the server log, redacted.
 */
const PLAIN_REASONS: Partial<Record<ErrorCode, string>> = {
  MEDIA_NOT_FOUND: 'The server has no such media (HTTP 401, 403 or 404)',
  MEDIA_UNREACHABLE: 'The URL could not be reached',
  MEDIA_TIMEOUT: 'The URL sent nothing in time',
  MEDIA_UNREADABLE: 'The URL does not hold media that can be decoded',
  MEDIA_NO_VIDEO: 'The media has no video',
  MEDIA_TOO_LONG: 'The media is longer than this server accepts',
  MEDIA_DECODER_CRASHED: 'The decoder crashed on this input',
  FFMPEG_MISSING: 'This server cannot decode that input',
  INPUT_INVALID: 'The input is not valid',
};

export function plainProblem(error: CuecastError): ProtocolError {
  const own = error.code === 'URL_FORBIDDEN' || (error.code === 'MEDIA_TIMEOUT' && error.details.stall === true) || error.details.rangeless === true;
  return { code: error.code, message: own ? error.message : (PLAIN_REASONS[error.code] ?? 'The ingest failed') };
}

/** Checks an ingest URL: a live or network scheme, or `file:` where the server allows it. */
export function parseIngestUrl(value: unknown, allowFileUrls: boolean): URL {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2048) {
    throw new InputError('INPUT_INVALID', 'The ingest URL must be a string of 1 to 2048 characters');
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InputError('INPUT_INVALID', 'The ingest URL is not a valid URL');
  }
  if (url.protocol === 'file:' ? !allowFileUrls : !NETWORK_SCHEMES.has(url.protocol)) {
    const allowed = [...NETWORK_SCHEMES, ...(allowFileUrls ? ['file:'] : [])].map((s) => s.slice(0, -1)).join(', ');
    throw new InputError('INPUT_INVALID', `Ingest URLs must use one of: ${allowed}`);
  }
  return url;
}

/**
 * Runs one ingest: pulls frames from the URL through the frame source, hands each to `onFrame`,
 * restarts with exponential back-off when the input dies or stalls, and stops for good on `stop()`,
 * when a file ends, or after `maxFailedAttempts` attempts in a row without a frame.
 */
export class IngestSupervisor {
  private readonly stopController = new AbortController();
  private current: IngestStatus;
  private done: Promise<void> | undefined;

  constructor(
    readonly url: URL,
    private readonly source: FrameSource,
    private readonly options: IngestOptions,
    private readonly onFrame: (frame: RgbFrame) => void,
    private readonly onStatus: (status: IngestStatus) => void,
    private readonly log: Logger,
  ) {
    this.current = { url: redactUrl(url), state: 'starting', restarts: 0 };
  }

  get status(): IngestStatus {
    return this.current;
  }

  start(): void {
    this.done ??= this.loop();
  }

  /** Stops the ingest and waits for its frame source to end (the ffmpeg child is reaped by then). */
  async stop(): Promise<void> {
    this.stopController.abort();
    await this.done;
  }

  private setStatus(status: Partial<IngestStatus>): void {
    this.current = { ...this.current, ...status };
    this.onStatus(this.current);
  }

  private async loop(): Promise<void> {
    let failedAttempts = 0;
    let delay = this.options.backoffInitialMs;
    const stopped = this.stopController.signal;
    // A call, not `stopped.aborted`: narrowing would take the flag to stay false across the await.
    const isStopped = (): boolean => stopped.aborted;
    while (!isStopped()) {
      const { frames, error } = await this.attempt();
      if (isStopped()) break;
      if (frames > 0) {
        failedAttempts = 0;
        delay = this.options.backoffInitialMs;
      } else {
        failedAttempts += 1;
      }
      if (!error && FINITE_SCHEMES.has(this.url.protocol)) {
        this.log.info({ url: redactUrl(this.url), frames }, 'ingest ended');
        this.setStatus({ state: 'ended' });
        return;
      }
      const lastError = error ?? new CuecastError('MEDIA_UNREACHABLE', 'The input ended');
      const problem = plainProblem(lastError);
      const permanent = frames === 0 && PERMANENT.has(lastError.code);
      if (permanent || failedAttempts >= this.options.maxFailedAttempts) {
        this.log.warn({ url: redactUrl(this.url), code: lastError.code, err: redactText(lastError.message), attempts: failedAttempts, permanent }, 'ingest gave up');
        this.setStatus({ state: 'failed', lastError: problem });
        return;
      }
      this.log.info({ url: redactUrl(this.url), code: lastError.code, err: redactText(lastError.message), delayMs: delay }, 'ingest died; restarting');
      this.setStatus({ state: 'restarting', restarts: this.current.restarts + 1, lastError: problem });
      await sleep(backoffDelay(delay), stopped);
      delay = Math.min(this.options.backoffMaxMs, delay * 2);
    }
    this.setStatus({ state: 'stopped' });
  }

  private async attempt(): Promise<{ frames: number; error?: CuecastError }> {
    const attempt = new AbortController();
    const stop = () => attempt.abort();
    this.stopController.signal.addEventListener('abort', stop, { once: true });
    let stalled = false as boolean; // set by the watchdog, which narrowing does not see
    let watchdog: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => {
        stalled = true;
        attempt.abort();
      }, this.options.stallTimeoutMs);
    };
    let frames = 0;
    try {
      arm();
      const realtime = FINITE_SCHEMES.has(this.url.protocol);
      for await (const frame of this.source(this.url.href, { fps: this.options.fps, signal: attempt.signal, realtime })) {
        if (attempt.signal.aborted) break;
        arm();
        if (frames === 0) this.setStatus({ state: 'running' });
        frames += 1;
        this.onFrame(frame);
      }
      if (stalled) return { frames, error: this.stallError() };
      return { frames };
    } catch (error) {
      if (stalled) return { frames, error: this.stallError() };
      return { frames, error: toCuecastError(error) };
    } finally {
      clearTimeout(watchdog);
      this.stopController.signal.removeEventListener('abort', stop);
      attempt.abort();
    }
  }

  private stallError(): CuecastError {
    return new CuecastError('MEDIA_TIMEOUT', `No frame from the ingest URL for ${this.options.stallTimeoutMs} ms`, { stall: true });
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
