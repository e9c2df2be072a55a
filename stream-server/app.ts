import type { Server as HttpServer } from 'node:http';
import type { ServerOptions } from 'socket.io';
import { logger, type Logger } from '../core/logger.js';
import { AddressPolicy } from '../core/net/address-policy.js';
import type { FrameEncoder } from '../model/types.js';
import { checkedFrameSource } from './egress.js';
import { EncodeQueue } from './encode-queue.js';
import type { PicksPayload } from './events.js';
import { createHttpHandler, type HttpRouteDeps } from './http-routes.js';
import type { FrameSource } from './ingest.js';
import { StreamMetrics } from './metrics.js';
import { SessionRegistry } from './session-registry.js';
import type { PickSource, SessionOptions, StreamSession } from './session.js';
import { DEFAULT_STREAM_SETTINGS } from './settings.js';
import { serveOverlays } from './socket/overlays.js';
import { createPicksRelay } from './socket/picks-relay.js';
import type { EventBudget } from './socket/protocol-guard.js';
import { noticeProducers, serveProducers } from './socket/producers.js';
import { createSocketServer, flushWrites, type RootServer, type SocketServer } from './socket/server.js';
import type { Studio } from './studio/index.js';
import type { TokenTable } from './tokens.js';

/** The parts the server runs on; `cli/serve/application.ts` wires the real ones, tests small real ones. */
export interface Components {
  readonly frameEncoder: FrameEncoder;
  readonly picks: PickSource;
  /** Where a track's audio file is (the catalog); without it the overlay cannot play picks. */
  readonly audioPath?: (trackId: string) => string | undefined;
  /** Decoded frames of a URL (core/media); without it `ingest` answers FFMPEG_MISSING. */
  readonly frameSource?: FrameSource;
  /** Extra readiness checks (e.g. `{ models: true, catalog: true }`). */
  readonly readiness?: () => Readonly<Record<string, boolean>>;
  /** The studio page and its API under /studio (stream-server/studio). */
  readonly studio?: Studio;
  /** The encoders are the random-weight stand-ins: /readyz says so and the overlay shows a badge. */
  readonly standIn?: boolean;
  /** Each encoder's dtype and how it was chosen, shown on /readyz. */
  readonly dtypes?: HttpRouteDeps['dtypes'];
}

export interface ServerLimits {
  /** Largest frame accepted, in bytes (socket.io refuses messages beyond about twice this). */
  readonly maxFrameBytes: number;
  /** Largest frame accepted, in decoded pixels. */
  readonly maxFramePixels: number;
  /** Sustained frames per second per stream from producers, and the burst above it. */
  readonly maxFramesPerSecond: number;
  readonly frameBurst: number;
  /** The one text limit (config `maxTextChars`): prompts and refinements. */
  readonly maxPromptChars: number;
  /** Per-connection budget of cost units (EVENT_COSTS): sustained per second, and burst. */
  readonly eventBudgetPerSecond: number;
  readonly eventBudgetBurst: number;
  /** Producer connections one stream id may hold at once. */
  readonly maxProducersPerStream: number;
  /** How far a frame's capture time may be from the server clock. */
  readonly maxClockSkewMs: number;
}

export interface ApplicationOptions {
  readonly streamTokens: TokenTable;
  readonly overlayTokens: TokenTable;
  readonly limits: ServerLimits;
  readonly session: SessionOptions;
  /** Frames handed to the (batching) encoder at once, and how long one may take; see encode-queue.ts. */
  readonly encode: { readonly maxInFlight: number; readonly timeoutMs: number };
  /** How long a stream's session outlives its last producer connection (reconnects keep it). */
  readonly sessionGraceMs: number;
  /** Whether `ingest` may read `file:` URLs from this machine (off in production). */
  readonly allowFileUrls: boolean;
  /** CIDRs `ingest` may reach besides public addresses (e.g. a media server on the LAN); loopback and private ranges are refused otherwise. */
  readonly ingestAllowCidrs?: readonly string[];
  /** A socket.io adapter (the Redis streams adapter) to share picks between server nodes. */
  readonly adapter?: ServerOptions['adapter'];
  readonly corsOrigins?: readonly string[];
  /** When set, /metrics requires `Authorization: Bearer <metricsToken>`. */
  readonly metricsToken?: string;
  /**
   * How long close() lets HTTP connections that are still open (a request in progress, a WebSocket
   * whose peer has not answered the close) finish before it ends them; 5 s when unset.
   */
  readonly closeGraceMs?: number;
  readonly now?: () => number;
  readonly metrics?: StreamMetrics;
}

/** The `stream` config section's defaults (`core/config.ts`), for callers that take no config. */
export const DEFAULT_LIMITS: ServerLimits = DEFAULT_STREAM_SETTINGS.limits;
export const DEFAULT_SESSION: SessionOptions = DEFAULT_STREAM_SETTINGS.session;

export interface Application {
  readonly io: RootServer;
  readonly metrics: StreamMetrics;
  /** Live sessions by stream id (on this node). */
  readonly sessions: ReadonlyMap<string, StreamSession>;
  /** Stops taking connections and frames, finishes the frames already accepted, then closes. */
  close(): Promise<void>;
}

