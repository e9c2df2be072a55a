import type { Command } from 'commander';
import type { LevelWithSilent } from 'pino';
import { parseLogFormat, setLogFormat, setLogLevel, type LogFormat } from '../core/logger.js';

/** Long-running services: their logs are records for a collector (JSON at the configured level). */
const SERVICES = new Set(['bot', 'serve']);

const LEVELS: readonly LevelWithSilent[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface CliLogging {
  readonly level?: LevelWithSilent;
  readonly format: LogFormat;
}

/**
 * How the CLI logs for one command. People running a one-shot command (demo, recommend, index, ...)
 * get readable one-line logs at `warn`: internals (info) show only with `--verbose` or
 * CUECAST_LOG_LEVEL. Services keep JSON at the configured level; `--verbose` raises them to debug.
 * CUECAST_LOG_FORMAT (json | text) overrides the format either way. `level` undefined: leave as configured.
 */
export function cliLogging(command: string, verbose: boolean, env: NodeJS.ProcessEnv = process.env): CliLogging {
  const service = SERVICES.has(command);
  const format = parseLogFormat(env.CUECAST_LOG_FORMAT) ?? (service ? 'json' : 'text');
  const configured = LEVELS.find((l) => l === env.CUECAST_LOG_LEVEL?.trim());
  if (verbose) return { level: 'debug', format };
  if (service) return { format };
  return { level: configured ?? 'warn', format };
}

/**
 * Applies `cliLogging` before a command runs. The level is also exported as CUECAST_LOG_LEVEL, so the
 * config that commands load (and the worker threads that config starts) log at the same level.
 */
export function configureCliLogging(action: Command, verbose: boolean): void {
  const { level, format } = cliLogging(topLevelName(action), verbose);
  setLogFormat(format);
  if (level !== undefined) {
    setLogLevel(level);
    process.env.CUECAST_LOG_LEVEL = level;
  }
}

/** `stats` in `cuecast catalog stats` belongs to `catalog`. */
function topLevelName(action: Command): string {
  let command = action;
  while (command.parent?.parent) command = command.parent;
  return command.name();
}
