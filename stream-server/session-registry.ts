import { CuecastError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { PicksPayload } from './events.js';
import type { StreamMetrics } from './metrics.js';
import { TokenBucket } from './rate-limiter.js';
import { StreamSession, type ProducerNotice, type SessionDeps, type SessionOptions } from './session.js';

export interface SessionRegistryOptions {
  readonly session: SessionOptions;
  /** How long a stream's session outlives its last producer connection (reconnects keep it). */
  readonly graceMs: number;
  /** Sustained frames per second per stream, and the burst above it. */
  readonly framesPerSecond: number;
  readonly frameBurst: number;
  readonly now: () => number;
  readonly log: Logger;
  readonly metrics: StreamMetrics;
  /** What every session runs on: the encoder queue, the pick source, the frame source, where picks go. */
  readonly parts: Pick<SessionDeps, 'queue' | 'picks' | 'frameSource' | 'publish'>;
  /** Tells a stream's producers what its session reports unasked. */
  readonly notify: (streamId: string, notice: ProducerNotice) => void;
}

/** A stream's live session and the frame rate its producers share. */
export interface LiveStream {
  readonly session: StreamSession;
  readonly frames: TokenBucket;
}

interface Entry extends LiveStream {
  readonly producers: Set<string>;
  grace: NodeJS.Timeout | undefined;
}

/**
 * The live sessions of this node, by stream id: a session starts with its stream's first producer and
 * ends `graceMs` after its last one left. Once draining starts, no session starts.
 */
export class SessionRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly view = new Map<string, StreamSession>();
  private draining = false;

  constructor(private readonly options: SessionRegistryOptions) {}

  /** Whether new connections and sessions are taken (false once draining started). */
  get accepting(): boolean {
    return !this.draining;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The live sessions by stream id (a view rebuilt on each read). */
  get sessions(): ReadonlyMap<string, StreamSession> {
    this.view.clear();
    for (const [id, entry] of this.entries) this.view.set(id, entry.session);
    return this.view;
  }

  /** The stream's session, started if it has none; a pending end after its last producer is called off. */
  open(streamId: string): LiveStream {
    return this.entryFor(streamId);
  }

  producerCount(streamId: string): number {
    return this.entries.get(streamId)?.producers.size ?? 0;
  }

  /** A producer connected: its stream's session is opened (or kept) for it. */
  addProducer(streamId: string, connectionId: string): void {
    this.entryFor(streamId).producers.add(connectionId);
  }

  /** A producer left: after the last one, the session ends once the grace period passes without a reconnect. */
  removeProducer(streamId: string, connectionId: string): void {
    const entry = this.entries.get(streamId);
    if (!entry) return;
    entry.producers.delete(connectionId);
    if (entry.producers.size === 0 && !this.draining) {
      entry.grace = setTimeout(() => void this.end(streamId), this.options.graceMs);
      entry.grace.unref();
    }
  }

  /** The latest picks of a stream with a session on this node. */
  picks(streamId: string): PicksPayload | null | undefined {
    return this.entries.get(streamId)?.session.picks;
  }

  /** Stops taking connections and sessions; the sessions live on until closeAll(). */
  stopAccepting(): void {
    this.draining = true;
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.entries.keys()].map((id) => this.end(id)));
  }

  private entryFor(streamId: string): Entry {
    // While draining, nothing may start a session that closeAll() would not see.
    if (this.draining) throw new CuecastError('SHUTTING_DOWN', 'The server is shutting down');
    let entry = this.entries.get(streamId);
    if (!entry) {
      entry = { session: this.start(streamId), producers: new Set(), frames: new TokenBucket(this.options.framesPerSecond, this.options.frameBurst, this.options.now), grace: undefined };
      this.entries.set(streamId, entry);
      this.options.metrics.sessions.set(this.entries.size);
    }
    clearTimeout(entry.grace);
    entry.grace = undefined;
    return entry;
  }

  private start(streamId: string): StreamSession {
    const { parts, log, now, metrics, notify } = this.options;
    return new StreamSession(streamId, this.options.session, { ...parts, metrics, now, log: log.child({ streamId }), notify: (notice) => notify(streamId, notice) });
  }

  private async end(streamId: string): Promise<void> {
    const entry = this.entries.get(streamId);
    if (!entry) return;
    this.entries.delete(streamId);
    this.options.metrics.sessions.set(this.entries.size);
    clearTimeout(entry.grace);
    await entry.session.close();
  }
}
