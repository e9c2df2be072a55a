/** Running the real `cuecast` CLI in a child process, on the fixture models, offline. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fixtureModelsDir } from './models.js';

export const repoRoot = resolve(import.meta.dirname, '..', '..');
export const cuecastBin = join(repoRoot, 'bin', 'cuecast.js');

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * This process's environment plus: the fixture models, `dataDir`, no downloads, one worker, no logs,
 * fp32 (tests compare exact values; `auto` would also run its q8 check in every fresh dataDir; it has
 * its own tests in tests/model/dtype-auto.test.ts).
 */
export function fixtureCliEnv(dataDir: string, extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    CUECAST_MODELS: fixtureModelsDir,
    CUECAST_DATA_DIR: dataDir,
    CUECAST_ALLOW_REMOTE_MODELS: 'false',
    CUECAST_WORKERS: '1',
    // One intra-op thread, as the in-process fixture encoders (support/models.ts): the suite runs files side
    // by side on 2 cores, and a CLI child on both cores starved the load test beside it (frame-to-pick p95 3.4 s once).
    CUECAST_THREADS: '1',
    CUECAST_DTYPE: 'fp32',
    CUECAST_LOG_LEVEL: 'silent',
    ...extra,
  };
}

/**
 * Runs `node <entry> ...args` (entry: bin/cuecast.js unless `node` says otherwise) to completion, from
 * the repository root unless `cwd` says otherwise; killed after `timeoutMs` (default 300 s: a loaded 2-core machine).
 */
export function runCuecast(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  node: readonly string[] = [cuecastBin],
  { cwd = repoRoot, timeoutMs = 300_000 }: { cwd?: string; timeoutMs?: number } = {},
): Promise<CliRun> {
  const child = spawn(process.execPath, [...node, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((done) => child.on('close', (code) => done({ code, stdout, stderr })));
}

export interface LiveCuecast {
  readonly child: ChildProcess;
  /** stdout and stderr so far, interleaved as they arrived. */
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

/** Starts a long-running `node <entry> ...args` (a bot, a server) and hands it back running; the caller stops it. */
export function startCuecast(args: readonly string[], env: NodeJS.ProcessEnv, node: readonly string[] = [cuecastBin]): LiveCuecast {
  const child = spawn(process.execPath, [...node, ...args], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, output: () => output, exited };
}
