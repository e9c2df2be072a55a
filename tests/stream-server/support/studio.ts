/** A studio on a real HTTP server with small real parts: the colour encoder, the keyword pick source, the bot's SQLite store. */
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteConversationStore } from '../../../bot/conversation-store.js';
import { studioConversations } from '../../../cli/studio.js';
import { createStudio, DEFAULT_STUDIO_LIMITS, type Studio, type StudioCatalog, type StudioLimits, type StudioRecommender } from '../../../stream-server/studio/index.js';
import type { FrameEncoder } from '../../../model/types.js';
import { applyRefinement } from '../../../recommend/refinement/apply.js';
import { TagVocabulary } from '../../../recommend/refinement/vocabulary.js';
import { makeTrack } from '../../support/media.js';
import { CatalogPickSource, TEST_TRACKS } from './catalog-picks.js';
import { ColorFrameEncoder } from './color-encoder.js';
import { startTestServer, type TestServer } from './server.js';

export const STUDIO_TOKEN = 'studio-token-for-tests-0123456789';

/** Each test track as a 60 s tone (segments are 15-45 s), a different pitch per track. */
export async function testTrackFiles(): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const [i, track] of TEST_TRACKS.entries()) files.set(track.id, await makeTrack({ seconds: 60, freq: 220 + 110 * i, bpm: 90 + 10 * i, sampleRate: 22_050 }));
  return files;
}

export function fileCatalog(files: ReadonlyMap<string, string>): StudioCatalog {
  return {
    track: (id) => {
      const t = TEST_TRACKS.find((x) => x.id === id);
      return t && { id: t.id, title: t.title, artist: t.artist, durationSeconds: 60 };
    },
    audioPath: (id) => files.get(id),
  };
}

/**
 * recommend's own refinement parser over the test tracks' keywords as tags, with the keyword and colour
 * scorer of CatalogPickSource: "no fire", "not #2" and "more like #1" read as the bot reads them.
 */
export function parsingPickSource(): StudioRecommender {
  const source = new CatalogPickSource();
  const vocabulary = new TagVocabulary(TEST_TRACKS.flatMap((t) => t.keywords.map((tag) => ({ group: 'mood' as const, tag }))));
  return { recommend: (request) => source.recommend(request), refine: (state, text, shown) => applyRefinement(state, text, { vocabulary, shown }) };
}

export interface StudioServer extends TestServer {
  readonly studio: Studio;
  readonly dir: string;
  readonly store: SqliteConversationStore;
  /** Closes the server and the studio; the data dir stays unless `remove`. */
  stop(remove?: boolean): Promise<void>;
}

export interface StudioSetup {
  readonly limits?: Partial<StudioLimits>;
  readonly dir?: string;
  readonly port?: number;
  readonly recommender?: StudioRecommender;
  readonly catalog?: StudioCatalog;
  readonly frameEncoder?: FrameEncoder;
}

export async function startStudioServer(setup: StudioSetup = {}): Promise<StudioServer> {
  const dir = setup.dir ?? mkdtempSync(join(tmpdir(), 'cuecast-studio-'));
  const store = new SqliteConversationStore(join(dir, 'discord', 'conversations.sqlite'), 3600_000);
  const catalog = setup.catalog ?? fileCatalog(await testTrackFiles());
  const studio = createStudio(
    { frameEncoder: setup.frameEncoder ?? new ColorFrameEncoder(), recommender: setup.recommender ?? parsingPickSource(), catalog, conversations: studioConversations(store) },
    {
      token: STUDIO_TOKEN,
      dir: join(dir, 'studio'),
      limits: { ...DEFAULT_STUDIO_LIMITS, maxClipBytes: 4 * 1024 * 1024, maxClipSeconds: 60, maxTextChars: 300, chunkBytes: 64 * 1024, ...setup.limits },
      analysis: { fps: 1, maxFrames: 16, timeoutMs: 60_000 },
      picks: 3,
      clipTtlMs: 3600_000,
      mediaTimeoutMs: 60_000,
    },
  );
  const server = await startTestServer({ ...(setup.port ? { port: setup.port } : {}) }, { studio });
  return {
    ...server,
    studio,
    dir,
    store,
    async stop(remove = false) {
      await server.close();
      await studio.close();
      await store.close();
      if (remove) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const auth = { authorization: `Bearer ${STUDIO_TOKEN}` };

export interface UploadResult {
  readonly status: number;
  readonly body: { error?: { code: string; message: string } } & Record<string, unknown>;
}

/** Uploads a file the way the page does: begin, chunks in order, finish with the prompt. */
export async function uploadClip(url: string, bytes: Uint8Array, declared: { name: string; type: string; size?: number }, prompt = '', chunkBytes = 64 * 1024): Promise<UploadResult> {
  const begin = await fetch(`${url}/studio/api/uploads`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ size: bytes.byteLength, ...declared }) });
  const started = (await begin.json()) as UploadResult['body'];
  if (!begin.ok) return { status: begin.status, body: started };
  for (let offset = 0; offset < bytes.byteLength; offset += chunkBytes) {
    const chunk = await fetch(`${url}/studio/api/uploads/${started.id as string}?offset=${offset}`, { method: 'PUT', headers: auth, body: Buffer.from(bytes.subarray(offset, offset + chunkBytes)) });
    if (!chunk.ok) return { status: chunk.status, body: (await chunk.json()) as UploadResult['body'] };
  }
  const finish = await fetch(`${url}/studio/api/uploads/${started.id as string}/finish`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ prompt }),
  });
  return { status: finish.status, body: (await finish.json()) as UploadResult['body'] };
}

export const bytesOf = async (path: string): Promise<Uint8Array> => new Uint8Array(await readFile(path));
