/**
 * Typed errors with stable codes. The code is what user-facing layers (Discord replies, socket.io acks,
 * CLI exit lines) switch on; the message is for humans and may change; `details` carries structured
 * context for logs (never raw data).
 */
export const ERROR_CODES = [
  'CONFIG_INVALID',
  'MEDIA_NOT_FOUND',
  'MEDIA_UNREADABLE',
  'MEDIA_NO_VIDEO',
  'MEDIA_NO_AUDIO',
  'MEDIA_EMPTY',
  'MEDIA_TOO_LARGE',
  'MEDIA_TOO_LONG',
  'MEDIA_TIMEOUT',
  'MEDIA_UNREACHABLE',
  'MEDIA_ABORTED',
  'FFMPEG_MISSING',
  'MODEL_MISSING',
  'MODEL_UNREACHABLE',
  'MODEL_INVALID',
  'MODEL_MISMATCH',
  'MODEL_FAILED',
  'INPUT_INVALID',
  'CATALOG_MISSING',
  'CATALOG_EMPTY',
  'CATALOG_MISMATCH',
  'CATALOG_CORRUPT',
  'NO_RESULTS',
  'PROMPT_TOO_LONG',
  'RATE_LIMITED',
  'BUSY',
  'UNAUTHORIZED',
  'NOT_FOUND',
  'EXPIRED',
  'SHUTTING_DOWN',
  'REDIS_UNAVAILABLE',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export type ErrorDetails = Readonly<Record<string, unknown>>;

export class CuecastError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.details = details;
  }

  override get name(): string {
    return `CuecastError[${this.code}]`;
  }

  toJSON(): { code: ErrorCode; message: string; details: ErrorDetails } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

/** Invalid configuration: every problem at once, one per line. */
export class ConfigError extends CuecastError {
  readonly issues: readonly string[];
  constructor(issues: readonly string[]) {
    super('CONFIG_INVALID', `Invalid configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`, { issues });
    this.issues = issues;
  }
}

/** Anything from ffmpeg/ffprobe or the inputs they read. */
export class MediaError extends CuecastError {}

/** Loading or running a model. */
export class ModelError extends CuecastError {}

/** The catalog on disk: missing, empty, built with other encoders, corrupt. */
export class CatalogError extends CuecastError {}

/** Bad input from a user (a prompt too long, an unknown option, a malformed payload). */
export class InputError extends CuecastError {}

export function isCuecastError(error: unknown): error is CuecastError {
  return error instanceof CuecastError;
}

/** Maps anything thrown to a CuecastError; unknown failures become INTERNAL with the original as cause. */
export function toCuecastError(error: unknown): CuecastError {
  if (error instanceof CuecastError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new CuecastError('INTERNAL', `Unexpected failure: ${message}`, {}, { cause: error });
}
