import type { ErrorCode } from '../errors.js';
import { MediaError } from '../errors.js';
import type { ChildExit } from './process.js';

interface Rule {
  readonly pattern: RegExp;
  readonly code: ErrorCode;
  readonly what: string;
}

/** ffmpeg/ffprobe stderr -> error code, first match wins (most specific first). */
const RULES: readonly Rule[] = [
  { pattern: /Server returned 40[14]|HTTP error 40[14]/i, code: 'MEDIA_NOT_FOUND', what: 'the server has no such media (HTTP 401/404)' },
  { pattern: /No such file or directory/i, code: 'MEDIA_NOT_FOUND', what: 'no such file' },
  { pattern: /timed out|Operation timed out|ETIMEDOUT/i, code: 'MEDIA_TIMEOUT', what: 'the network read timed out' },
  {
    pattern:
      /Connection refused|Failed to resolve hostname|Name or service not known|Temporary failure in name resolution|Network is unreachable|No route to host|Connection reset|Server returned|HTTP error|End of file while parsing|Unable to open resource|Error in the pull function|Input\/output error/i,
    code: 'MEDIA_UNREACHABLE',
    what: 'the URL could not be reached or read',
  },
  { pattern: /Unknown encoder|Encoder not found|Unknown decoder/i, code: 'FFMPEG_MISSING', what: 'this ffmpeg build lacks a codec it needs' },
  { pattern: /Protocol not found|not on whitelist/i, code: 'INPUT_INVALID', what: 'the input uses a protocol that is not allowed' },
  {
    pattern: /Invalid data found|moov atom not found|could not find codec parameters|partial file|Invalid argument|does not contain any stream|Error while decoding|EBML header parsing failed|Format .* detected only with low score/i,
    code: 'MEDIA_UNREADABLE',
    what: 'it is not media ffmpeg can read (corrupt, truncated or another kind of file)',
  },
];

/** The last few meaningful stderr lines, for messages. */
export function stderrSummary(stderr: string, lines = 4): string {
  return stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('Last message repeated'))
    .slice(-lines)
    .join(' | ');
}

export interface FailureContext {
  /** `probe`, `frames`, `audio`, `cut`. */
  readonly operation: string;
  /** Path, redacted URL or `<N bytes>`. */
  readonly label: string;
  readonly timeoutMs?: number;
}

const CRASH_SIGNALS: ReadonlySet<string> = new Set(['SIGSEGV', 'SIGBUS', 'SIGILL', 'SIGFPE', 'SIGABRT', 'SIGSYS']);

const VERBS: Readonly<Record<string, string>> = { probe: 'probe', frames: 'read frames from', audio: 'read audio from', cut: 'cut a segment from' };

/** The typed error for a child that was stopped or exited non-zero. */
export function failureFromExit(exit: ChildExit, context: FailureContext): MediaError {
  const details = { input: context.label, operation: context.operation, exitCode: exit.code, stderr: stderrSummary(exit.stderr, 8) };
  if (exit.stopped === 'timeout') {
    return new MediaError('MEDIA_TIMEOUT', `${context.operation} of ${context.label} took longer than ${context.timeoutMs ?? '?'} ms and was stopped`, details);
  }
  if (exit.stopped === 'aborted') return new MediaError('MEDIA_ABORTED', `${context.operation} of ${context.label} was aborted`, details);
  // Killed by a signal we did not send: the decoder crashed on this input (a bug it has, not bad input alone).
  if (exit.stopped === undefined && exit.signal !== null && CRASH_SIGNALS.has(exit.signal)) {
    return new MediaError('MEDIA_DECODER_CRASHED', `The decoder crashed (${exit.signal}) trying to ${VERBS[context.operation] ?? context.operation} ${context.label}`, { ...details, signal: exit.signal });
  }
  const rule = RULES.find((candidate) => candidate.pattern.test(exit.stderr));
  const code: ErrorCode = rule?.code ?? 'MEDIA_UNREADABLE';
  const what = rule?.what ?? 'ffmpeg failed';
  const summary = stderrSummary(exit.stderr);
  return new MediaError(code, `Cannot ${VERBS[context.operation] ?? context.operation} ${context.label}: ${what}${summary ? ` (ffmpeg: ${summary})` : ''}`, details);
}

/** Messages ffmpeg prints, even when it exits 0, when the data ends early or is damaged mid-stream. */
const DAMAGE = /partial file|Invalid data found when processing input/;

/**
 * A truncated file whose index is at the front (a cut download of a "faststart" mp4) probes fine and
 * decodes up to the cut, then ffmpeg exits 0: its stderr is the only sign. Undefined when undamaged.
 */
export function damageFromExit(exit: ChildExit, context: FailureContext): MediaError | undefined {
  if (exit.code !== 0 || !DAMAGE.test(exit.stderr)) return undefined;
  return new MediaError('MEDIA_UNREADABLE', `Cannot ${VERBS[context.operation] ?? context.operation} ${context.label}: it is truncated or damaged (ffmpeg: ${stderrSummary(exit.stderr)})`, {
    input: context.label,
    operation: context.operation,
    stderr: stderrSummary(exit.stderr, 8),
  });
}
