import { spawn, spawnSync, type ChildProcess, type ChildProcessByStdio, type StdioOptions } from 'node:child_process';
import type { Readable } from 'node:stream';
import { MediaError } from '../errors.js';

/** Why a child was stopped before it finished on its own. */
export type StopReason = 'timeout' | 'aborted' | 'cancelled' | 'too-large';

export interface ChildOptions {
  readonly command: string;
  readonly args: readonly string[];
  /** Hard limit for the whole run; `Infinity` only for live pulls guarded by a network timeout. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal | undefined;
  /** How much of stderr is kept for error messages (the rest is drained and dropped). */
  readonly stderrBytes?: number;
  /** Time between SIGTERM and SIGKILL. */
  readonly killGraceMs?: number;
  /** Also pipe the child's fd 3, read from `side`: a second output (ffmpeg's `pipe:3`) without a temporary file. */
  readonly sidePipe?: boolean;
}

export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The tail of stderr. */
  readonly stderr: string;
  /** Set when this module stopped the child. */
  readonly stopped?: StopReason;
}

/** A running child: read `stdout`, then await `exit` (always settles, after `close`). */
export interface RunningChild {
  readonly pid: number | undefined;
  readonly stdout: Readable;
  /** The child's fd 3, when started with `sidePipe`. */
  readonly side?: Readable | undefined;
  readonly exit: Promise<ChildExit>;
  /** SIGTERM now, SIGKILL after the grace period; idempotent. */
  stop(reason: StopReason): void;
}

const DEFAULT_STDERR_BYTES = 16 * 1024;
const DEFAULT_KILL_GRACE_MS = 2_000;

/** Children still running, killed if this process exits so none is left orphaned. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

/**
 * util-linux `setpriv --pdeathsig KILL` when it runs here (Linux): it sets the child's parent-death
 * signal and execs the command (same pid), so the kernel kills the child when cuecast dies, even by
 * SIGKILL, which no exit hook survives. Elsewhere children are started directly and only the exit
 * hook and the signal handlers below stop them.
 */
let deathSignalWrapper: string | null | undefined;

export function parentDeathWrapper(): string | null {
  if (deathSignalWrapper === undefined) {
    const disabled = process.env.CUECAST_NO_PDEATHSIG === '1';
    const probe = disabled || process.platform !== 'linux' ? undefined : spawnSync('setpriv', ['--pdeathsig', 'KILL', '--', 'true'], { stdio: 'ignore', timeout: 5000 });
    deathSignalWrapper = probe && probe.status === 0 ? 'setpriv' : null;
  }
  return deathSignalWrapper;
}

/** The command line that starts `command`: through setpriv when it is available. */
export function wrappedCommand(command: string, args: readonly string[]): { command: string; args: string[] } {
  const wrapper = parentDeathWrapper();
  return wrapper ? { command: wrapper, args: ['--pdeathsig', 'KILL', '--', command, ...args] } : { command, args: [...args] };
}

let signalHandlersInstalled = false;

/**
 * For one-shot commands: SIGINT and SIGTERM stop every running child, then exit 130 or 143 (128 +
 * the signal), as a shell expects. Long-running commands (serve, bot) drain on these signals instead.
 */
export function stopChildrenOnSignals(): void {
  if (signalHandlersInstalled) return;
  signalHandlersInstalled = true;
  installExitHook();
  const onSignal = (signal: NodeJS.Signals, code: number) => () => {
    for (const child of live) child.kill('SIGKILL');
    process.stderr.write(`\ncuecast: stopped by ${signal}\n`);
    process.exit(code);
  };
  process.once('SIGINT', onSignal('SIGINT', 130));
  process.once('SIGTERM', onSignal('SIGTERM', 143));
}

/** Keeps the last `limit` bytes of a text stream. */
export class TailBuffer {
  private text = '';
  constructor(private readonly limit: number) {}

  push(chunk: Buffer | string): void {
    this.text += chunk.toString();
    if (this.text.length > 2 * this.limit) this.text = this.text.slice(-this.limit);
  }

  toString(): string {
    return this.text.length > this.limit ? this.text.slice(-this.limit) : this.text;
  }
}

/** Pids of children started by this module that have not closed yet (tests check for orphans). */
export function liveChildPids(): number[] {
  return [...live].map((child) => child.pid).filter((pid): pid is number => pid !== undefined);
}

/**
 * Starts a child with stdin ignored, stdout piped and stderr drained into a bounded tail. The child is
 * stopped on timeout or abort and `exit` settles only on `close`, so callers can always await it.
 */
