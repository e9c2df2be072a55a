import type { Server as HttpServer } from 'node:http';
import { Server, type Namespace, type ServerOptions, type Socket } from 'socket.io';
import { CuecastError, InputError, isCuecastError, type ErrorCode } from '../core/errors.js';
import { logger, type Logger } from '../core/logger.js';
import type { FrameEncoder } from '../model/types.js';
import { EncodeQueue } from './encode-queue.js';
import { AddressPolicy } from '../core/net/address-policy.js';
import { checkIngestTarget, checkedFrameSource } from './egress.js';
import {
  OVERLAY_EVENTS,
  STREAM_EVENTS,
  roomOf,
  type Ack,
  type FramePayload,
  type FrameResult,
  type InterServerEvents,
  type OverlayClientToServerEvents,
  type OverlayServerToClientEvents,
  type OverlayState,
  type PicksPayload,
  type ProtocolError,
  type SessionSummary,
  type StreamClientToServerEvents,
  type StreamServerToClientEvents,
} from './events.js';
import { createHttpHandler, type HttpRouteDeps } from './http-routes.js';
import { checkImage } from './image-check.js';
import { parseIngestUrl, type FrameSource } from './ingest.js';
import { StreamMetrics } from './metrics.js';
import type { Studio } from './studio/index.js';
import { TokenBucket } from './rate-limiter.js';
import { eventCost, eventLabel } from './event-budget.js';
import { StreamSession, type PickSource, type SessionOptions } from './session.js';
import { DEFAULT_STREAM_SETTINGS } from './settings.js';
import { TokenTable, isStreamId } from './tokens.js';

/** The parts the server runs on; `cli/commands/serve.ts` wires the real ones, tests small real ones. */
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
  readonly now?: () => number;
  readonly metrics?: StreamMetrics;
}

/** The `stream` config section's defaults (`core/config.ts`), for callers that take no config. */
export const DEFAULT_LIMITS: ServerLimits = DEFAULT_STREAM_SETTINGS.limits;
export const DEFAULT_SESSION: SessionOptions = DEFAULT_STREAM_SETTINGS.session;

export interface Application {
  readonly io: Server;
  readonly metrics: StreamMetrics;
  /** Live sessions by stream id (on this node). */
  readonly sessions: ReadonlyMap<string, StreamSession>;
  /** Stops taking connections and frames, finishes the frames already accepted, then closes. */
  close(): Promise<void>;
}

type StreamSocket = Socket<StreamClientToServerEvents, StreamServerToClientEvents, InterServerEvents, SocketData>;
type OverlaySocket = Socket<OverlayClientToServerEvents, OverlayServerToClientEvents, InterServerEvents, SocketData>;
interface SocketData {
  streamId: string;
}

interface SessionEntry {
  readonly session: StreamSession;
  readonly producers: Set<string>;
  readonly frames: TokenBucket;
  grace: NodeJS.Timeout | undefined;
}

/** Only our own (typed) errors reach clients with their message; anything else is INTERNAL. */
function toProtocolError(error: unknown, log: Logger): ProtocolError {
  if (isCuecastError(error) && error.code !== 'INTERNAL') return { code: error.code, message: error.message };
  log.error({ err: error }, 'unexpected failure handling a stream event');
  return { code: 'INTERNAL', message: 'Internal error' };
}

const failure = (code: ErrorCode, message: string): { error: ProtocolError } => ({ error: { code, message } });

function authError(code: ErrorCode, message: string): Error & { data: ProtocolError } {
  return Object.assign(new Error(message), { data: { code, message } });
}

/**
 * The composition root of the stream server: socket.io namespaces, sessions, the shared encoder queue
 * and the HTTP routes, on the given HTTP server, from the given components.
 */
