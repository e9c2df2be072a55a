import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { io as connect, type Socket } from 'socket.io-client';
import { createApplication, DEFAULT_LIMITS, DEFAULT_SESSION, type Application, type ApplicationOptions, type Components } from '../../../stream-server/app.js';
import type { Ack, OverlayClientToServerEvents, OverlayServerToClientEvents, StreamClientToServerEvents, StreamServerToClientEvents } from '../../../stream-server/events.js';
import { TokenTable } from '../../../stream-server/tokens.js';
import { CatalogPickSource } from './catalog-picks.js';
import { ColorFrameEncoder } from './color-encoder.js';

export const STREAM_ID = 'alpha';
export const STREAM_TOKEN = 'alpha-producer-token';
export const OVERLAY_TOKEN = 'alpha-overlay-token';
export const OTHER_STREAM_ID = 'beta';
export const OTHER_STREAM_TOKEN = 'beta-producer-token';
export const OTHER_OVERLAY_TOKEN = 'beta-overlay-token';

export type ProducerSocket = Socket<StreamServerToClientEvents, StreamClientToServerEvents>;
export type OverlaySocket = Socket<OverlayServerToClientEvents, OverlayClientToServerEvents>;

export interface TestServer {
  readonly url: string;
  readonly port: number;
  readonly app: Application;
  readonly http: HttpServer;
  readonly encoder: ColorFrameEncoder;
  readonly picks: CatalogPickSource;
  close(): Promise<void>;
}

export type TestOptions = Partial<Omit<ApplicationOptions, 'session' | 'limits'>> & {
  session?: Partial<ApplicationOptions['session']>;
  limits?: Partial<ApplicationOptions['limits']>;
  port?: number;
};

/** Fast cadences and small limits so a test sees picks within a few hundred ms. */
export function testOptions(overrides: TestOptions = {}): ApplicationOptions {
  const { session, limits, port: _port, ...rest } = overrides;
  return {
    streamTokens: new TokenTable([
      [STREAM_ID, STREAM_TOKEN],
      [OTHER_STREAM_ID, OTHER_STREAM_TOKEN],
    ]),
    overlayTokens: new TokenTable([
      [STREAM_ID, OVERLAY_TOKEN],
      [OTHER_STREAM_ID, OTHER_OVERLAY_TOKEN],
    ]),
    limits: { ...DEFAULT_LIMITS, maxFrameBytes: 256 * 1024, maxFramesPerSecond: 50, frameBurst: 50, eventBudgetPerSecond: 1000, eventBudgetBurst: 1000, ...limits },
    session: {
      ...DEFAULT_SESSION,
      updateIntervalMs: 100,
      hysteresis: { margin: 0.05, confirmUpdates: 2, historySize: 4 },
      ...session,
    },
    encode: { maxInFlight: 8, timeoutMs: 5000 },
    sessionGraceMs: 200,
    allowFileUrls: true,
    ...rest,
  };
}

/** A real HTTP + socket.io server on a free port (or the given one) with the small test components. */
export async function startTestServer(overrides: TestOptions = {}, components: Partial<Components> = {}): Promise<TestServer> {
  const encoder = new ColorFrameEncoder();
  const picks = new CatalogPickSource();
  const http = createServer();
  const app = createApplication(http, { frameEncoder: encoder, picks, ...components }, testOptions(overrides));
  await new Promise<void>((resolve) => http.listen(overrides.port ?? 0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    app,
    http,
    encoder: (components.frameEncoder as ColorFrameEncoder | undefined) ?? encoder,
    picks: (components.picks as CatalogPickSource | undefined) ?? picks,
    close: () => app.close(),
  };
}

const sockets: Socket[] = [];

/** Closes every client the helpers opened (call in afterEach). */
export function closeClients(): void {
  for (const socket of sockets.splice(0)) socket.disconnect();
}

export function producer(url: string, auth: Record<string, unknown> = { streamId: STREAM_ID, token: STREAM_TOKEN }): ProducerSocket {
  const socket: ProducerSocket = connect(`${url}/stream`, { auth, transports: ['websocket'], reconnection: false, forceNew: true });
  sockets.push(socket);
  return socket;
}

export function overlay(url: string, auth: Record<string, unknown> = { streamId: STREAM_ID, token: OVERLAY_TOKEN }, reconnection = false): OverlaySocket {
  const socket: OverlaySocket = connect(`${url}/overlay`, { auth, transports: ['websocket'], reconnection, reconnectionDelay: 100, reconnectionDelayMax: 200, forceNew: true });
  sockets.push(socket);
  return socket;
}

type Listener = (...args: unknown[]) => void;
interface Emitter {
  once(event: string, listener: Listener): unknown;
  off(event: string, listener?: Listener): unknown;
}

/** Resolves with the first argument of `event`, or rejects after `timeoutMs`. */
export function waitFor<T = unknown>(socket: Socket | ProducerSocket | OverlaySocket | Emitter, event: string, timeoutMs = 5000): Promise<T> {
  const emitter = socket as unknown as Emitter;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for "${event}"`));
    }, timeoutMs);
    function listener(...args: unknown[]) {
      clearTimeout(timer);
      resolve(args[0] as T);
    }
    emitter.once(event, listener);
  });
}

/** Resolves once `predicate` holds (polled), or rejects after `timeoutMs`. */
export async function waitUntil(predicate: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Emits with an acknowledgement and a deadline; the ack's `{ data } | { error }` is returned as is. */
export function request<T>(socket: Socket | ProducerSocket | OverlaySocket, event: string, ...args: unknown[]): Promise<Ack<T>> {
  return (socket as Socket).timeout(5000).emitWithAck(event, ...args) as Promise<Ack<T>>;
}

export function errorCode(ack: Ack<unknown>): string | undefined {
  return 'error' in ack ? ack.error.code : undefined;
}
