import { CuecastError, InputError, toCuecastError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { RgbFrame } from '../core/media/types.js';
import type { ImageInput } from '../model/types.js';
import { refinementAction } from '../recommend/refinement/parse.js';
import type { Pick, RecommendRequest, RecommendResult, RefinementState } from '../recommend/types.js';
import type { EncodeQueue } from './encode-queue.js';
import type { FrameResult, IngestStatus, PickedTrack, PicksPayload, ProtocolError, SessionSummary } from './events.js';
import { FrameWindow } from './frame-window.js';
import { IngestSupervisor, type FrameSource, type IngestOptions } from './ingest.js';
import type { StreamMetrics } from './metrics.js';
import { PickSelector, type HysteresisOptions } from './pick-selector.js';
import { boundRefinementState } from './refinement-bound.js';
import { DEFAULT_MAX_TEXT_CHARS } from '../core/config.js';

/** What the session asks for picks: recommend/'s engine, or anything with the same shape. */
export interface PickSource {
  recommend(request: RecommendRequest): Promise<RecommendResult>;
  /** Folds one refinement ("less drums", "no vocals", "undo") into the state; `shown` resolves "#2". */
  refine(state: RefinementState | undefined, text: string, shown?: readonly string[]): RefinementState;
}

export interface SessionOptions {
  readonly windowSeconds: number;
  readonly maxWindowFrames: number;
  /**
   * Fallback cadence: picks are recomputed this often when anything changed that no frame or prompt
   * already caused an update for.
   */
  readonly updateIntervalMs: number;
  /**
   * The floor between two recomputations caused by newly encoded frames: a frame that enters the
   * window triggers an update at once when the last one started at least this long ago, else when
   * the floor has passed. Capped at `updateIntervalMs`.
   */
  readonly minUpdateIntervalMs: number;
  /** Picks per update (the current one plus alternatives). */
  readonly picksPerUpdate: number;
  readonly hysteresis: HysteresisOptions;
  /** Refinement turns a session remembers (the last ones, distinct), and the longest text of one. */
  readonly maxRefinements: number;
  readonly maxTextChars?: number;
  readonly ingest: IngestOptions;
}

export interface SessionDeps {
  readonly queue: EncodeQueue;
  readonly picks: PickSource;
  readonly metrics: StreamMetrics;
  readonly frameSource: FrameSource | undefined;
  readonly log: Logger;
  readonly now: () => number;
  /** Sends a picks update to the stream's overlays (on every node). */
  readonly publish: (picks: PicksPayload) => void;
  /** Tells the stream's producers something went wrong outside an acknowledgement. */
  readonly notify: (event: 'ingest' | 'picks', status: IngestStatus | ProtocolError) => void;
}

/** One live stream: its rolling window of frame embeddings, prompt, refinements, picks and ingest. */
export class StreamSession {
  private readonly window: FrameWindow;
  private readonly selector: PickSelector;
  private prompt = '';
  private refinements: string[] = [];
  private state: RefinementState | undefined;
  private seq = 0;
  private latestPicks: PicksPayload | null = null;
  private dirty = false;
  /** New frames since the last update (only then does frame-to-pick latency mean anything). */
  private newFrames = false;
  private forceNext = false;
  private updating: Promise<void> | undefined;
  /** When the last recomputation started (ms); the floor counts from here. */
  private lastUpdateAt = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  /** A frame-triggered update waiting for the floor to pass. */
  private floorTimer: NodeJS.Timeout | undefined;
  private ingest: IngestSupervisor | undefined;
  private closed = false;
  private lastProblem = '';

  constructor(
    readonly streamId: string,
    private readonly options: SessionOptions,
    private readonly deps: SessionDeps,
  ) {
    this.window = new FrameWindow(options.windowSeconds * 1000, options.maxWindowFrames);
    this.selector = new PickSelector(options.hysteresis);
    this.schedule();
  }

  get picks(): PicksPayload | null {
    return this.latestPicks;
  }

  summary(): SessionSummary {
    return {
      streamId: this.streamId,
      prompt: this.prompt,
      refinements: [...this.refinements],
      windowFrames: this.window.size,
      ingest: this.ingest?.status ?? null,
    };
  }

  /**
   * Puts a frame through the shared encoder into the window. Resolves when it is in the window or was
   * dropped (a newer frame of this stream replaced it, or it is older than the newest one).
   */
  async addFrame(image: ImageInput, capturedAt: number): Promise<FrameResult> {
    const receivedAt = this.deps.now();
    if (capturedAt <= this.window.newestCapturedAt) {
      this.deps.metrics.dropped('stale');
      return { status: 'dropped', reason: 'stale' };
    }
    const outcome = await this.deps.queue.submit(this.streamId, image).catch((error: unknown) => {
      this.deps.metrics.dropped('failed');
      throw error;
    });
    if (outcome.status === 'dropped') {
      this.deps.metrics.dropped('superseded');
      return { status: 'dropped', reason: 'superseded' };
    }
    // Another frame may have overtaken this one while it was encoding.
    if (this.closed || capturedAt <= this.window.newestCapturedAt) {
      this.deps.metrics.dropped('stale');
      return { status: 'dropped', reason: 'stale' };
    }
    this.window.push({ embedding: outcome.embedding, capturedAt, receivedAt });
    this.dirty = true;
    this.newFrames = true;
    this.updateSoon();
    return { status: 'encoded', windowFrames: this.window.size };
  }

  setPrompt(text: string): SessionSummary {
    this.prompt = text.trim();
    this.refinements = [];
    this.state = undefined;
    this.requestUpdate();
    return this.summary();
  }

  refine(text: string): SessionSummary {
    const trimmed = text.trim();
    if (!trimmed) throw new InputError('INPUT_INVALID', 'A refinement needs some text');
    const maxTextChars = this.options.maxTextChars ?? DEFAULT_MAX_TEXT_CHARS;
    // "#2" means the second pick on the overlay now (the last list shown; an empty update shows none).
    const refined = this.deps.picks.refine(this.state, trimmed, this.latestPicks?.tracks.map((t) => t.id) ?? []);
    this.state = boundRefinementState(refined, this.options.maxRefinements, maxTextChars);
    const action = refinementAction(trimmed);
    if (action === 'reset') this.refinements = [];
    else if (action === 'undo') this.refinements.pop();
    // A repeated turn moves to the end instead of being kept twice.
    else this.refinements = [...this.refinements.filter((t) => t !== trimmed), trimmed].slice(-this.options.maxRefinements);
    this.requestUpdate();
    return this.summary();
  }

  /** Starts pulling frames from a URL (replacing any running ingest); `null` stops it. */
  async setIngest(url: URL | null): Promise<SessionSummary> {
    await this.ingest?.stop();
    this.ingest = undefined;
    if (url && !this.closed) {
      const source = this.deps.frameSource;
      if (!source) throw new CuecastError('FFMPEG_MISSING', 'This server cannot ingest URLs (no frame source configured)');
      const ingest = new IngestSupervisor(
        url,
        source,
        this.options.ingest,
        (frame) => this.addIngestFrame(frame),
        (status) => {
          if (status.state === 'restarting') this.deps.metrics.ingestRestarts.inc();
          this.deps.notify('ingest', status);
        },
        this.deps.log.child({ ingest: url.protocol }),
      );
      this.ingest = ingest;
      ingest.start();
    }
    return this.summary();
  }

  /** Stops the ingest and the update cadence, and drops the waiting frame. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    clearTimeout(this.floorTimer);
    this.floorTimer = undefined;
    this.deps.queue.cancel(this.streamId);
    await this.ingest?.stop();
    await this.updating;
  }

  /**
   * Recomputes the picks now if anything changed since the last update. Never two at once: while one
   * runs, callers share it, and whatever changed meanwhile gets one more update after it (floor
   * permitting).
   */
  async update(): Promise<void> {
    if (this.updating) return this.updating;
    this.updating = this.runUpdate().finally(() => {
      this.updating = undefined;
      if (this.dirty) this.updateSoon();
    });
    return this.updating;
  }

  /** Updates now if the last update started at least the floor ago, else once the floor has passed. */
  private updateSoon(): void {
    if (this.closed || this.updating || this.floorTimer) return;
    const floor = Math.min(this.options.minUpdateIntervalMs, this.options.updateIntervalMs);
    const wait = this.lastUpdateAt + floor - this.deps.now();
    if (wait <= 0) {
      void this.update();
      return;
    }
    this.floorTimer = setTimeout(() => {
      this.floorTimer = undefined;
      this.updateSoon();
    }, wait);
    this.floorTimer.unref();
  }

  private addIngestFrame(frame: RgbFrame): void {
    // Capture time is the wall clock at arrival: live inputs restart their own timestamps at 0.
    this.deps.metrics.framesIn.inc({ source: 'ingest' });
    this.addFrame(frame, this.deps.now()).catch((error: unknown) => {
      this.report(toCuecastError(error));
    });
  }

  private requestUpdate(): void {
    this.dirty = true;
    this.forceNext = true;
    void this.update();
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      if (this.dirty) this.updateSoon();
      this.schedule();
    }, this.options.updateIntervalMs);
    this.timer.unref();
  }

  private async runUpdate(): Promise<void> {
    if (!this.dirty || this.closed) return;
    const frames = this.window.frames();
    if (frames.length === 0 && !this.prompt && this.refinements.length === 0) return;
    this.dirty = false;
    this.lastUpdateAt = this.deps.now();
    const measure = this.newFrames;
    this.newFrames = false;
    const force = this.forceNext;
    this.forceNext = false;
    const request: RecommendRequest = {
      ...(frames.length > 0 ? { frameEmbeddings: frames.map((f) => f.embedding) } : {}),
      ...(this.prompt ? { prompt: this.prompt } : {}),
      ...(this.state ? { state: this.state } : {}),
      excludeTrackIds: this.selector.excludedTrackIds(),
      k: this.options.picksPerUpdate + 1,
    };
    let result: RecommendResult;
    try {
      result = await this.deps.picks.recommend(request);
    } catch (error) {
      this.report(toCuecastError(error));
      return;
    }
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- close() can run during the await; narrowing keeps the value from before it
    if (this.closed) return;
    this.lastProblem = '';
    this.state = result.state;
    const now = this.deps.now();
    const newest = frames.at(-1);
    if (newest && measure) this.deps.metrics.frameToPicked((now - newest.receivedAt) / 1000);
    const selection = this.selector.update(result.picks, now, { force });
    if (!selection.changed && !force) return;
    if (selection.tracks.length === 0) return;
    this.seq += 1;
    this.latestPicks = {
      seq: this.seq,
      at: now,
      streamId: this.streamId,
      tracks: selection.tracks.slice(0, this.options.picksPerUpdate).map(toPickedTrack),
      basis: { frames: frames.length, prompt: [this.prompt, ...this.refinements].filter(Boolean).join('; ') },
    };
    this.deps.metrics.picksEmitted.inc();
    this.deps.publish(this.latestPicks);
  }

  /** Tells producers about a failure once per distinct code, not on every update. */
  private report(error: CuecastError): void {
    this.deps.log.warn({ code: error.code, err: error.message }, 'stream session problem');
    if (error.code === this.lastProblem) return;
    this.lastProblem = error.code;
    this.deps.notify('picks', { code: error.code, message: error.message });
  }
}

function toPickedTrack(pick: Pick): PickedTrack {
  return {
    id: pick.trackId,
    title: pick.title,
    artist: pick.artist,
    score: Math.round(pick.score * 1e4) / 1e4,
    segmentStart: pick.segmentStart,
    segmentEnd: pick.segmentEnd,
    why: pick.why,
  };
}
