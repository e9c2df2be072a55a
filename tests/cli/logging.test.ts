import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliLogging } from '../../cli/logging.js';
import { textLogLine } from '../../core/logger.js';
import { recommendJsonSchema } from '../../recommend/conversation.js';
import { runCuecast, type CliRun } from '../support/cli.js';
import { objectContaining, stringMatching } from '../support/matchers.js';

const repo = resolve(import.meta.dirname, '..', '..');
const fixtureModels = join(repo, 'tests', 'fixtures', 'models');
const work = mkdtempSync(join(tmpdir(), 'cuecast-cli-logging-'));

/** The environment a user's shell would give: no vitest markers, no log settings unless a test adds them. */
function userEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!/^(VITEST|CUECAST_)/.test(key) && key !== 'NODE_ENV') env[key] = value;
  return { ...env, CUECAST_DATA_DIR: join(work, 'data'), CUECAST_WORKERS: '1', CUECAST_THREADS: '1', CUECAST_ALLOW_REMOTE_MODELS: 'false', ...extra };
}

function run(args: readonly string[], extra: Readonly<Record<string, string>> = {}, node?: readonly string[]): Promise<CliRun> {
  return runCuecast(args, userEnv(extra), node);
}

const probe = (args: readonly string[], extra: Readonly<Record<string, string>> = {}) => run(args, extra, ['--import', 'tsx', join(repo, 'tests', 'cli', 'support', 'log-probe.ts')]);

const lines = (text: string) => text.split('\n').filter((l) => l.trim() !== '');
const jsonLines = (text: string) =>
  lines(text).filter((l) => {
    try {
      return typeof JSON.parse(l) === 'object';
    } catch {
      return false;
    }
  });

describe('CLI logging policy', () => {
  it.each([
    ['recommend', false, {}, { level: 'warn', format: 'text' }],
    ['demo', true, {}, { level: 'debug', format: 'text' }],
    ['index', false, { CUECAST_LOG_LEVEL: 'info' }, { level: 'info', format: 'text' }],
    ['recommend', false, { CUECAST_LOG_FORMAT: 'JSON' }, { level: 'warn', format: 'json' }],
    ['recommend', false, { CUECAST_LOG_LEVEL: 'loud' }, { level: 'warn', format: 'text' }],
    ['serve', false, {}, { format: 'json' }],
    ['bot', true, { CUECAST_LOG_FORMAT: 'text' }, { level: 'debug', format: 'text' }],
  ] as const)('for `%s` (verbose %s, env %j), logs %j', (command, verbose, env, expected) => {
    expect(cliLogging(command, verbose, env)).toEqual(expected);
  });
});

describe('text log lines', () => {
  it('puts level, module, message and fields on one line, quoting values with spaces', () => {
    const record = { level: 40, time: 1, pid: 2, hostname: 'h', app: 'cuecast', module: 'index-data.describe', attempt: 2, file: 'a b.mp3', tags: ['x'], msg: 'description backend failed' };
    expect(textLogLine(JSON.stringify(record))).toBe('cuecast warn index-data.describe: description backend failed attempt=2 file="a b.mp3" tags=["x"]\n');
  });

  it('shows a serialized error by its message, escaped onto one line', () => {
    const record = { level: 50, module: 'model', err: { type: 'Error', message: 'boom\nat x', stack: 'Error: boom\n    at f' }, msg: 'inference failed' };
    expect(textLogLine(JSON.stringify(record))).toBe('cuecast error model: inference failed err="boom\\nat x"\n');
  });

  it('passes a line that is not JSON through unchanged', () => {
    expect(textLogLine('plain words')).toBe('plain words\n');
  });
});

describe('CLI logging in a child process', () => {
  it('at the default level, shows warnings and errors as readable lines and hides info and debug', async () => {
    const { code, stderr } = await probe(['recommend']);
    expect(code).toBe(0);
    expect(lines(stderr)).toEqual(['cuecast warn probe: description backend failed file="a b.mp3" attempt=2', 'cuecast error probe: indexing stopped err="connect ECONNREFUSED\\n  at somewhere"']);
  });

  it('with --verbose, shows info and debug too, still as text', async () => {
    const { stderr } = await probe(['recommend', '--verbose']);
    expect(lines(stderr).map((l) => l.split(' ')[1])).toEqual(['debug', 'info', 'warn', 'error']);
    expect(jsonLines(stderr)).toEqual([]);
  });

  it('for a service, keeps JSON records at info', async () => {
    const { stderr } = await probe(['serve']);
    expect(jsonLines(stderr).map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['resolved ffmpeg', 'description backend failed', 'indexing stopped']);
  });
});