export function startChild(options: ChildOptions): RunningChild {
  installExitHook();
  const started = wrappedCommand(options.command, options.args);
  const stdio: StdioOptions = options.sidePipe ? ['ignore', 'pipe', 'pipe', 'pipe'] : ['ignore', 'pipe', 'pipe'];
  // Piped stdout and stderr are always there; the typings only know so for three-entry stdio tuples.
  const child = spawn(started.command, started.args, { stdio, windowsHide: true }) as ChildProcessByStdio<null, Readable, Readable>;
  const side = options.sidePipe ? (child.stdio[3] as Readable) : undefined;
  live.add(child);
  const stderr = new TailBuffer(options.stderrBytes ?? DEFAULT_STDERR_BYTES);
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  let stopped: StopReason | undefined;
  let killTimer: NodeJS.Timeout | undefined;

  const stop = (reason: StopReason): void => {
    if (stopped !== undefined || child.exitCode !== null || child.signalCode !== null) return;
    stopped = reason;
    child.kill('SIGTERM');
    killTimer = setTimeout(() => child.kill('SIGKILL'), options.killGraceMs ?? DEFAULT_KILL_GRACE_MS);
    killTimer.unref();
  };

  const timer = Number.isFinite(options.timeoutMs) ? setTimeout(() => stop('timeout'), options.timeoutMs) : undefined;
  const onAbort = (): void => stop('aborted');
  if (options.signal?.aborted) queueMicrotask(onAbort);
  else options.signal?.addEventListener('abort', onAbort, { once: true });

  const exit = new Promise<ChildExit>((resolve) => {
    let spawnError: Error | undefined;
    child.once('error', (error) => {
      spawnError = error;
    });
    // When we killed it, a grandchild (a wrapper script's) can still hold the pipes open: stop waiting for
    // it. Not on a natural exit, where a slow reader may still be draining the last frames.
    child.once('exit', () => {
      if (stopped === undefined) return;
      setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        side?.destroy();
      }, options.killGraceMs ?? DEFAULT_KILL_GRACE_MS).unref();
    });
    child.once('close', (code, signal) => {
      live.delete(child);
      clearTimeout(timer);
      clearTimeout(killTimer);
      options.signal?.removeEventListener('abort', onAbort);
      // Through setpriv, a command that cannot start is setpriv's exit 127, not a spawn error: report it as one.
      const execFailed = started.command !== options.command && code === 127 && /setpriv: failed to execute/.test(stderr.toString());
      const failedToStart = spawnError ?? (execFailed ? new Error(`spawn ${options.command} ENOENT (${stderr.toString().trim()})`) : undefined);
      const tail = failedToStart ? `${stderr.toString()}\nspawn failed: ${failedToStart.message}` : stderr.toString();
      resolve({ code: failedToStart ? -1 : code, signal, stderr: tail, ...(stopped ? { stopped } : {}) });
    });
  });

  return { pid: child.pid, stdout: child.stdout, side, exit, stop };
}

export interface CollectOptions extends Omit<ChildOptions, 'sidePipe'> {
  /** Most stdout bytes accepted; past it the child is stopped and `MEDIA_TOO_LARGE` thrown. */
  readonly maxStdoutBytes: number;
  /** Collect the child's fd 3 too (see `sidePipe`), up to this many bytes. */
  readonly maxSideBytes?: number | undefined;
  /** Gather stdout in a SharedArrayBuffer, whose views worker threads read without a copy. */
  readonly sharedStdout?: boolean | undefined;
}

export interface Collected {
  readonly stdout: Buffer;
  /** What the child wrote to fd 3, when `maxSideBytes` was set. */
  readonly side?: Buffer;
  readonly exit: ChildExit;
}

/** Collects a stream up to `maxBytes`; past it, stops the child and remembers which output overflowed. */
function collect(stream: Readable, maxBytes: number, child: RunningChild, overflowed: (limit: number) => void): Buffer[] {
  const chunks: Buffer[] = [];
  let size = 0;
  stream.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > maxBytes) {
      overflowed(maxBytes);
      child.stop('too-large');
      stream.destroy();
      return;
    }
    chunks.push(chunk);
  });
  return chunks;
}

/** Runs a child to completion, collecting stdout (and fd 3 when asked) up to a cap. Never throws for a non-zero exit. */
export async function runChild(options: CollectOptions): Promise<Collected> {
  const child = startChild({ ...options, sidePipe: options.maxSideBytes !== undefined });
  let limit: number | undefined;
  const overflowed = (maxBytes: number): void => {
    limit ??= maxBytes;
  };
  const chunks = collect(child.stdout, options.maxStdoutBytes, child, overflowed);
  const sideChunks = child.side && options.maxSideBytes !== undefined ? collect(child.side, options.maxSideBytes, child, overflowed) : undefined;
  const exit = await child.exit;
  if (exit.stopped === 'too-large') {
    throw new MediaError('MEDIA_TOO_LARGE', `The output of ${options.command} passed the limit of ${limit} bytes`, { maxBytes: limit });
  }
  return { stdout: options.sharedStdout ? concatShared(chunks) : Buffer.concat(chunks), ...(sideChunks ? { side: Buffer.concat(sideChunks) } : {}), exit };
}

/** Buffer.concat into memory of its own that worker threads can share. */
function concatShared(chunks: readonly Buffer[]): Buffer {
  const out = Buffer.from(new SharedArrayBuffer(chunks.reduce((sum, chunk) => sum + chunk.length, 0)));
  let at = 0;
  for (const chunk of chunks) at += chunk.copy(out, at);
  return out;
}
