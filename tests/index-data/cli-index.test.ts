import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog } from '../../index-data/catalog.js';
import type { IndexEvent } from '../../index-data/indexer.js';
import { readCurrent } from '../../index-data/store/layout.js';
import { cuecastBin, fixtureCliEnv, repoRoot, runCuecast } from '../support/cli.js';
import { pulses, sine, writeCorrupt, writeTrack } from './media-fixtures.js';
import { anyOf, closeTo, stringMatching } from '../support/matchers.js';

const work = mkdtempSync(join(tmpdir(), 'cuecast-cli-index-'));
const music = join(work, 'music');
const catalogDir = join(work, 'catalog');
const TRACKS = 7;

interface Run {
  events: IndexEvent[];
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Runs another cuecast subcommand to completion. */
const runCli = (args: readonly string[]) => runCuecast(args, fixtureCliEnv(join(work, 'data')));

/** Runs `cuecast index` as a child; `killAfter` SIGKILLs it once that many tracks were indexed. */
function runIndex(args: readonly string[], killAfter?: number): Promise<Run> {
  const child = spawn(process.execPath, [cuecastBin, 'index', ...args, '--catalog', catalogDir, '--json', '--jobs', '1'], {
    cwd: repoRoot,
    env: fixtureCliEnv(join(work, 'data')),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const run: Run = { events: [], code: null, signal: null, stderr: '' };
  child.stderr.on('data', (chunk: Buffer) => (run.stderr += chunk.toString()));
  let indexed = 0;
  createInterface({ input: child.stdout }).on('line', (line) => {
    const event = JSON.parse(line) as IndexEvent;
    run.events.push(event);
    if (event.event === 'file' && event.status === 'indexed' && ++indexed === killAfter) child.kill('SIGKILL');
  });
  return new Promise((resolvePromise) =>
    child.on('close', (code, signal) => {
      run.code = code;
      run.signal = signal;
      resolvePromise(run);
    }),
  );
}

const files = (run: Run, status: string) => run.events.filter((e) => e.event === 'file' && e.status === status);

beforeAll(() => {
  mkdirSync(music, { recursive: true });
  for (let i = 0; i < TRACKS; i++) {
    writeTrack(music, { file: `track-${String(i).padStart(2, '0')}.wav`, source: i % 2 === 0 ? sine(200 + 40 * i, 14 + i) : pulses(80 + 10 * i, 14 + i) });
  }
  writeCorrupt(join(music, 'zz-corrupt.flac'));
}, 60_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('cuecast index (CLI child process)', () => {
  it('killed with SIGKILL mid-run, publishes nothing; the next run resumes without redoing finished tracks', async () => {
    const killed = await runIndex([music], 2);
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    const finished = files(killed, 'indexed').map((e) => (e as { trackId: string }).trackId);
    expect(finished.length).toBeGreaterThanOrEqual(2);
    expect(finished.length).toBeLessThan(TRACKS);
    expect(readCurrent(catalogDir)).toBeUndefined();
    expect(() => openCatalog(catalogDir)).toThrow(expect.objectContaining({ code: 'CATALOG_MISSING' }));

    const resumed = await runIndex([music]);
    expect(resumed.stderr).not.toMatch(/error/i);
    const unchanged = files(resumed, 'unchanged').map((e) => (e as { trackId: string }).trackId);
    expect(unchanged.sort()).toEqual([...finished].sort());
    expect(files(resumed, 'indexed')).toHaveLength(TRACKS - finished.length);
    expect(resumed.code).toBe(2);
    const done = resumed.events.at(-1) as Extract<IndexEvent, { event: 'done' }>;
    expect(done.summary.skipped.map((s) => s.code)).toEqual(['MEDIA_UNREADABLE']);
    const catalog = openCatalog(catalogDir);
    expect(catalog.trackCount()).toBe(TRACKS);
  }, 120_000);

  it('killed while re-indexing a published catalog, leaves the old catalog readable and intact', async () => {
    const before = readCurrent(catalogDir);
    for (let i = 0; i < 3; i++) writeTrack(music, { file: `new-${i}.wav`, source: sine(500 + 50 * i, 15) });
    const killed = await runIndex([music], 1);
    expect(killed.signal).toBe('SIGKILL');
    expect(readCurrent(catalogDir)).toBe(before);
    expect(openCatalog(catalogDir).trackCount()).toBe(TRACKS);
    expect(existsSync(join(catalogDir, 'index.lock'))).toBe(true);

    const resumed = await runIndex([music]);
    expect(files(resumed, 'indexed').length).toBeLessThanOrEqual(2);
    expect(openCatalog(catalogDir).trackCount()).toBe(TRACKS + 3);
    expect(readCurrent(catalogDir)).not.toBe(before);
  }, 120_000);

  it('exits 0 when nothing is skipped and 1 with a coded error for a bad flag', async () => {
    rmSync(join(music, 'zz-corrupt.flac'));
    const clean = await runIndex([music]);
    expect(clean.code).toBe(0);
    expect(files(clean, 'indexed')).toHaveLength(0);
    const bad = await runIndex([music, '--describer', 'poetry']);
    expect(bad.code).toBe(1);
    // With --json the error is one JSON event on stdout (issue 12).
    expect(bad.events).toEqual([{ event: 'error', error: { code: 'INPUT_INVALID', message: stringMatching(/poetry.*tags, template, openai, local/) } }]);
  }, 120_000);

  it("catalog stats and search read the published catalog (search with a track's own description)", async () => {
    const stats = await runCli(['catalog', 'stats', '--catalog', catalogDir, '--json']);
    expect(stats.code).toBe(0);
    expect(JSON.parse(stats.stdout)).toMatchObject({ tracks: TRACKS + 3, indexes: { 'clap-audio': anyOf(Number), 'clip-text': TRACKS + 3 } });
    const catalog = openCatalog(catalogDir);
    const target = [...catalog.tracks()].find((t, _, all) => all.filter((o) => o.description === t.description).length === 1)!;
    // Random-weight encoders make the audio half of the score noise, so ask for every track and check
    // that the track's own description is the best description match.
    const search = await runCli(['search', target.description, '--k', String(TRACKS + 3), '--catalog', catalogDir, '--json']);
    expect(search.code).toBe(0);
    const hits = (JSON.parse(search.stdout) as { hits: { id: string; score: number; descriptionScore: number }[] }).hits;
    expect(hits).toHaveLength(TRACKS + 3);
    expect([...hits].sort((a, b) => b.descriptionScore - a.descriptionScore)[0]).toMatchObject({ id: target.id, descriptionScore: closeTo(1, 4) });
    expect(hits.map((h) => h.score)).toEqual([...hits.map((h) => h.score)].sort((a, b) => b - a));
    const missing = await runCli(['search', 'anything', '--catalog', join(work, 'no-catalog')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/CATALOG_MISSING/);
  }, 60_000);
});