/** stderr without the stand-in banner (which every command on the stand-ins prints there), and whether it had one. */
function withoutBanner(stderr: string): string {
  return stderr.replace(/^!!! .*\n/gm, '').replace(/^\(.*see docs\/models\.md to install the real models\)\n/gm, '');
}

describe('cuecast demo and recommend on stand-in models (real CLI, child processes)', () => {
  let demo: CliRun;
  const catalog = join(work, 'catalog-stand-in');
  const recommend = (extraArgs: readonly string[], env: Readonly<Record<string, string>> = {}) =>
    run(['recommend', join(work, 'clip.mp4'), '--catalog', catalog, '--models', fixtureModels, '--prompt', 'upbeat electronic', '--k', '2', ...extraArgs], env);

  beforeAll(async () => {
    demo = await run(['demo', '--stand-in', '--dir', work]);
  }, 330_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('`cuecast demo` prints its picks with no log line on stderr', () => {
    expect(demo.code, demo.stderr).toBe(0);
    expect(demo.stdout).toContain('Picks (zero-shot):');
    expect(demo.stderr).toMatch(/STAND-IN MODELS/);
    expect(withoutBanner(demo.stderr)).toBe('');
  });

  it('`cuecast recommend` at the default level writes nothing on stderr; --verbose shows the internals as text, worker threads included', async () => {
    const [quiet, verbose] = await Promise.all([recommend([]), recommend(['--verbose'])]);
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stderr).toMatch(/STAND-IN MODELS/);
    expect(withoutBanner(quiet.stderr)).toBe('');
    expect(quiet.stdout).toMatch(/^ {3}1\. /m);
    expect(verbose.code, verbose.stderr).toBe(0);
    expect(jsonLines(verbose.stderr)).toEqual([]);
    expect(verbose.stderr).toMatch(/^cuecast info media: resolved ffmpeg\b.* ffmpeg=\S+/m);
    expect(verbose.stderr).toMatch(/^cuecast info model: encoders ready /m);
    // Logged inside the inference worker thread, which took the format from the main thread.
    expect(verbose.stderr).toMatch(/^cuecast debug model: model loaded /m);
  }, 300_000);

  it('with CUECAST_LOG_LEVEL=debug and CUECAST_LOG_FORMAT=json, logs JSON records; --json keeps stdout one JSON document', async () => {
    const [json, quiet] = await Promise.all([recommend(['--json'], { CUECAST_LOG_LEVEL: 'debug', CUECAST_LOG_FORMAT: 'json' }), recommend(['--json'])]);
    expect(json.code, json.stderr).toBe(0);
    const records = jsonLines(json.stderr).map((l) => JSON.parse(l) as { level: number; module: string; msg: string });
    expect(records).toContainEqual(objectContaining({ level: 30, module: 'media', msg: stringMatching(/^resolved ffmpeg/) }));
    expect(records).toContainEqual(expect.objectContaining({ level: 20, module: 'model', msg: 'model loaded' }));
    for (const out of [json.stdout, quiet.stdout]) {
      expect(lines(out)).toHaveLength(1);
      expect(recommendJsonSchema.parse(JSON.parse(out)).picks.length).toBeGreaterThan(0);
    }
    expect(withoutBanner(quiet.stderr)).toBe('');
  }, 300_000);

  it("`cuecast recommend --json` whose last refinement empties the list still prints every turn's list and the final state, and exits 1", async () => {
    const emptied = await recommend(['--json', '--refine', 'faster', '--refine', 'over 250 bpm']);
    expect(emptied.code, emptied.stderr).toBe(1);
    expect(emptied.stderr).toMatch(/error NO_RESULTS: /);
    expect(lines(emptied.stdout)).toHaveLength(1);
    const json = recommendJsonSchema.parse(JSON.parse(emptied.stdout));
    expect(json.picks).toEqual([]);
    expect(json.emptiedBy).toBe('over 250 bpm');
    expect(json.turns.map((t) => t.refinement)).toEqual([null, 'faster', 'over 250 bpm']);
    expect(json.turns[0]!.picks.length).toBe(2);
    expect(json.turns[1]!.picks.length).toBe(2);
    expect(json.turns[2]!.picks).toEqual([]);
    expect(json.turns[2]!.state).toMatchObject({ tempo: 'faster', bpm: { min: 250 } });
    expect(json.state).toMatchObject({ tempo: 'faster', bpm: { min: 250 } });
    expect(json.state).not.toHaveProperty('previous');
  }, 300_000);
});
