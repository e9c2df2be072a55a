/** The studio's JSON API under `/studio/api/`: one named handler per route. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CuecastError, InputError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { sendTrackAudio } from '../audio-route.js';
import { clipMimeType, type ClipStore } from './clips.js';
import { parseExportKind, type ExportFile, type ExportRequest, type Exporter } from './exports.js';
import type { StudioFlow, Turn } from './flow.js';
import { attachmentDisposition, fileGone, readBody, SECURITY_HEADERS, sendFile, sendJson, sendProblem } from './http.js';
import type { StudioCatalog, StudioConversation } from './types.js';
import type { UploadStore } from './uploads.js';
import { conversationView } from './view.js';
import type { WaveformCache } from './waveforms.js';

/** The studio's parts the API drives. */
export interface StudioParts {
  readonly uploads: UploadStore;
  readonly clips: ClipStore;
  readonly flow: StudioFlow;
  readonly waveforms: WaveformCache;
  readonly exporter: Exporter;
  readonly catalog: StudioCatalog;
}

export interface StudioApiSettings {
  /** Largest upload chunk in bytes. */
  readonly chunkBytes: number;
  /** Deadline of one clip analysis or turn (an analysis gets twice this). */
  readonly analysisTimeoutMs: number;
  /** ffmpeg deadline for exports. */
  readonly mediaTimeoutMs: number;
}

/** One API request: `id` is the path's second part (empty when it has none). */
interface ApiCall {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  readonly url: URL;
  readonly id: string;
}

interface PickedTrack {
  readonly path: string;
  readonly title: string;
  readonly artist: string;
  readonly start: number;
  readonly seconds: number;
}

const JSON_BODY_BYTES = 64 * 1024;
/** Analyses (frame decoding and encoding) at once; more get BUSY. */
const ANALYSES = 2;

export class StudioApi {
  private analysing = 0;
  /** Handlers by `METHOD resource[/:id][/sub]`. */
  private readonly routes = new Map<string, (call: ApiCall) => Promise<void>>([
    ['POST uploads', (call) => this.beginUpload(call)],
    ['PUT uploads/:id', (call) => this.appendChunk(call)],
    ['DELETE uploads/:id', (call) => this.abortUpload(call)],
    ['POST uploads/:id/finish', (call) => this.finishUpload(call)],
    ['GET clips/:id/video', (call) => this.clipVideo(call)],
    ['HEAD clips/:id/video', (call) => this.clipVideo(call)],
    ['POST conversations/:id/prompt', (call) => this.newPrompt(call)],
    ['GET conversations/:id', (call) => this.conversation(call)],
    ['POST conversations/:id/turns', (call) => this.turn(call)],
    ['PUT conversations/:id/segment', (call) => this.moveSegment(call)],
    ['GET conversations/:id/export', (call) => this.export(call)],
    ['GET conversations/:id/audio', (call) => this.audio(call)],
    ['HEAD conversations/:id/audio', (call) => this.audio(call)],
    ['GET conversations/:id/waveform', (call) => this.waveform(call)],
  ]);

  constructor(
    private readonly parts: StudioParts,
    private readonly settings: StudioApiSettings,
    private readonly log: Logger,
  ) {}

  /** Answers a request for `/studio/api/<path>` (at most three non-empty parts). */
  async serve(request: IncomingMessage, response: ServerResponse, url: URL, path: readonly string[]): Promise<void> {
    const method = request.method ?? 'GET';
    const [resource, id, sub] = path;
    const handler = this.routes.get(`${method} ${resource ?? ''}${id !== undefined ? '/:id' : ''}${sub !== undefined ? `/${sub}` : ''}`);
    if (!handler) {
      sendProblem(response, 'NOT_FOUND', `Nothing at ${method} ${url.pathname}`);
      return;
    }
    await handler({ request, response, url, id: id ?? '' });
  }

  private async beginUpload({ request, response }: ApiCall): Promise<void> {
    const body = await jsonBody(request);
    sendJson(response, 201, await this.parts.uploads.begin(body));
  }

  private async appendChunk({ request, response, url, id }: ApiCall): Promise<void> {
    const offset = Number(url.searchParams.get('offset'));
    const chunk = await readBody(request, this.settings.chunkBytes);
    if (!chunk) {
      await this.parts.uploads.abort(id);
      throw new InputError('INPUT_INVALID', `A chunk is at most ${this.settings.chunkBytes} bytes`);
    }
    sendJson(response, 200, await this.parts.uploads.append(id, offset, chunk));
  }

  private async abortUpload({ response, id }: ApiCall): Promise<void> {
    await this.parts.uploads.abort(id);
    sendJson(response, 200, { aborted: true });
  }

  private async finishUpload({ request, response, id }: ApiCall): Promise<void> {
    const { uploads, clips, flow } = this.parts;
    const body = await jsonBody(request);
    // Busy: the upload stays complete and can be finished again later.
    this.checkAnalysisSlot();
    const received = await uploads.finish(id);
    const conversation = await this.analyse(async (signal) => {
      const { clip, frameEmbeddings } = await clips.admit(received, signal);
      this.log.info({ clip: clip.id, seconds: clip.duration, frames: frameEmbeddings.length }, 'clip analysed');
      return flow.start(clip.id, frameEmbeddings, body.prompt, signal);
    });
    sendJson(response, 201, await this.view(conversation));
  }

