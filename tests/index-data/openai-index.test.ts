import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog } from '../../index-data/catalog.js';
import type { ChatMessage } from '../../index-data/describe/backend.js';
import { createDescriber, createLlmBackend } from '../../index-data/describe/from-config.js';
import { indexMusic, type IndexSummary } from '../../index-data/indexer.js';
import { mediaAudioSource } from '../../index-data/media-source.js';
import { musicMetadataReader } from '../../index-data/metadata.js';
import type { Encoders } from '../../model/index.js';
import { createFixtureEncoders, fixtureConfig } from '../support/models.js';
import { sine, writeTrack } from './media-fixtures.js';
import { ifSet } from '../support/if-set.js';

const work = mkdtempSync(join(tmpdir(), 'cuecast-openai-index-'));
const music = join(work, 'music');
const catalogDir = join(work, 'catalog');
const requests: { auth?: string; messages: ChatMessage[] }[] = [];
let server: Server;
let baseUrl: string;
let encoders: Encoders;

/** Describes a track with a sentence naming only its own first tag (so the guard accepts it). */
function answer(messages: ChatMessage[]): string {
  const tags = messages
    .at(-1)!
    .content.split('\n')
    .at(-2)!
    .replace(/^Tags: /, '')
    .split(', ');
  return `A piece that is ${tags.find((t) => t.endsWith('tempo')) ?? 'steady'}.`;
}

let reply: (messages: ChatMessage[]) => string = answer;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const { messages } = JSON.parse(body) as { messages: ChatMessage[] };
      requests.push({ ...(req.headers.authorization ? { auth: req.headers.authorization } : {}), messages });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ choices: [{ message: { role: 'assistant', content: reply(messages) } }] }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  mkdirSync(music, { recursive: true });
  writeTrack(music, { file: 'one.wav', source: sine(440, 6) });
  encoders = await createFixtureEncoders();
}, 60_000);

afterAll(async () => {
  await ifSet(encoders)?.dispose();
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(work, { recursive: true, force: true });
});

async function run(mode: 'openai' | 'template', roots = [music], catalog = catalogDir): Promise<string> {
  return (await runWithSummary(mode, roots, catalog)).description;
}

async function runWithSummary(mode: 'openai' | 'template', roots: string[], catalog: string): Promise<{ description: string; summary: IndexSummary }> {
  const config = fixtureConfig({ 'llm.backend': mode, 'llm.baseUrl': baseUrl, 'llm.model': 'loopback-model', 'llm.apiKey': 'k-1' });
  const llm = await createLlmBackend(config);
  const summary = await indexMusic({
    roots,
    catalogDir: catalog,
    encoders,
    audio: mediaAudioSource(),
    metadata: musicMetadataReader,
    describer: (cache) => createDescriber(mode, llm, cache),
    segmentSeconds: 30,
    hopSeconds: 15,
  });
  return { description: [...openCatalog(catalog).tracks()][0]!.description, summary };
}

describe('indexing with the openai description backend', () => {
  it("stores the endpoint's guarded description, re-describes on a backend change, and reuses the SQLite cache", async () => {
    const { description: fromLlm, summary } = await runWithSummary('openai', [music], catalogDir);
    expect(summary.descriptionFallbacks).toEqual({ descriptions: 0, reasons: {} });
    expect(requests).toHaveLength(1);
    expect(requests[0]!.auth).toBe('Bearer k-1');
    expect(requests[0]!.messages[1]!.content.match(/^Tags:/gm)!.length).toBe(5);
    expect(fromLlm).toMatch(/^A piece that is (slow|medium|fast) tempo\.$/);

    const fromTemplate = await run('template');
    expect(fromTemplate).toMatch(/track/);
    expect(requests).toHaveLength(1);

    expect(await run('openai')).toBe(fromLlm);
    expect(requests).toHaveLength(1);
  }, 60_000);

  it('given an endpoint that echoes the prompt, stores the template text and counts the fallback with its reason in the summary', async () => {
    const echoMusic = join(work, 'echo-music');
    mkdirSync(echoMusic, { recursive: true });
    writeTrack(echoMusic, { file: 'two.wav', source: sine(660, 7) });
    reply = (messages) => messages.at(-1)!.content.split('\n').at(-2)!;
    try {
      const before = requests.length;
      const { description, summary } = await runWithSummary('openai', [echoMusic], join(work, 'echo-catalog'));
      expect(requests.length - before).toBe(2);
      expect(summary).toMatchObject({ indexed: 1, descriptionFallbacks: { descriptions: 1, reasons: { 'prompt-echo': 1 } } });
      expect(description).toMatch(/^An? .*track/);
    } finally {
      reply = answer;
    }
  }, 60_000);
});
