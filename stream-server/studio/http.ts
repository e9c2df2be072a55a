import type { IncomingMessage, ServerResponse } from 'node:http';
import { isCuecastError, type ErrorCode } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { sendFileRange } from '../file-response.js';

/**
 * Everything the studio serves comes from cuecast itself: scripts, styles, media and fetches. The
 * page has no inline script or style, so the policy needs no hashes.
 */
export const STUDIO_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "media-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers on every studio response: the token travels in page URLs, so no referrer leaves it. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': STUDIO_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
};

export interface StudioProblem {
  readonly code: ErrorCode;
  readonly message: string;
}

/** An HTTP status for each stable code the studio answers with. */
const STATUS: Partial<Record<ErrorCode, number>> = {
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  EXPIRED: 404,
  MEDIA_TOO_LARGE: 413,
  MEDIA_TOO_LONG: 422,
  MEDIA_NO_VIDEO: 415,
  MEDIA_NO_AUDIO: 422,
  MEDIA_EMPTY: 422,
  MEDIA_UNREADABLE: 422,
  INPUT_INVALID: 400,
  PROMPT_TOO_LONG: 400,
  NO_RESULTS: 404,
  RATE_LIMITED: 429,
  BUSY: 503,
  SHUTTING_DOWN: 503,
  MEDIA_TIMEOUT: 504,
  CATALOG_EMPTY: 409,
};

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  response.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(JSON.stringify(body));
}

export function sendProblem(response: ServerResponse, code: ErrorCode, message: string): void {
  sendJson(response, STATUS[code] ?? 500, { error: { code, message } });
}

/** Only our own typed errors reach the page with their message; anything else is INTERNAL. */
export function sendFailure(response: ServerResponse, error: unknown, log: Logger): void {
  if (isCuecastError(error) && error.code !== 'INTERNAL') {
    sendProblem(response, error.code, error.message);
    return;
  }
  log.error({ err: error }, 'unexpected failure in the studio');
  sendProblem(response, 'INTERNAL', 'Internal error');
}

/** A request body of at most `maxBytes`; undefined when it is longer (the rest is not read). */
export async function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  const declared = Number(request.headers['content-length'] ?? Number.NaN);
  if (declared > maxBytes) return undefined;
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > maxBytes) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Sends a file with the studio's headers, honouring a single byte range so <video> and <audio> can seek. */
export function sendFile(request: IncomingMessage, response: ServerResponse, path: string, type: string, extra: Readonly<Record<string, string>> = {}): Promise<void> {
  return sendFileRange(request, response, path, { type, headers: { ...SECURITY_HEADERS, ...extra }, missing: fileGone });
}

/** The studio's answer for a clip, export or track whose file is no longer there. */
export function fileGone(response: ServerResponse): void {
  sendProblem(response, 'NOT_FOUND', 'The file is gone');
}

/** `attachment; filename=...` with an ASCII fallback and the UTF-8 name (RFC 6266). */
export function attachmentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}
