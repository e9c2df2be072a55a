import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';

export type ByteRange = { readonly start: number; readonly end: number };

/**
 * Parses a single-range `Range` header against a file size: `undefined` when there is none (send the
 * whole file), `null` when it cannot be satisfied (416).
 */
export function parseRange(header: string | undefined, size: number): ByteRange | null | undefined {
  if (!header) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return null;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0 || size === 0) return null;
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size || end < start) return null;
  return { start, end };
}

export interface FileResponse {
  readonly type: string;
  /** Sent with the file; they may replace the default `cache-control` (private, five minutes). */
  readonly headers?: Readonly<Record<string, string>>;
  /** The answer when the path is not a readable regular file. */
  readonly missing: (response: ServerResponse) => void;
}

/**
 * Sends a file, honouring a single byte range so <audio> and <video> can seek. Resolves once the
 * response is finished or the client went away.
 */
export async function sendFileRange(request: IncomingMessage, response: ServerResponse, path: string, how: FileResponse): Promise<void> {
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new Error('not a file');
    size = info.size;
  } catch {
    how.missing(response);
    return;
  }
  const range = parseRange(request.headers.range, size);
  const common = { 'content-type': how.type, 'accept-ranges': 'bytes', 'cache-control': 'private, max-age=300', ...how.headers };
  if (range === null) {
    response.writeHead(416, { ...common, 'content-range': `bytes */${size}` }).end();
    return;
  }
  const { start, end } = range ?? { start: 0, end: size - 1 };
  response.writeHead(range ? 206 : 200, {
    ...common,
    'content-length': String(size === 0 ? 0 : end - start + 1),
    ...(range ? { 'content-range': `bytes ${start}-${end}/${size}` } : {}),
  });
  if (request.method === 'HEAD' || size === 0) {
    response.end();
    return;
  }
  await new Promise<void>((resolve) => {
    const stream = createReadStream(path, { start, end });
    stream.on('error', () => {
      response.destroy();
      resolve();
    });
    response.on('close', () => {
      stream.destroy();
      resolve();
    });
    stream.pipe(response);
  });
}
