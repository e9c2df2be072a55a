/**
 * What every CLI command prints for an error and for the stand-in models, the same way everywhere:
 * errors in full (every line of a configuration error) on stderr, or with --json as one JSON object
 * `{"error":{"code","message"}}` on stdout, with the same exit code; the stand-in banner on stderr.
 * Light on purpose: commands import it before anything heavy.
 */
import { toCuecastError } from '../core/errors.js';

export interface Output {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

const processOutput: Output = { stdout: process.stdout, stderr: process.stderr };

/** The exit code of a failed command. */
export const EXIT_FAILED = 1;

/** The JSON form of an error, as `--json` prints it. */
export function errorJson(error: unknown): { error: { code: string; message: string } } {
  const e = toCuecastError(error);
  return { error: { code: e.code, message: e.message } };
}

export interface ErrorReportOptions {
  readonly json?: boolean | undefined;
  /** The command's `--json` output is a stream of progress events: the error is one more `{"event":"error",...}` line. */
  readonly asEvent?: boolean;
}

/** Prints `error` in full (text on stderr, or one JSON object on stdout with `json`); returns the exit code. */
export function reportError(error: unknown, options: ErrorReportOptions = {}, out: Output = processOutput): number {
  const e = toCuecastError(error);
  if (options.json) out.stdout.write(`${JSON.stringify(options.asEvent ? { event: 'error', ...errorJson(e) } : errorJson(e))}\n`);
  else out.stderr.write(`error ${e.code}: ${e.message}\n`);
  return EXIT_FAILED;
}

/** The stand-in notice a command's models carry, if any. */
export interface StandInCarrier {
  readonly standIn?: { readonly reason: string } | undefined;
}

/** Prints the stand-in banner on stderr when `models` are the stand-ins; returns whether they are. */
export async function announceStandIn(models: StandInCarrier, out: Output = processOutput): Promise<boolean> {
  if (!models.standIn) return false;
  const { standInBanner } = await import('../model/stand-in.js');
  out.stderr.write(`${standInBanner(models.standIn)}\n`);
  return true;
}
