import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureCliEnv, repoRoot, runCuecast } from '../support/cli.js';
import { makeTrack, makeVideo } from '../support/media.js';
import { bytesOf } from './support/studio.js';

/** `cuecast serve` as a person runs it: no tokens configured, a catalog built by `cuecast index`. */
const work = mkdtempSync(join(tmpdir(), 'cuecast-studio-serve-'));
const dataDir = join(work, 'data');
const catalogDir = join(work, 'catalog');
const env = fixtureCliEnv(dataDir);
const tsx = [join(repoRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(repoRoot, 'cli', 'main.ts')];

beforeAll(async () => {
  const music = join(work, 'music');
  await makeTrack({ path: join(music, 'low.wav'), seconds: 24, freq: 220, bpm: 90, title: 'Low Hum', artist: 'Oscillators' });
  await makeTrack({ path: join(music, 'high.wav'), seconds: 24, freq: 880, bpm: 128, title: 'High Whistle', artist: 'Oscillators Two' });
  const indexed = await runCuecast(['index', music, '--catalog', catalogDir, '--jobs', '1'], env, tsx);
  expect(indexed.code, indexed.stderr).toBe(0);
}, 180_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Served {
  readonly child: ChildProcess;
  readonly lines: string[];
  /** Resolves with the first stdout line matching `pattern`. */
  line(pattern: RegExp, timeoutMs?: number): Promise<string>;
  stop(): Promise<number | null>;
}

function serve(...args: string[]): Served {
  const child = spawn(process.execPath, [...tsx, 'serve', '--port', '0', '--catalog', catalogDir, ...args], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiting: { pattern: RegExp; done: (line: string) => void }[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    for (const w of waiting.splice(0)) {
      if (w.pattern.test(line)) w.done(line);
      else waiting.push(w);
    }
  });
  return {
    child,
    lines,
    line: (pattern, timeoutMs = 120_000) =>
      new Promise((done, fail) => {
        const seen = lines.find((l) => pattern.test(l));
        if (seen) {
          done(seen);
          return;
        }
        const timer = setTimeout(() => fail(new Error(`no line matching ${pattern} in ${timeoutMs} ms; stdout:\n${lines.join('\n')}\nstderr:\n${stderr}`)), timeoutMs);
        waiting.push({
          pattern,
          done: (l) => {
            clearTimeout(timer);
            done(l);
          },
        });
        child.once('exit', (code) => fail(new Error(`serve exited with ${code}: ${stderr}`)));
      }),
    stop: () =>
      new Promise((done) => {
        if (child.exitCode !== null) {
          done(child.exitCode);
          return;
        }
        child.once('exit', (code) => done(code));
        child.kill('SIGTERM');
      }),
  };
}

describe('cuecast serve and the studio', () => {
  it("generates the studio token on first start, prints the studio URL, serves the studio behind it, stores its conversations with the bot's; later starts keep the token", async () => {
    const first = serve();
    try {
      const studioUrl = /(http:\/\/\S+\/studio\?token=([A-Za-z0-9_-]{32,}))/.exec(await first.line(/studio \(video editors\):\s+http/))!;
      expect(studioUrl).not.toBeNull();
      const [, url, token] = studioUrl;
      const store = join(dataDir, 'serve-tokens.json');
      expect(statSync(store).mode & 0o777).toBe(0o600);
      expect((JSON.parse(readFileSync(store, 'utf8')) as { tokens: { studio: string } }).tokens.studio).toBe(token);
      await first.line(/ready on/);
      const base = url!.slice(0, url!.indexOf('/studio'));
      expect((await fetch(`${base}/studio`)).status).toBe(401);
      const page = await fetch(url!);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('cuecast studio');

      // The API end to end through the real command: upload, picks from the catalog.
      const clip = await bytesOf(await makeVideo({ container: 'mp4', seconds: 3, width: 96, height: 64 }));
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const begun = (await (await fetch(`${base}/studio/api/uploads`, { method: 'POST', headers, body: JSON.stringify({ name: 'clip.mp4', size: clip.length, type: 'video/mp4' }) })).json()) as {
        id: string;
      };
      expect((await fetch(`${base}/studio/api/uploads/${begun.id}?offset=0`, { method: 'PUT', headers: { authorization: headers.authorization }, body: Buffer.from(clip) })).status).toBe(200);
      const done = await fetch(`${base}/studio/api/uploads/${begun.id}/finish`, { method: 'POST', headers, body: JSON.stringify({ prompt: 'warm hum' }) });
      expect(done.status).toBe(201);
      const view = (await done.json()) as { key: string; picks: { title: string }[] };
      expect(view.picks.map((p) => p.title).sort()).toEqual(['High Whistle', 'Low Hum']);
      expect(await first.stop()).toBe(0);

      // The conversation is in the bot's conversation file.
      const { SqliteConversationStore } = await import('../../bot/conversation-store.js');
      const conversations = new SqliteConversationStore(join(dataDir, 'discord', 'conversations.sqlite'), 3600_000);
      expect(await conversations.get(view.key)).toMatchObject({ userId: 'studio', prompt: 'warm hum' });
      await conversations.close();

      // A second start keeps the token and does not print it; --print-urls prints it again.
      const second = serve();
      expect(await second.line(/^studio: http/)).toMatch(/\/studio \(token in .*serve-tokens\.json; `cuecast serve --print-urls` prints the full URL\)/);
      expect(second.lines.join('\n')).not.toContain(token);
      await second.line(/ready on/);
      expect(await second.stop()).toBe(0);
      const third = serve('--print-urls');
      expect(await third.line(/studio \(video editors\)/)).toContain(`/studio?token=${token}`);
      await third.line(/ready on/);
      expect(await third.stop()).toBe(0);
    } finally {
      first.child.kill('SIGKILL');
    }
  }, 300_000);
});