export function createApplication(httpServer: HttpServer, components: Components, options: ApplicationOptions): Application {
  const log = logger('stream-server');
  const now = options.now ?? Date.now;
  const metrics = options.metrics ?? new StreamMetrics();
  const { limits } = options;
  const sessions = new Map<string, SessionEntry>();
  const egressPolicy = new AddressPolicy(options.ingestAllowCidrs ?? []);
  const frameSource = components.frameSource && checkedFrameSource(components.frameSource, egressPolicy, log.child({ part: 'egress' }));
  const latest = new Map<string, PicksPayload>();
  let draining = false;

  const queue = new EncodeQueue(components.frameEncoder, {
    ...options.encode,
    onEncoded: (seconds) => metrics.encodeSeconds.observe(seconds),
  });

  // Our routes first: socket.io wraps the server's existing request listeners and passes on
  // everything outside /socket.io/.
  httpServer.on(
    'request',
    createHttpHandler({
      metrics,
      metricsToken: options.metricsToken,
      overlayTokens: options.overlayTokens,
      audioPath: components.audioPath,
      latestPicks: (streamId) => sessions.get(streamId)?.session.picks ?? latest.get(streamId),
      readiness: () => ({ accepting: !draining, ...components.readiness?.() }),
      studio: components.studio,
      standIn: components.standIn === true,
      ...(components.dtypes ? { dtypes: components.dtypes } : {}),
    }),
  );

  const io = new Server<Record<string, never>, Record<string, never>, InterServerEvents, SocketData>(httpServer, {
    // A little over the frame limit, so oversized frames get a MEDIA_TOO_LARGE answer; beyond this
    // socket.io closes the connection before buffering more.
    maxHttpBufferSize: limits.maxFrameBytes * 2 + 64 * 1024,
    serveClient: true,
    ...(options.adapter ? { adapter: options.adapter } : {}),
    ...(options.corsOrigins ? { cors: { origin: [...options.corsOrigins] } } : {}),
  });

  const streams = io.of('/stream') as unknown as Namespace<StreamClientToServerEvents, StreamServerToClientEvents, InterServerEvents, SocketData>;
  const overlays = io.of('/overlay') as unknown as Namespace<OverlayClientToServerEvents, OverlayServerToClientEvents, InterServerEvents, SocketData>;

  const authenticate = (table: TokenTable) => (socket: { handshake: { auth: Record<string, unknown> }; data: Partial<SocketData> }, next: (err?: Error) => void) => {
    if (draining) return next(authError('SHUTTING_DOWN', 'The server is shutting down'));
    const { streamId, token } = socket.handshake.auth;
    if (!isStreamId(streamId) || typeof token !== 'string' || !table.verify(streamId, token)) {
      return next(authError('UNAUTHORIZED', 'A valid stream id and token are required'));
    }
    socket.data.streamId = streamId;
    next();
  };
  // Only the two namespaces serve anything; the main one is closed (unknown ones socket.io refuses itself).
  io.use((_socket, next) => next(authError('NOT_FOUND', 'Connect to the /stream or /overlay namespace')));
  streams.use(authenticate(options.streamTokens));
  streams.use((socket, next) => {
    const producers = sessions.get(socket.data.streamId!)?.producers.size ?? 0;
    if (producers >= limits.maxProducersPerStream) {
      return next(authError('RATE_LIMITED', `Stream ${socket.data.streamId} already has ${producers} producer connections (the limit)`));
    }
    next();
  });
  overlays.use(authenticate(options.overlayTokens));

  // Picks computed on another node: remember them so this node can answer `state` and audio requests.
  io.on('picks', (picks: PicksPayload) => {
    if (!isStreamId(picks?.streamId) || !options.overlayTokens.has(picks.streamId) || !Number.isInteger(picks.seq)) return;
    const known = latest.get(picks.streamId);
    if (!known || known.seq < picks.seq || known.at < picks.at) latest.set(picks.streamId, picks);
  });

  function publish(picks: PicksPayload): void {
    latest.set(picks.streamId, picks);
    overlays.to(roomOf(picks.streamId)).emit('picks', picks);
    streams.to(roomOf(picks.streamId)).emit('picks', picks);
    if (options.adapter) {
      try {
        io.serverSideEmit('picks', picks);
      } catch (error) {
        log.warn({ err: error }, 'could not share picks with other nodes');
      }
    }
  }

  function sessionFor(streamId: string): SessionEntry {
    // While draining, nothing may start a session that close() would not see.
    if (draining) throw new CuecastError('SHUTTING_DOWN', 'The server is shutting down');
    let entry = sessions.get(streamId);
    if (!entry) {
      const session = new StreamSession(streamId, options.session, {
        queue,
        picks: components.picks,
        metrics,
        frameSource,
        log: log.child({ streamId }),
        now,
        publish,
        notify: (event, payload) => {
          if (event === 'ingest') streams.to(roomOf(streamId)).emit('ingest', payload as never);
          else streams.to(roomOf(streamId)).emit('problem', { event: 'picks', error: payload as ProtocolError });
        },
      });
      entry = { session, producers: new Set(), frames: new TokenBucket(limits.maxFramesPerSecond, limits.frameBurst, now), grace: undefined };
      sessions.set(streamId, entry);
      metrics.sessions.set(sessions.size);
    }
    clearTimeout(entry.grace);
    entry.grace = undefined;
    return entry;
  }

  async function endSession(streamId: string): Promise<void> {
    const entry = sessions.get(streamId);
    if (!entry) return;
    sessions.delete(streamId);
    metrics.sessions.set(sessions.size);
    clearTimeout(entry.grace);
    await entry.session.close();
  }

  /** Registers an acknowledged handler: payload errors and failures become `{ error }` for this client only. */
  function handle<A extends unknown[], T>(socket: StreamSocket | OverlaySocket, event: string, arity: number, run: (...args: A) => Promise<T> | T): void {
    const raw = socket as unknown as Socket;
    raw.on(event, (...args: unknown[]) => {
      const ack = args.at(-1);
      if (typeof ack !== 'function' || args.length !== arity + 1) {
        if (typeof ack === 'function') (ack as (r: Ack<T>) => void)(failure('INPUT_INVALID', `"${event}" takes ${arity} argument(s) and an acknowledgement`));
        else raw.emit('problem', { event, error: { code: 'INPUT_INVALID', message: `"${event}" must be sent with an acknowledgement` } });
        return;
      }
      const reply = ack as (r: Ack<T>) => void;
      Promise.resolve()
        .then(() => run(...(args.slice(0, arity) as A)))
        .then(
          (data) => reply({ data }),
          (error: unknown) => reply({ error: toProtocolError(error, log) }),
        );
    });
  }

  /**
   * Every event a client sends is paid for from its connection's budget before anything looks at it
   * (a refinement costs more than a frame, see EVENT_COSTS); past the budget it is answered RATE_LIMITED.
   */
  function chargeEvents(socket: Socket): void {
    const budget = new TokenBucket(limits.eventBudgetPerSecond, limits.eventBudgetBurst, now);
    socket.use((packet, next) => {
      const event = String(packet[0]);
      const cost = eventCost(event);
      if (budget.take(cost)) return next();
      metrics.eventsRefused.inc({ event: eventLabel(event) });
      const error: ProtocolError = {
        code: 'RATE_LIMITED',
        message: `This connection is over its event budget (${limits.eventBudgetPerSecond} units/s, "${event.slice(0, 64)}" costs ${cost}); slow down`,
      };
      const ack = packet.at(-1);
      if (typeof ack === 'function') (ack as (r: Ack<never>) => void)({ error });
      // Without an acknowledgement the event is dropped silently: answering every one would let a flood cost us writes.
    });
  }

  function refuseUnknownEvents(socket: Socket, known: readonly string[]): void {
    socket.onAny((event: string, ...args: unknown[]) => {
      if (known.includes(event)) return;
      const error: ProtocolError = { code: 'INPUT_INVALID', message: `Unknown event "${String(event).slice(0, 64)}"; expected one of: ${known.join(', ')}` };
      const ack = args.at(-1);
      if (typeof ack === 'function') (ack as (r: Ack<never>) => void)({ error });
      else socket.emit('problem', { event: String(event).slice(0, 64), error });
    });
  }

  function checkText(text: unknown, what: string): string {
    if (typeof text !== 'string') throw new InputError('INPUT_INVALID', `The ${what} must be a string`);
    if (text.length > limits.maxPromptChars) {
      throw new InputError('PROMPT_TOO_LONG', `The ${what} is ${text.length} characters; the limit is ${limits.maxPromptChars}`);
    }
    return text;
  }

  function checkFrame(payload: unknown): { bytes: Uint8Array; capturedAt: number } {
    const frame = payload as Partial<FramePayload> | null;
    if (typeof frame !== 'object' || frame === null) throw new InputError('INPUT_INVALID', 'A frame is { image: <bytes>, capturedAt: <ms> }');
    const image = frame.image;
    const bytes = image instanceof Uint8Array ? image : image instanceof ArrayBuffer ? new Uint8Array(image) : undefined;
    if (!bytes) throw new InputError('INPUT_INVALID', 'The frame image must be binary (JPEG, PNG or WebP bytes)');
    const capturedAt = frame.capturedAt;
    if (typeof capturedAt !== 'number' || !Number.isFinite(capturedAt)) throw new InputError('INPUT_INVALID', 'capturedAt must be a time in ms since the epoch');
    if (Math.abs(capturedAt - now()) > limits.maxClockSkewMs) {
      throw new InputError('INPUT_INVALID', `capturedAt is more than ${Math.round(limits.maxClockSkewMs / 1000)} s from the server clock`);
    }
    return { bytes, capturedAt };
  }

  streams.on('connection', (socket: StreamSocket) => {
    const { streamId } = socket.data;
    if (draining) {
      socket.disconnect(true);
      return;
    }
    const entry = sessionFor(streamId);
    entry.producers.add(socket.id);
    void socket.join(roomOf(streamId));
    chargeEvents(socket as unknown as Socket);
    refuseUnknownEvents(socket as unknown as Socket, STREAM_EVENTS);

    handle(socket, 'frame', 1, async (payload: unknown): Promise<FrameResult> => {
      metrics.framesIn.inc({ source: 'socket' });
      const current = sessionFor(streamId);
      if (!current.frames.take()) {
        metrics.dropped('rate_limited');
        throw new CuecastError('RATE_LIMITED', `More than ${limits.maxFramesPerSecond} frames per second; slow down`);
      }
      let frame: { bytes: Uint8Array; capturedAt: number };
      try {
        frame = checkFrame(payload);
        checkImage(frame.bytes, { maxBytes: limits.maxFrameBytes, maxPixels: limits.maxFramePixels });
      } catch (error) {
        metrics.dropped('invalid');
        throw error;
      }
      return current.session.addFrame({ encoded: frame.bytes }, frame.capturedAt);
    });
    handle(socket, 'prompt', 1, (text: unknown): SessionSummary => sessionFor(streamId).session.setPrompt(checkText(text, 'prompt')));
    handle(socket, 'refine', 1, (text: unknown): SessionSummary => sessionFor(streamId).session.refine(checkText(text, 'refinement')));
    handle(socket, 'ingest', 1, async (url: unknown): Promise<SessionSummary> => {
      const parsed = url === null ? null : parseIngestUrl(url, options.allowFileUrls);
      if (parsed) await checkIngestTarget(parsed, egressPolicy);
      return sessionFor(streamId).session.setIngest(parsed);
    });

    socket.on('disconnect', () => {
      const current = sessions.get(streamId);
      if (!current) return;
      current.producers.delete(socket.id);
      if (current.producers.size === 0 && !draining) {
        current.grace = setTimeout(() => void endSession(streamId), options.sessionGraceMs);
        current.grace.unref?.();
      }
    });
  });

  function overlayState(streamId: string): OverlayState {
    return { streamId, picks: sessions.get(streamId)?.session.picks ?? latest.get(streamId) ?? null, audio: components.audioPath !== undefined };
  }

  overlays.on('connection', (socket: OverlaySocket) => {
    const { streamId } = socket.data;
    void socket.join(roomOf(streamId));
    metrics.overlays.inc();
    chargeEvents(socket as unknown as Socket);
    refuseUnknownEvents(socket as unknown as Socket, OVERLAY_EVENTS);
    handle(socket, 'state', 0, () => overlayState(streamId));
    socket.emit('state', overlayState(streamId));
    socket.on('disconnect', () => metrics.overlays.dec());
  });

  async function close(): Promise<void> {
    if (draining) return;
    draining = true;
    log.info({ sessions: sessions.size }, 'draining');
    // Frames already accepted are encoded and acknowledged before the sockets go.
    await queue.drain();
    await Promise.all([...sessions.keys()].map((id) => endSession(id)));
    // io.close() discards what a connection has not written yet (the last acks, picks), so wait (1 s
    // at most) until no connection is mid-write. Not disconnecting them: clients reconnect to the
    // next server only after a transport close.
    const flushedBy = Date.now() + 1000;
    const writing = () => [...streams.sockets.values(), ...overlays.sockets.values()].some((socket) => !socket.conn.transport.writable);
    while (writing() && Date.now() < flushedBy) await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise<void>((resolve) => {
      io.close(() => resolve());
    });
  }

  const view = new Map<string, StreamSession>();
  return {
    io: io as unknown as Server,
    metrics,
    get sessions() {
      view.clear();
      for (const [id, entry] of sessions) view.set(id, entry.session);
      return view;
    },
    close,
  };
}
