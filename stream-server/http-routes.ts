import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { sendTrackAudio } from './audio-route.js';
import type { PicksPayload } from './events.js';
import type { StreamMetrics } from './metrics.js';
import type { Studio } from './studio/index.js';
import type { TokenTable } from './tokens.js';

// Beside this module when running from source; from dist/stream-server/ the pages stay in the
// package's stream-server/pages/ (they are plain browser JavaScript, not compiled).
const PAGES_DIR =
  [new URL('./pages/', import.meta.url), new URL('../../stream-server/pages/', import.meta.url)].map((url) => fileURLToPath(url)).find((dir) => existsSync(join(dir, 'overlay.html'))) ??
  fileURLToPath(new URL('./pages/', import.meta.url));

/** The static files the server hands out, by URL path. Nothing else under pages/ is reachable. */
interface Page {
  readonly file: string;
  readonly type: string;
  readonly csp?: string;
}

const PAGES: Readonly<Record<string, Page>> = {
  // An OBS browser source or a dashboard may frame the overlay; nothing may frame the capture page (it holds a token and a camera).
  '/overlay': { file: 'overlay.html', type: 'text/html; charset=utf-8', csp: pagePolicy('*') },
  '/capture': { file: 'capture.html', type: 'text/html; charset=utf-8', csp: pagePolicy("'none'") },
  '/pages/overlay.js': { file: 'overlay.js', type: 'text/javascript; charset=utf-8' },
  '/pages/capture.js': { file: 'capture.js', type: 'text/javascript; charset=utf-8' },
  '/pages/overlay.css': { file: 'overlay.css', type: 'text/css; charset=utf-8' },
  '/pages/capture.css': { file: 'capture.css', type: 'text/css; charset=utf-8' },
};

/**
 * The pages load only their own scripts, styles and the socket.io client from this origin, talk only to
 * this origin (socket.io's websocket included), and play audio only from /audio. No inline script.
 */
function pagePolicy(frameAncestors: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "connect-src 'self'",
    "media-src 'self'",
    "img-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    `frame-ancestors ${frameAncestors}`,
  ].join('; ');
}

/** On every response: no MIME sniffing, no referrer (page URLs carry tokens). */
const COMMON_HEADERS = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' } as const;

export interface HttpRouteDeps {
  /** When set, /metrics answers only `Authorization: Bearer <token>`. */
  readonly metricsToken?: string | undefined;
  readonly metrics: StreamMetrics;
  readonly overlayTokens: TokenTable;
  /** Readiness checks by name (models loaded, catalog open, not draining). */
  readonly readiness: () => Readonly<Record<string, boolean>>;
  /** Served on /readyz as `standIn` (the overlay shows a badge when true). */
  readonly standIn?: boolean;
  /** Served on /readyz as `dtypes`: each encoder's dtype and why (model/dtype-choice.ts). */
  readonly dtypes?: Readonly<Record<string, { readonly dtype: string; readonly how: string; readonly reason: string }>>;
  /** Absolute path of a track's audio, when the catalog has one. */
  readonly audioPath: ((trackId: string) => string | undefined) | undefined;
  /** The latest picks of a stream, on this node or received from another. */
  readonly latestPicks: (streamId: string) => PicksPayload | undefined;
  /** The studio's routes (everything under /studio), when serve mounts it. */
  readonly studio?: Studio | undefined;
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { ...COMMON_HEADERS, 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
}

const problem = (code: string, message: string) => ({ error: { code, message } });

/** Everything on the HTTP side that is not socket.io: health, readiness, metrics, pages, audio. */
export function createHttpHandler(deps: HttpRouteDeps): (request: IncomingMessage, response: ServerResponse) => void {
  const pageCache = new Map<string, Buffer>();

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (deps.studio?.handles(url.pathname)) {
      deps.studio.handle(request, response);
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      json(response, 405, problem('INPUT_INVALID', 'Only GET and HEAD are served here'));
      return;
    }
    if (url.pathname === '/healthz') {
      json(response, 200, { status: 'ok' });
      return;
    }
    if (url.pathname === '/readyz') {
      sendReadiness(response, deps);
      return;
    }
    if (url.pathname === '/metrics') {
      await sendMetrics(request, response, deps);
      return;
    }
    const page = PAGES[url.pathname];
    if (page) {
      await sendPage(request, response, page, pageCache);
      return;
    }
    const audio = /^\/audio\/([^/]{1,200})$/.exec(url.pathname);
    if (audio) {
      await sendAudio(request, response, audio[1]!, url, deps);
      return;
    }
    json(response, 404, problem('NOT_FOUND', `Nothing at ${url.pathname}`));
  }

  return (request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) json(response, 500, problem('INTERNAL', 'Internal error'));
      else response.destroy();
    });
  };
}

function sendReadiness(response: ServerResponse, deps: HttpRouteDeps): void {
  const checks = deps.readiness();
  const ready = Object.values(checks).every(Boolean);
  json(response, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', checks, standIn: deps.standIn === true, ...(deps.dtypes ? { dtypes: deps.dtypes } : {}) });
}

async function sendMetrics(request: IncomingMessage, response: ServerResponse, deps: HttpRouteDeps): Promise<void> {
  if (deps.metricsToken !== undefined && !sameSecret(/^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '', deps.metricsToken)) {
    json(response, 401, problem('UNAUTHORIZED', 'The metrics token is required (Authorization: Bearer <token>)'));
    return;
  }
  const body = await deps.metrics.registry.metrics();
  response.writeHead(200, { ...COMMON_HEADERS, 'content-type': deps.metrics.registry.contentType, 'cache-control': 'no-store' }).end(body);
}

async function sendPage(request: IncomingMessage, response: ServerResponse, page: Page, cache: Map<string, Buffer>): Promise<void> {
  let body = cache.get(page.file);
  if (!body) {
    body = await readFile(join(PAGES_DIR, page.file));
    cache.set(page.file, body);
  }
  response
    .writeHead(200, { ...COMMON_HEADERS, 'content-type': page.type, 'cache-control': 'no-cache', ...(page.csp ? { 'content-security-policy': page.csp } : {}) })
    .end(request.method === 'HEAD' ? undefined : body);
}

/** `/audio/<track id>`: a track among the stream's current picks, behind that stream's overlay token. */
async function sendAudio(request: IncomingMessage, response: ServerResponse, encodedTrackId: string, url: URL, deps: HttpRouteDeps): Promise<void> {
  let trackId: string;
  try {
    trackId = decodeURIComponent(encodedTrackId);
  } catch {
    json(response, 404, problem('NOT_FOUND', 'Malformed track id'));
    return;
  }
  const streamId = url.searchParams.get('stream') ?? '';
  const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
  const token = bearer ?? url.searchParams.get('token') ?? '';
  if (!deps.overlayTokens.verify(streamId, token)) {
    json(response, 401, problem('UNAUTHORIZED', 'A valid overlay token for the stream is required'));
    return;
  }
  // An overlay token opens the stream's current picks, not the whole catalog.
  const picks = deps.latestPicks(streamId);
  const path = picks?.tracks.some((track) => track.id === trackId) ? deps.audioPath?.(trackId) : undefined;
  if (!path) {
    json(response, 404, problem('NOT_FOUND', "That track is not among the stream's current picks"));
    return;
  }
  await sendTrackAudio(request, response, path, {}, (missing) => {
    json(missing, 404, problem('NOT_FOUND', 'The track audio is missing'));
  });
}

const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest();
/** Constant-time comparison of a presented secret with the configured one. */
const sameSecret = (presented: string, expected: string): boolean => timingSafeEqual(sha256(presented), sha256(expected));
