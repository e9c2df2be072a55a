import { MediaError } from '../core/errors.js';
import { checkDeclaredClip } from '../core/media/clip-rules.js';

export interface AttachmentRef {
  readonly url: string;
  readonly name: string;
  readonly size: number;
  /** Discord's guess from the upload; absent for some clients. */
  readonly contentType?: string | null;
}

export interface DownloadLimits {
  readonly maxBytes: number;
  readonly timeoutMs: number;
}

/** Refuses, before any download, attachments that cannot be a usable video clip (rules shared with the studio). */
export function checkAttachment(attachment: AttachmentRef | null | undefined, maxBytes: number): AttachmentRef {
  checkDeclaredClip(attachment, maxBytes);
  return attachment!;
}

/**
 * Downloads an attachment at once (Discord's CDN links are signed and expire), streaming with a byte
 * cap and a deadline so a lying Content-Length or a stalled CDN cannot hold the request.
 */
export async function downloadAttachment(attachment: AttachmentRef, limits: DownloadLimits, signal?: AbortSignal): Promise<Uint8Array> {
  const deadline = AbortSignal.timeout(limits.timeoutMs);
  const combined = signal ? AbortSignal.any([signal, deadline]) : deadline;
  let response: Response;
  try {
    response = await fetch(attachment.url, { signal: combined, redirect: 'follow' });
  } catch (error) {
    throw downloadFailure(error, deadline, attachment);
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => {});
    const expired = response.status === 403 || response.status === 404 || response.status === 410;
    throw new MediaError('MEDIA_UNREACHABLE', `download of ${attachment.name} failed with HTTP ${response.status}`, { status: response.status, expired });
  }
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > limits.maxBytes) {
    await response.body?.cancel().catch(() => {});
    throw new MediaError('MEDIA_TOO_LARGE', `${attachment.name} is ${declared} bytes, over the ${limits.maxBytes} byte limit`, { size: declared, maxBytes: limits.maxBytes });
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    const reader = response.body?.getReader();
    for (let read = await reader?.read(); reader && read && !read.done; read = await reader.read()) {
      const chunk = read.value;
      total += chunk.byteLength;
      if (total > limits.maxBytes) {
        await reader.cancel().catch(() => {});
        throw new MediaError('MEDIA_TOO_LARGE', `${attachment.name} is over the ${limits.maxBytes} byte limit`, { size: total, maxBytes: limits.maxBytes });
      }
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof MediaError) throw error;
    throw downloadFailure(error, deadline, attachment);
  }
  if (total === 0) throw new MediaError('MEDIA_EMPTY', `${attachment.name} is empty`);
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

function downloadFailure(error: unknown, deadline: AbortSignal, attachment: AttachmentRef): MediaError {
  if (deadline.aborted) return new MediaError('MEDIA_TIMEOUT', `download of ${attachment.name} timed out`, {}, { cause: error });
  if ((error as Error).name === 'AbortError') return new MediaError('MEDIA_ABORTED', `download of ${attachment.name} was aborted`, {}, { cause: error });
  return new MediaError('MEDIA_UNREACHABLE', `download of ${attachment.name} failed: ${(error as Error).message}`, { expired: false }, { cause: error });
}
