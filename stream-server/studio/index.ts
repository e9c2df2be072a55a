import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { logger } from '../../core/logger.js';
import type { FrameEncoder } from '../../model/types.js';
import { StudioApi, type StudioParts } from './api.js';
import { ClipStore, type ClipAnalysis } from './clips.js';
import { Exporter } from './exports.js';
import { StudioFlow } from './flow.js';
import { SECURITY_HEADERS, sendFailure, sendProblem } from './http.js';
import { StudioPages } from './pages.js';
import type { StudioCatalog, StudioConversationStore, StudioRecommender } from './types.js';
import { UploadStore } from './uploads.js';
import { WaveformCache } from './waveforms.js';

export type { StudioCatalog, StudioConversation, StudioConversationStore, StudioRecommender, NewStudioConversation, StudioSnapshot, StudioTrack } from './types.js';

export interface StudioLimits {
  /** Largest clip in bytes and longest in seconds: the bot's attachment limits. */
  readonly maxClipBytes: number;
  readonly maxClipSeconds: number;
  /** Longest prompt or refinement. */
  readonly maxTextChars: number;
  readonly chunkBytes: number;
  readonly maxActiveUploads: number;
}

export interface StudioOptions {
  /** The studio token (`?token=` on the page, `Authorization: Bearer` or `?token=` on the API). */
  readonly token: string;
  /** Where clips, uploads and waveforms are kept (`<dataDir>/studio`). */
  readonly dir: string;
  readonly limits: StudioLimits;
  readonly analysis: Omit<ClipAnalysis, 'maxClipSeconds'>;
  readonly picks: number;
  /** How long clips are kept (as long as the conversations that use them). */
  readonly clipTtlMs: number;
  /** ffmpeg deadline for exports and waveforms. */
  readonly mediaTimeoutMs: number;
}

export interface StudioDeps {
  readonly frameEncoder: FrameEncoder;
  readonly recommender: StudioRecommender;
  readonly catalog: StudioCatalog;
  readonly conversations: StudioConversationStore;
}

/** The studio's HTTP side, mounted by the stream server's HTTP handler. */
export interface Studio {
  /** Whether a path belongs to the studio (everything under `/studio`). */
  handles(pathname: string): boolean;
  handle(request: IncomingMessage, response: ServerResponse): void;
  close(): Promise<void>;
}

export const DEFAULT_STUDIO_LIMITS: Omit<StudioLimits, 'maxClipBytes' | 'maxClipSeconds' | 'maxTextChars'> = { chunkBytes: 1024 * 1024, maxActiveUploads: 4 };

const UPLOAD_IDLE_MS = 10 * 60 * 1000;
const CLIP_SWEEP_MS = 3600_000;

const digest = (token: string): Buffer => createHash('sha256').update(token).digest();

/** The studio: a page for video editors, its API, uploads, previews and exports. */
export function createStudio(deps: StudioDeps, options: StudioOptions): Studio {
  const log = logger('studio');
  const parts = openParts(deps, options);
  const api = new StudioApi(parts, { chunkBytes: options.limits.chunkBytes, analysisTimeoutMs: options.analysis.timeoutMs, mediaTimeoutMs: options.mediaTimeoutMs }, log);
  const pages = new StudioPages();
  const authorised = tokenCheck(options.token);
  const sweeper = setInterval(() => void parts.clips.sweep().catch(() => 0), CLIP_SWEEP_MS);
  sweeper.unref();
  void parts.clips.sweep().catch(() => 0);
  let closed = false;

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (closed) {
      sendProblem(response, 'SHUTTING_DOWN', 'The server is shutting down');
      return;
    }
    if (pages.isAsset(request, url.pathname)) {
      await pages.sendAsset(request, response, url.pathname);
      return;
    }
    if (url.pathname === '/studio' || url.pathname === '/studio/') {
      await servePage(request, response, authorised(request, url), pages);
      return;
    }
    const apiPath = /^\/studio\/api\/(.*)$/.exec(url.pathname);
    if (!apiPath) {
      sendProblem(response, 'NOT_FOUND', `Nothing at ${url.pathname}`);
      return;
    }
    if (!authorised(request, url)) {
      sendProblem(response, 'UNAUTHORIZED', 'A valid studio token is required');
      return;
    }
    const path = apiPath[1]!.split('/').map((part) => decodeURIComponent(part));
    if (path.length > 3 || path.some((part) => part.length === 0 || part.length > 100)) {
      sendProblem(response, 'NOT_FOUND', `Nothing at ${url.pathname}`);
      return;
    }
    await api.serve(request, response, url, path);
  }

  return {
    handles: (pathname) => pathname === '/studio' || pathname.startsWith('/studio/'),
    handle(request, response) {
      handle(request, response).catch((error: unknown) => {
        // A client that went away mid-request (a cancelled upload, a closed tab) needs no answer.
        if (response.headersSent || !response.socket || response.socket.destroyed) response.destroy();
        else sendFailure(response, error, log);
      });
    },
    async close() {
      closed = true;
      clearInterval(sweeper);
      await parts.uploads.close();
    },
  };
}

function openParts(deps: StudioDeps, options: StudioOptions): StudioParts {
  const { limits } = options;
  return {
    uploads: new UploadStore(join(options.dir, 'uploads'), { maxClipBytes: limits.maxClipBytes, chunkBytes: limits.chunkBytes, maxActive: limits.maxActiveUploads, idleMs: UPLOAD_IDLE_MS }),
    clips: new ClipStore(join(options.dir, 'clips'), deps.frameEncoder, { ...options.analysis, maxClipSeconds: limits.maxClipSeconds }, options.clipTtlMs),
    flow: new StudioFlow(deps.recommender, deps.catalog, deps.conversations, { maxTextChars: limits.maxTextChars, picks: options.picks, undoDepth: 20 }),
    waveforms: new WaveformCache(join(options.dir, 'waveforms'), options.mediaTimeoutMs),
    exporter: new Exporter(options.mediaTimeoutMs),
    catalog: deps.catalog,
  };
}

/** Whether a request carries the studio token (`Authorization: Bearer` or `?token=`), compared in constant time. */
function tokenCheck(token: string): (request: IncomingMessage, url: URL) => boolean {
  const expected = digest(token);
  return (request, url) => {
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    return timingSafeEqual(expected, digest(bearer ?? url.searchParams.get('token') ?? ''));
  };
}

/** The page itself: GET only, with the token; without it, a plain-text hint to open the URL serve printed. */
async function servePage(request: IncomingMessage, response: ServerResponse, authorised: boolean, pages: StudioPages): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    sendProblem(response, 'INPUT_INVALID', 'Only GET is served here');
    return;
  }
  if (!authorised) {
    response
      .writeHead(401, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' })
      .end('UNAUTHORIZED: the studio needs its token. Open the studio URL that `cuecast serve` printed (it ends in ?token=...).\n');
    return;
  }
  await pages.sendPage(request, response);
}
