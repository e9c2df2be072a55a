import { createHash, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CuecastError, InputError } from '../../core/errors.js';
import { logger } from '../../core/logger.js';
import type { FrameEncoder } from '../../model/types.js';
import { AUDIO_TYPES } from '../audio-route.js';
import { ClipStore, clipMimeType, type ClipAnalysis } from './clips.js';
import { Exporter, parseExportKind, type ExportFile, type ExportRequest } from './exports.js';
import { StudioFlow, type Turn } from './flow.js';
import { attachmentDisposition, readBody, SECURITY_HEADERS, sendFailure, sendFile, sendJson, sendProblem } from './http.js';
import type { StudioCatalog, StudioConversation, StudioConversationStore, StudioRecommender } from './types.js';
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

const PAGES_DIR = [new URL('../pages/', import.meta.url), new URL('../../../stream-server/pages/', import.meta.url)]
  .map((url) => fileURLToPath(url))
  .find((dir) => existsSync(join(dir, 'studio.html'))) ?? fileURLToPath(new URL('../pages/', import.meta.url));

const ASSETS: Readonly<Record<string, { file: string; type: string }>> = {
  '/studio/studio.js': { file: 'studio.js', type: 'text/javascript; charset=utf-8' },
  '/studio/studio.css': { file: 'studio.css', type: 'text/css; charset=utf-8' },
};

const JSON_BODY_BYTES = 64 * 1024;
/** Analyses (frame decoding and encoding) at once; more get BUSY. */
const ANALYSES = 2;
const UPLOAD_IDLE_MS = 10 * 60 * 1000;

const digest = (token: string): Buffer => createHash('sha256').update(token).digest();

