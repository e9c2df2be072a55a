import { request as httpRequest, createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { AddressPolicy } from '../core/net/address-policy.js';
import { resolveAllowed, type Lookup } from '../core/net/resolve.js';
import { CuecastError, toCuecastError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { redactUrl } from '../core/redact.js';

/**
 * A forward proxy on 127.0.0.1 that ffmpeg is told to use (`-http_proxy`) for one ingest. ffmpeg
 * resolves names, follows redirects and fetches HLS segments and keys by itself; through this proxy
 * every one of those requests (plain `GET http://...` or `CONNECT host:443` for https) is resolved
 * here, checked against the address policy and sent to the checked address, so no hop reaches a
 * refused address and DNS cannot answer differently between the check and the connection.
 */
export interface EgressProxy {
  /** `http://127.0.0.1:<port>` for ffmpeg's `-http_proxy`. */
  readonly url: string;
  /** The first request refused by the policy, if any: the reason the ingest failed. */
  readonly refused: CuecastError | undefined;
  /** An origin answered a Range request with the whole body (200, no `Accept-Ranges: bytes`): it cannot seek. */
  readonly rangeless: boolean;
  close(): Promise<void>;
}

export interface EgressProxyOptions {
  readonly policy: AddressPolicy;
  readonly log: Logger;
  readonly lookup?: Lookup;
  /** Connecting to an origin may take this long. */
  readonly connectTimeoutMs?: number;
}

const HOP_BY_HOP = new Set(['proxy-authorization', 'proxy-connection', 'connection', 'keep-alive', 'te', 'trailer', 'upgrade']);

export async function startEgressProxy(options: EgressProxyOptions): Promise<EgressProxy> {
  const proxy = new ProxyState(options);
  const server = createServer((request, response) => void forward(proxy, request, response));
  server.on('connect', (request: IncomingMessage, client: Duplex, head: Buffer) => void tunnel(proxy, request, client, head));
  server.on('connection', (socket: Socket) => {
    proxy.track(socket);
  });
  const port = await listenOnLoopback(server);
  return {
    url: `http://127.0.0.1:${port}`,
    get refused() {
      return proxy.refused;
    },
    get rangeless() {
      return proxy.rangeless;
    },
    close: () =>
      new Promise<void>((resolve) => {
        proxy.destroySockets();
        server.close(() => {
          resolve();
        });
      }),
  };
}

/** What one proxy's requests share: its open sockets, the address check, and what it saw. */
class ProxyState {
  readonly connectTimeoutMs: number;
  readonly log: Logger;
  refused: CuecastError | undefined;
  rangeless = false;
  private readonly sockets = new Set<Duplex>();

  constructor(private readonly options: EgressProxyOptions) {
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.log = options.log;
  }

  /** Keeps a socket until it closes, so close() can end it. */
  track(socket: Duplex): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
  }

  destroySockets(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  /** The address to connect to for `host`, when the policy allows it; the first refusal is remembered. */
  async check(host: string): Promise<string> {
    try {
      const [address] = await resolveAllowed(host, this.options.policy, this.options.lookup);
      return address!;
    } catch (error) {
      const failure = toCuecastError(error);
      if (failure.code === 'URL_FORBIDDEN') {
        this.refused ??= failure;
        this.log.warn({ host, code: failure.code, reason: failure.message }, 'ingest request refused by the address policy');
      }
      throw failure;
    }
  }
}

/** A plain `GET http://host/path` through the proxy: checked, then sent to the checked address. */
async function forward(proxy: ProxyState, request: IncomingMessage, response: ServerResponse): Promise<void> {
  let target: URL;
  let address: string;
  try {
    target = new URL(request.url ?? '');
    if (target.protocol !== 'http:') throw new CuecastError('INPUT_INVALID', 'only http:// is proxied in the clear');
    address = await proxy.check(target.hostname);
  } catch (error) {
    refuse(response, error);
    return;
  }
  const headers = Object.fromEntries(Object.entries(request.headers).filter(([name]) => !HOP_BY_HOP.has(name)));
  const upstream = httpRequest(
    {
      host: address,
      port: target.port || 80,
      path: `${target.pathname}${target.search}`,
      method: request.method,
      headers: { ...headers, host: target.host },
      timeout: proxy.connectTimeoutMs,
      agent: false,
    },
    (answer) => {
      if (request.headers.range && answer.statusCode === 200 && !/bytes/i.test(answer.headers['accept-ranges'] ?? '')) proxy.rangeless = true;
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    },
  );
  upstream.on('socket', (socket) => {
    proxy.track(socket);
  });
  // ffmpeg gave up on this request (or was stopped): so does the proxy.
  response.on('close', () => upstream.destroy());
  upstream.on('timeout', () => upstream.destroy(new Error('timeout')));
  upstream.on('error', (error) => {
    proxy.log.info({ url: redactUrl(target), err: error.message }, 'ingest request failed upstream');
    if (!response.headersSent) refuse(response, error);
    else response.destroy();
  });
  request.pipe(upstream);
}

function refuse(response: ServerResponse, error: unknown): void {
  const failure = toCuecastError(error);
  if (!response.headersSent) response.writeHead(failure.code === 'URL_FORBIDDEN' ? 403 : 502, { 'content-type': 'text/plain' });
  response.end(failure.code === 'URL_FORBIDDEN' ? 'refused by the address policy' : 'upstream unreachable');
}

/** `CONNECT host:443` (https): checked, then the client's bytes are piped to the checked address. */
async function tunnel(proxy: ProxyState, request: IncomingMessage, client: Duplex, head: Buffer): Promise<void> {
  proxy.track(client);
  client.on('error', () => {});
  let host: string;
  let port: number;
  try {
    const target = new URL(`https://${request.url ?? ''}`);
    host = target.hostname;
    port = Number(target.port || 443);
  } catch {
    client.end('HTTP/1.1 400 Bad Request\r\n\r\n');
    return;
  }
  let address: string;
  try {
    address = await proxy.check(host);
  } catch (error) {
    client.end(toCuecastError(error).code === 'URL_FORBIDDEN' ? 'HTTP/1.1 403 Forbidden\r\n\r\n' : 'HTTP/1.1 502 Bad Gateway\r\n\r\n');
    return;
  }
  const upstream: Socket = connect({ host: address, port, timeout: proxy.connectTimeoutMs });
  proxy.track(upstream);
  upstream.once('connect', () => {
    upstream.setTimeout(0);
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length > 0) upstream.write(head);
    upstream.pipe(client);
    client.pipe(upstream);
  });
  upstream.on('timeout', () => upstream.destroy());
  upstream.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'));
  client.on('close', () => upstream.destroy());
}

async function listenOnLoopback(server: Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the egress proxy is not listening on a TCP port');
  return address.port;
}