/**
 * The composition root of the stream server: the shared encoder queue, the sessions, the HTTP routes
 * and the socket.io namespaces (socket/), on the given HTTP server, from the given components.
 */
export function createApplication(httpServer: HttpServer, components: Components, options: ApplicationOptions): Application {
  const log = logger('stream-server');
  const now = options.now ?? Date.now;
  const metrics = options.metrics ?? new StreamMetrics();
  const { limits } = options;
  const egressPolicy = new AddressPolicy(options.ingestAllowCidrs ?? []);
  const queue = new EncodeQueue(components.frameEncoder, { ...options.encode, onEncoded: (seconds) => metrics.encodeSeconds.observe(seconds) });

  // A stream's latest picks: from its session on this node, else as another node shared them. (Called
  // only once requests arrive, when everything below exists.)
  const picksOf = (streamId: string): PicksPayload | undefined => sessions.picks(streamId) ?? relay.latest(streamId);
  // Our routes first: socket.io wraps the server's existing request listeners and passes on
  // everything outside /socket.io/.
  httpServer.on(
    'request',
    createHttpHandler({ ...httpRouteDeps(components, options, metrics), latestPicks: picksOf, readiness: () => ({ accepting: sessions.accepting, ...components.readiness?.() }) }),
  );

  const sockets = createSocketServer(httpServer, { maxFrameBytes: limits.maxFrameBytes, adapter: options.adapter, corsOrigins: options.corsOrigins });
  const relay = createPicksRelay(sockets, { shareWithNodes: options.adapter !== undefined, overlayTokens: options.overlayTokens, log });
  const sessions = new SessionRegistry({
    session: options.session,
    graceMs: options.sessionGraceMs,
    framesPerSecond: limits.maxFramesPerSecond,
    frameBurst: limits.frameBurst,
    now,
    log,
    metrics,
    parts: {
      queue,
      picks: components.picks,
      frameSource: components.frameSource && checkedFrameSource(components.frameSource, egressPolicy, log.child({ part: 'egress' })),
      publish: (picks) => relay.publish(picks),
    },
    notify: noticeProducers(sockets.producers),
  });

  const budget: EventBudget = { perSecond: limits.eventBudgetPerSecond, burst: limits.eventBudgetBurst, now, metrics };
  serveProducers(sockets.producers, { tokens: options.streamTokens, sessions, limits, budget, metrics, egressPolicy, allowFileUrls: options.allowFileUrls, now, log });
  serveOverlays(sockets.overlays, {
    tokens: options.overlayTokens,
    accepting: () => sessions.accepting,
    stateOf: (streamId) => ({ streamId, picks: picksOf(streamId) ?? null, audio: components.audioPath !== undefined }),
    budget,
    metrics,
    log,
  });

  return {
    io: sockets.io,
    metrics,
    get sessions() {
      return sessions.sessions;
    },
    close: () => drain({ httpServer, sockets, sessions, queue, log }, options.closeGraceMs ?? DEFAULT_CLOSE_GRACE_MS),
  };
}

/** The HTTP routes' parts that come from the components and options as they are. */
function httpRouteDeps(components: Components, options: ApplicationOptions, metrics: StreamMetrics): Omit<HttpRouteDeps, 'latestPicks' | 'readiness'> {
  return {
    metrics,
    metricsToken: options.metricsToken,
    overlayTokens: options.overlayTokens,
    audioPath: components.audioPath,
    studio: components.studio,
    standIn: components.standIn === true,
    ...(components.dtypes ? { dtypes: components.dtypes } : {}),
  };
}

const DEFAULT_CLOSE_GRACE_MS = 5000;

interface DrainParts {
  readonly httpServer: HttpServer;
  readonly sockets: SocketServer;
  readonly sessions: SessionRegistry;
  readonly queue: EncodeQueue;
  readonly log: Logger;
}

/**
 * Stops taking connections and frames, finishes the frames already accepted, ends the sessions, then
 * closes; connections still open `graceMs` after that are ended, so a shutdown (or a restart) never
 * waits on a peer that does not hang up.
 */
async function drain({ httpServer, sockets, sessions, queue, log }: DrainParts, graceMs: number): Promise<void> {
  if (!sessions.accepting) return;
  sessions.stopAccepting();
  log.info({ sessions: sessions.size }, 'draining');
  // Frames already accepted are encoded and acknowledged before the sockets go.
  await queue.drain();
  await sessions.closeAll();
  await flushWrites(sockets, 1000);
  const lingering = setTimeout(() => {
    log.warn({ graceMs }, 'connections still open after the grace period: closing them');
    httpServer.closeAllConnections();
  }, graceMs);
  try {
    // Its callback, unlike its promise, waits for the HTTP server to close as well.
    await new Promise<void>((resolve, reject) => {
      sockets.io
        .close(() => {
          resolve();
        })
        .catch(reject);
    });
  } finally {
    clearTimeout(lingering);
  }
}
