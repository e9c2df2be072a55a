import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

let root: Logger | undefined;

/** The process-wide logger: JSON lines on stderr (stdout stays free for CLI output and --json). */
export function rootLogger(): Logger {
  root ??= pino(
    { level: (process.env.CUECAST_LOG_LEVEL as LevelWithSilent | undefined) ?? (process.env.VITEST ? 'silent' : 'info'), base: { app: 'cuecast' } },
    pino.destination({ dest: 2, sync: true }),
  );
  return root;
}

export function setLogLevel(level: LevelWithSilent): void {
  rootLogger().level = level;
}

/** A child logger for one module: `logger('media')`, `logger('bot', { requestId })`. */
export function logger(module: string, bindings: Record<string, unknown> = {}): Logger {
  return rootLogger().child({ module, ...bindings });
}