/** The studio: a page for video editors, its API, uploads, previews and exports. */
export function createStudio(deps: StudioDeps, options: StudioOptions): Studio {
  const log = logger('studio');
  const expected = digest(options.token);
  const uploads = new UploadStore(join(options.dir, 'uploads'), { maxClipBytes: options.limits.maxClipBytes, chunkBytes: options.limits.chunkBytes, maxActive: options.limits.maxActiveUploads, idleMs: UPLOAD_IDLE_MS });
  const clips = new ClipStore(join(options.dir, 'clips'), deps.frameEncoder, { ...options.analysis, maxClipSeconds: options.limits.maxClipSeconds }, options.clipTtlMs);
  const flow = new StudioFlow(deps.recommender, deps.catalog, deps.conversations, { maxTextChars: options.limits.maxTextChars, picks: options.picks, undoDepth: 20 });
  const waveforms = new WaveformCache(join(options.dir, 'waveforms'), options.mediaTimeoutMs);
  const exporter = new Exporter(options.mediaTimeoutMs);
  const pageCache = new Map<string, Buffer>();
  const sweeper = setInterval(() => void clips.sweep().catch(() => 0), 3600_000);
  sweeper.unref();
  void clips.sweep().catch(() => 0);
  let analysing = 0;
  let closed = false;

  const authorised = (request: IncomingMessage, url: URL): boolean => {
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    const token = bearer ?? url.searchParams.get('token') ?? '';
    return timingSafeEqual(expected, digest(token));
  };

  async function asset(file: string): Promise<Buffer> {
    let body = pageCache.get(file);
    if (!body) {
      body = await readFile(join(PAGES_DIR, file));
      pageCache.set(file, body);
    }
    return body;
  }

  async function jsonBody(request: IncomingMessage): Promise<Record<string, unknown>> {
    const body = await readBody(request, JSON_BODY_BYTES);
    if (!body) throw new InputError('INPUT_INVALID', `The request body is over ${JSON_BODY_BYTES} bytes`);
    try {
      const parsed: unknown = JSON.parse(body.toString('utf8') || '{}');
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    } catch {
      // answered below
    }
    throw new InputError('INPUT_INVALID', 'The request body must be a JSON object');
  }

  async function view(conversation: StudioConversation): Promise<unknown> {
    const clip = await clips.get(conversation.clipId, true).catch(() => undefined);
    return {
      key: conversation.key,
      clip: clip ?? null,
      prompt: conversation.prompt ?? '',
      history: conversation.history,
      notes: conversation.notes,
      emptiedBy: conversation.emptiedBy ?? null,
      canUndo: conversation.undo.length > 0,
      picks: conversation.picks.map((p) => ({
        trackId: p.trackId,
        title: p.title,
        artist: p.artist,
        score: p.score,
        bpm: p.bpm ?? null,
        tags: p.tags.slice(0, 8).map((t) => t.tag),
        parts: p.parts ?? {},
        why: p.why,
        suggestedStart: p.segmentStart,
        segmentStart: conversation.segmentStarts[p.trackId] ?? p.segmentStart,
        segmentSeconds: Math.max(1, p.segmentEnd - p.segmentStart),
        trackSeconds: deps.catalog.track(p.trackId)?.durationSeconds ?? p.segmentEnd,
      })),
    };
  }

  function checkAnalysisSlot(): void {
    if (analysing >= ANALYSES) throw new CuecastError('BUSY', 'Other clips are being analysed; try again in a moment');
  }

  async function analyse<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    checkAnalysisSlot();
    analysing++;
    try {
      return await work(AbortSignal.timeout(options.analysis.timeoutMs * 2));
    } finally {
      analysing--;
    }
  }

  function trackFor(conversation: StudioConversation, trackId: string): { path: string; title: string; artist: string; start: number; seconds: number } {
    // Picks on screen, or shown before a turn (a waveform or preview asked for just before "Not this").
    const pick = conversation.picks.find((p) => p.trackId === trackId) ?? conversation.undo.flatMap((u) => u.picks).find((p) => p.trackId === trackId);
    const path = pick ? deps.catalog.audioPath(trackId) : undefined;
    if (!pick || !path) throw new CuecastError('NOT_FOUND', 'That track is not among this conversation\'s picks');
    return { path, title: pick.title, artist: pick.artist, start: conversation.segmentStarts[trackId] ?? pick.segmentStart, seconds: Math.max(1, pick.segmentEnd - pick.segmentStart) };
  }

  async function sendExport(request: IncomingMessage, response: ServerResponse, file: ExportFile): Promise<void> {
    try {
      const headers = { 'content-disposition': attachmentDisposition(file.name), 'cache-control': 'no-store' };
      if (file.path) await sendFile(request, response, file.path, file.type, headers);
      else response.writeHead(200, { ...SECURITY_HEADERS, ...headers, 'content-type': file.type, 'content-length': String(file.bytes!.byteLength) }).end(file.bytes);
    } finally {
      await file.cleanup();
    }
  }

  async function api(request: IncomingMessage, response: ServerResponse, url: URL, path: string[]): Promise<void> {
    const method = request.method ?? 'GET';
    const [resource, id, sub] = path;
    const route = `${method} ${resource ?? ''}${id !== undefined ? '/:id' : ''}${sub !== undefined ? `/${sub}` : ''}`;
    switch (route) {
      case 'POST uploads': {
        const body = await jsonBody(request);
        return sendJson(response, 201, await uploads.begin(body));
      }
      case 'PUT uploads/:id': {
        const offset = Number(url.searchParams.get('offset'));
        const chunk = await readBody(request, options.limits.chunkBytes);
        if (!chunk) {
          await uploads.abort(id!);
          throw new InputError('INPUT_INVALID', `A chunk is at most ${options.limits.chunkBytes} bytes`);
        }
        return sendJson(response, 200, await uploads.append(id!, offset, chunk));
      }
      case 'DELETE uploads/:id':
        await uploads.abort(id!);
        return sendJson(response, 200, { aborted: true });
      case 'POST uploads/:id/finish': {
        const body = await jsonBody(request);
        // Busy: the upload stays complete and can be finished again later.
        checkAnalysisSlot();
        const received = await uploads.finish(id!);
        const conversation = await analyse(async (signal) => {
          const { clip, frameEmbeddings } = await clips.admit(received, signal);
          log.info({ clip: clip.id, seconds: clip.duration, frames: frameEmbeddings.length }, 'clip analysed');
          return flow.start(clip.id, frameEmbeddings, body.prompt, signal);
        });
        return sendJson(response, 201, await view(conversation));
      }
      case 'GET clips/:id/video':
      case 'HEAD clips/:id/video': {
        const clip = await clips.get(id!);
        return sendFile(request, response, clips.path(clip.id), clipMimeType(clip));
      }
      case 'POST conversations/:id/prompt': {
        // A new prompt on the same clip starts over (the clip's frames are kept in the conversation).
        const current = await flow.get(id!);
        await clips.get(current.clipId);
        const body = await jsonBody(request);
        const conversation = await analyse((signal) => flow.start(current.clipId, current.frameEmbeddings, body.prompt, signal));
        return sendJson(response, 201, await view(conversation));
      }
      case 'GET conversations/:id':
        return sendJson(response, 200, await view(await flow.get(id!)));
      case 'POST conversations/:id/turns': {
        const body = await jsonBody(request);
        const turn = parseTurn(body);
        return sendJson(response, 200, await view(await flow.turn(id!, turn, AbortSignal.timeout(options.analysis.timeoutMs))));
      }
      case 'PUT conversations/:id/segment': {
        const body = await jsonBody(request);
        return sendJson(response, 200, await view(await flow.moveSegment(id!, body.trackId, body.start)));
      }
      case 'GET conversations/:id/export': {
        const conversation = await flow.get(id!);
        const kind = parseExportKind(url.searchParams.get('kind'));
        const track = trackFor(conversation, url.searchParams.get('track') ?? '');
        const clip = await clips.get(conversation.clipId);
        const exportRequest: ExportRequest = { clip, clipPath: clips.path(clip.id), trackPath: track.path, title: track.title, artist: track.artist, start: track.start, segmentSeconds: track.seconds };
        if (kind === 'command') return sendJson(response, 200, { command: exporter.command(exportRequest) });
        const signal = AbortSignal.timeout(options.mediaTimeoutMs);
        return sendExport(request, response, kind === 'segment' ? await exporter.segment(exportRequest, signal) : await exporter.mix(exportRequest, signal));
      }
      case 'GET conversations/:id/audio':
      case 'HEAD conversations/:id/audio': {
        // The conversation's picks, not the whole catalog: the studio token opens what it was shown.
        const track = trackFor(await flow.get(id!), url.searchParams.get('track') ?? '');
        const type = AUDIO_TYPES[track.path.slice(track.path.lastIndexOf('.')).toLowerCase()] ?? 'application/octet-stream';
        return sendFile(request, response, track.path, type);
      }
      case 'GET conversations/:id/waveform': {
        const trackId = url.searchParams.get('track') ?? '';
        const track = trackFor(await flow.get(id!), trackId);
        const duration = deps.catalog.track(trackId)?.durationSeconds ?? track.start + track.seconds;
        return sendJson(response, 200, await waveforms.get(track.path, duration));
      }
      default:
        return sendProblem(response, 'NOT_FOUND', `Nothing at ${method} ${url.pathname}`);
    }
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (closed) return sendProblem(response, 'SHUTTING_DOWN', 'The server is shutting down');
    const asset_ = ASSETS[url.pathname];
    if (asset_ && (request.method === 'GET' || request.method === 'HEAD')) {
      const body = await asset(asset_.file);
      response.writeHead(200, { ...SECURITY_HEADERS, 'content-type': asset_.type, 'cache-control': 'no-cache' }).end(request.method === 'HEAD' ? undefined : body);
      return;
    }
    if (url.pathname === '/studio' || url.pathname === '/studio/') {
      if (request.method !== 'GET' && request.method !== 'HEAD') return sendProblem(response, 'INPUT_INVALID', 'Only GET is served here');
      if (!authorised(request, url)) {
        response
          .writeHead(401, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' })
          .end('UNAUTHORIZED: the studio needs its token. Open the studio URL that `cuecast serve` printed (it ends in ?token=...).\n');
        return;
      }
      const body = await asset('studio.html');
      response.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(request.method === 'HEAD' ? undefined : body);
      return;
    }
    const api_ = /^\/studio\/api\/(.*)$/.exec(url.pathname);
    if (!api_) return sendProblem(response, 'NOT_FOUND', `Nothing at ${url.pathname}`);
    if (!authorised(request, url)) return sendProblem(response, 'UNAUTHORIZED', 'A valid studio token is required');
    const path = api_[1]!.split('/').map((part) => decodeURIComponent(part));
    if (path.length > 3 || path.some((part) => part.length === 0 || part.length > 100)) return sendProblem(response, 'NOT_FOUND', `Nothing at ${url.pathname}`);
    await api(request, response, url, path);
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
      await uploads.close();
    },
  };
}

function parseTurn(body: Record<string, unknown>): Turn {
  if (body.undo === true) return { kind: 'undo' };
  if (typeof body.refine === 'string') return { kind: 'refine', text: body.refine };
  if (typeof body.like === 'string') return { kind: 'like', trackId: body.like };
  if (typeof body.not === 'string') return { kind: 'not', trackId: body.not };
  throw new InputError('INPUT_INVALID', 'A turn is one of { refine: "text" }, { like: trackId }, { not: trackId }, { undo: true }');
}