  private async clipVideo({ request, response, id }: ApiCall): Promise<void> {
    const clip = await this.parts.clips.get(id);
    await sendFile(request, response, this.parts.clips.path(clip.id), clipMimeType(clip));
  }

  /** A new prompt on the same clip starts over (the clip's frames are kept in the conversation). */
  private async newPrompt({ request, response, id }: ApiCall): Promise<void> {
    const { clips, flow } = this.parts;
    const current = await flow.get(id);
    await clips.get(current.clipId);
    const body = await jsonBody(request);
    const conversation = await this.analyse((signal) => flow.start(current.clipId, current.frameEmbeddings, body.prompt, signal));
    sendJson(response, 201, await this.view(conversation));
  }

  private async conversation({ response, id }: ApiCall): Promise<void> {
    sendJson(response, 200, await this.view(await this.parts.flow.get(id)));
  }

  private async turn({ request, response, id }: ApiCall): Promise<void> {
    const turn = parseTurn(await jsonBody(request));
    sendJson(response, 200, await this.view(await this.parts.flow.turn(id, turn, AbortSignal.timeout(this.settings.analysisTimeoutMs))));
  }

  private async moveSegment({ request, response, id }: ApiCall): Promise<void> {
    const body = await jsonBody(request);
    sendJson(response, 200, await this.view(await this.parts.flow.moveSegment(id, body.trackId, body.start)));
  }

  private async export({ request, response, url, id }: ApiCall): Promise<void> {
    const { clips, flow, exporter } = this.parts;
    const conversation = await flow.get(id);
    const kind = parseExportKind(url.searchParams.get('kind'));
    const track = this.trackFor(conversation, url.searchParams.get('track') ?? '');
    const clip = await clips.get(conversation.clipId);
    const exportRequest: ExportRequest = { clip, clipPath: clips.path(clip.id), trackPath: track.path, title: track.title, artist: track.artist, start: track.start, segmentSeconds: track.seconds };
    if (kind === 'command') {
      sendJson(response, 200, { command: exporter.command(exportRequest) });
      return;
    }
    const signal = AbortSignal.timeout(this.settings.mediaTimeoutMs);
    await sendExport(request, response, kind === 'segment' ? await exporter.segment(exportRequest, signal) : await exporter.mix(exportRequest, signal));
  }

  /** The conversation's picks, not the whole catalog: the studio token opens what it was shown. */
  private async audio({ request, response, url, id }: ApiCall): Promise<void> {
    const track = this.trackFor(await this.parts.flow.get(id), url.searchParams.get('track') ?? '');
    await sendTrackAudio(request, response, track.path, SECURITY_HEADERS, fileGone);
  }

  private async waveform({ response, url, id }: ApiCall): Promise<void> {
    const trackId = url.searchParams.get('track') ?? '';
    const track = this.trackFor(await this.parts.flow.get(id), trackId);
    const duration = this.parts.catalog.track(trackId)?.durationSeconds ?? track.start + track.seconds;
    sendJson(response, 200, await this.parts.waveforms.get(track.path, duration));
  }

  private view(conversation: StudioConversation): Promise<unknown> {
    return conversationView(conversation, this.parts.clips, this.parts.catalog);
  }

  private checkAnalysisSlot(): void {
    if (this.analysing >= ANALYSES) throw new CuecastError('BUSY', 'Other clips are being analysed; try again in a moment');
  }

  private async analyse<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    this.checkAnalysisSlot();
    this.analysing++;
    try {
      return await work(AbortSignal.timeout(this.settings.analysisTimeoutMs * 2));
    } finally {
      this.analysing--;
    }
  }

  private trackFor(conversation: StudioConversation, trackId: string): PickedTrack {
    // Picks on screen, or shown before a turn (a waveform or preview asked for just before "Not this").
    const pick = conversation.picks.find((p) => p.trackId === trackId) ?? conversation.undo.flatMap((u) => u.picks).find((p) => p.trackId === trackId);
    const path = pick ? this.parts.catalog.audioPath(trackId) : undefined;
    if (!pick || !path) throw new CuecastError('NOT_FOUND', "That track is not among this conversation's picks");
    return { path, title: pick.title, artist: pick.artist, start: conversation.segmentStarts[trackId] ?? pick.segmentStart, seconds: Math.max(1, pick.segmentEnd - pick.segmentStart) };
  }
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

async function sendExport(request: IncomingMessage, response: ServerResponse, file: ExportFile): Promise<void> {
  try {
    const headers = { 'content-disposition': attachmentDisposition(file.name), 'cache-control': 'no-store' };
    if (file.path) await sendFile(request, response, file.path, file.type, headers);
    else response.writeHead(200, { ...SECURITY_HEADERS, ...headers, 'content-type': file.type, 'content-length': String(file.bytes!.byteLength) }).end(file.bytes);
  } finally {
    await file.cleanup();
  }
}

function parseTurn(body: Record<string, unknown>): Turn {
  if (body.undo === true) return { kind: 'undo' };
  if (typeof body.refine === 'string') return { kind: 'refine', text: body.refine };
  if (typeof body.like === 'string') return { kind: 'like', trackId: body.like };
  if (typeof body.not === 'string') return { kind: 'not', trackId: body.not };
  throw new InputError('INPUT_INVALID', 'A turn is one of { refine: "text" }, { like: trackId }, { not: trackId }, { undo: true }');
}
