import type { Server as HttpServer } from 'node:http';
import { Server, type DefaultEventsMap, type Namespace, type ServerOptions, type Socket } from 'socket.io';
import type { ErrorCode } from '../../core/errors.js';
import {
  OVERLAY_NAMESPACE,
  STREAM_NAMESPACE,
  type InterServerEvents,
  type OverlayClientToServerEvents,
  type OverlayServerToClientEvents,
  type ProtocolError,
  type StreamClientToServerEvents,
  type StreamServerToClientEvents,
} from '../events.js';
import { isStreamId, type TokenTable } from '../tokens.js';

/** What a connection carries once its handshake is verified. */
export interface SocketData {
  streamId: string;
}

/**
 * The socket.io server. Its main namespace serves nothing (every connection there is refused), so it
 * has no event map of its own; each namespace below declares its own, as socket.io's typing intends.
 */
export type RootServer = Server<DefaultEventsMap, DefaultEventsMap, InterServerEvents, SocketData>;
/** `/stream`: producers (capture pages, OBS scripts) send frames, prompts, refinements and ingest URLs. */
export type ProducerNamespace = Namespace<StreamClientToServerEvents, StreamServerToClientEvents, InterServerEvents, SocketData>;
export type ProducerSocket = Socket<StreamClientToServerEvents, StreamServerToClientEvents, InterServerEvents, SocketData>;
/** `/overlay`: read-only viewers of a stream's picks. */
export type OverlayNamespace = Namespace<OverlayClientToServerEvents, OverlayServerToClientEvents, InterServerEvents, SocketData>;
export type OverlaySocket = Socket<OverlayClientToServerEvents, OverlayServerToClientEvents, InterServerEvents, SocketData>;

export interface SocketServer {
  readonly io: RootServer;
  readonly producers: ProducerNamespace;
  readonly overlays: OverlayNamespace;
}

export interface SocketServerOptions {
  readonly maxFrameBytes: number;
  /** Shares rooms and server-side events with other nodes (the Redis streams adapter). */
  readonly adapter?: ServerOptions['adapter'] | undefined;
  readonly corsOrigins?: readonly string[] | undefined;
}

/** The socket.io server on `httpServer` with its two namespaces; the main namespace refuses every connection. */
export function createSocketServer(httpServer: HttpServer, options: SocketServerOptions): SocketServer {
  const io: RootServer = new Server(httpServer, {
    // A little over the frame limit, so oversized frames get a MEDIA_TOO_LARGE answer; beyond this
    // socket.io closes the connection before buffering more.
    maxHttpBufferSize: options.maxFrameBytes * 2 + 64 * 1024,
    serveClient: true,
    ...(options.adapter ? { adapter: options.adapter } : {}),
    ...(options.corsOrigins ? { cors: { origin: [...options.corsOrigins] } } : {}),
  });
  const producers: ProducerNamespace = io.of(STREAM_NAMESPACE);
  const overlays: OverlayNamespace = io.of(OVERLAY_NAMESPACE);
  // Only the two namespaces serve anything (unknown ones socket.io refuses itself).
  io.use((_socket, next) => {
    next(handshakeError('NOT_FOUND', `Connect to the ${STREAM_NAMESPACE} or ${OVERLAY_NAMESPACE} namespace`));
  });
  return { io, producers, overlays };
}

/** A refused handshake: the client's `connect_error` carries `data: { code, message }`. */
export function handshakeError(code: ErrorCode, message: string): Error & { data: ProtocolError } {
  return Object.assign(new Error(message), { data: { code, message } });
}

interface Handshake {
  readonly handshake: { readonly auth: Readonly<Record<string, unknown>> };
  readonly data: Partial<SocketData>;
}

/** Handshake middleware: a stream id and its token from `table` (`auth: { streamId, token }`), while the server accepts connections. */
export function authenticate(table: TokenTable, accepting: () => boolean) {
  return (socket: Handshake, next: (err?: Error) => void): void => {
    if (!accepting()) {
      next(handshakeError('SHUTTING_DOWN', 'The server is shutting down'));
      return;
    }
    const { streamId, token } = socket.handshake.auth;
    if (!isStreamId(streamId) || typeof token !== 'string' || !table.verify(streamId, token)) {
      next(handshakeError('UNAUTHORIZED', 'A valid stream id and token are required'));
      return;
    }
    socket.data.streamId = streamId;
    next();
  };
}

/**
 * Waits (at most `withinMs`) until no connection is mid-write: io.close() discards what a connection
 * has not written yet (the last acks, picks). Not disconnecting them: clients reconnect to the next
 * server only after a transport close.
 */
export async function flushWrites(server: SocketServer, withinMs: number): Promise<void> {
  const flushedBy = Date.now() + withinMs;
  const writing = () => [...server.producers.sockets.values(), ...server.overlays.sockets.values()].some((socket) => !socket.conn.transport.writable);
  while (writing() && Date.now() < flushedBy) await new Promise((resolve) => setTimeout(resolve, 10));
}
