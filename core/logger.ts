import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

/** `json`: one JSON object per line, for services and log collectors. `text`: one readable line per record, for people. */
export type LogFormat = 'json' | 'text';

const LOG_FORMATS: readonly LogFormat[] = ['json', 'text'];

let root: Logger | undefined;
let format: LogFormat = parseLogFormat(process.env.CUECAST_LOG_FORMAT) ?? 'json';

/** The process-wide logger: lines on stderr (stdout stays free for CLI output and --json), JSON unless set to text. */
export function rootLogger(): Logger {
  root ??= pino({ level: (process.env.CUECAST_LOG_LEVEL as LevelWithSilent | undefined) ?? (process.env.VITEST ? 'silent' : 'info'), base: { app: 'cuecast' } }, formattedStderr());
  return root;
}

export function setLogLevel(level: LevelWithSilent): void {
  rootLogger().level = level;
}

/**
 * Switches the format of every logger, existing ones included. Also sets CUECAST_LOG_FORMAT, because
 * worker threads started afterwards build their own logger from the environment they inherit.
 */
export function setLogFormat(next: LogFormat): void {
  format = next;
  process.env.CUECAST_LOG_FORMAT = next;
}

export function parseLogFormat(value: string | undefined): LogFormat | undefined {
  return LOG_FORMATS.find((f) => f === value?.trim().toLowerCase());
}

/** A child logger for one module: `logger('media')`, `logger('bot', { requestId })`. */
export function logger(module: string, bindings: Record<string, unknown> = {}): Logger {
  return rootLogger().child({ module, ...bindings });
}

function formattedStderr(): DestinationStream {
  const stderr = pino.destination({ dest: 2, sync: true });
  return { write: (line: string) => void stderr.write(format === 'json' ? line : textLogLine(line)) };
}

const LEVEL_NAMES: Readonly<Record<number, string>> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
/** Fields every record carries that a person does not need on each line. */
const OMITTED = new Set(['level', 'time', 'pid', 'hostname', 'app', 'module', 'msg']);

/**
 * One pino JSON record as one readable line:
 * `cuecast warn index-data.describe: description backend failed attempt=2 err="connect ECONNREFUSED"`.
 */
export function textLogLine(json: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const level = LEVEL_NAMES[record.level as number] ?? String(record.level);
  const where = typeof record.module === 'string' ? ` ${record.module}:` : '';
  const fields = Object.entries(record)
    .filter(([key, value]) => !OMITTED.has(key) && value !== undefined)
    .map(([key, value]) => `${key}=${textValue(value)}`);
  return `cuecast ${level}${where} ${[messageText(record.msg).replace(/\s*\n\s*/g, ' '), ...fields].filter(Boolean).join(' ')}\n`;
}

/** pino's `msg`: a string, or (from a caller that logged something else) that value as JSON. */
function messageText(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function textValue(value: unknown): string {
  // pino's error serializer gives { type, message, stack }: the message is what fits on one line.
  if (value !== null && typeof value === 'object' && typeof (value as { message?: unknown }).message === 'string') value = (value as { message: string }).message;
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value);
}
