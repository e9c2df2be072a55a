import { randomBytes } from 'node:crypto';
import { mkdir, open, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { CuecastError, InputError, MediaError } from '../../core/errors.js';
import { checkClipContent, checkDeclaredClip, SNIFF_BYTES, type DeclaredClip, type VideoContainer } from '../../core/media/clip-rules.js';

export interface UploadLimits {
  /** Largest clip, in bytes (the bot's `discord.maxClipBytes`). */
  readonly maxClipBytes: number;
  /** Largest chunk, in bytes. */
  readonly chunkBytes: number;
  /** Uploads in progress at once; more wait with BUSY. */
  readonly maxActive: number;
  /** An upload that receives nothing for this long is dropped. */
  readonly idleMs: number;
}

interface Upload {
  readonly id: string;
  readonly clip: DeclaredClip;
  readonly dir: string;
  readonly path: string;
  readonly file: FileHandle;
  received: number;
  container: VideoContainer | undefined;
  lastActive: number;
  /** Chunks are written one at a time, in order. */
  busy: boolean;
}

/** A complete upload, handed over as a file the caller now owns (and must remove). */
export interface ReceivedClip {
  readonly name: string;
  readonly size: number;
  readonly container: VideoContainer;
  readonly dir: string;
  readonly path: string;
}

/**
 * Clips arriving in chunks, each written to a private file as it comes: the declared name, type and
 * size are checked before the first byte, the first chunk's content is sniffed, the total can never
 * pass the declared size or the limit.
 */
export class UploadStore {
  readonly #uploads = new Map<string, Upload>();
  readonly #sweeper: NodeJS.Timeout;

  constructor(
    private readonly dir: string,
    private readonly limits: UploadLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.#sweeper = setInterval(() => void this.sweep(), Math.min(60_000, limits.idleMs));
    this.#sweeper.unref();
  }

  async begin(clip: { name?: unknown; size?: unknown; type?: unknown }): Promise<{ id: string; chunkBytes: number }> {
    const name = typeof clip.name === 'string' && clip.name.trim() ? clip.name.trim().slice(0, 200) : '';
    if (!name) throw new InputError('INPUT_INVALID', 'The upload needs the file name');
    if (typeof clip.size !== 'number' || !Number.isSafeInteger(clip.size) || clip.size < 0) throw new InputError('INPUT_INVALID', 'The upload needs the file size in bytes');
    if (clip.size === 0) throw new MediaError('MEDIA_EMPTY', `${name} is empty (0 bytes)`);
    const declared = checkDeclaredClip({ name, size: clip.size, contentType: typeof clip.type === 'string' && clip.type ? clip.type : null }, this.limits.maxClipBytes);
    await this.sweep();
    if (this.#uploads.size >= this.limits.maxActive) throw new CuecastError('BUSY', `${this.limits.maxActive} uploads are already in progress; try again when one has finished`);
    const id = randomBytes(12).toString('base64url');
    const dir = join(this.dir, id);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const path = join(dir, 'clip');
    const file = await open(path, 'wx', 0o600);
    this.#uploads.set(id, { id, clip: declared, dir, path, file, received: 0, container: undefined, lastActive: this.now(), busy: false });
    return { id, chunkBytes: this.limits.chunkBytes };
  }

  /** Appends a chunk at `offset` (which must be what has arrived so far); returns the bytes received. */
  async append(id: string, offset: number, chunk: Uint8Array): Promise<{ received: number; size: number }> {
    const upload = this.#get(id);
    if (upload.busy) throw new CuecastError('BUSY', 'A chunk of this upload is still being written; send chunks one at a time');
    if (!Number.isSafeInteger(offset) || offset !== upload.received) {
      throw new InputError('INPUT_INVALID', `The next chunk must start at byte ${upload.received}, not ${offset}`, { expected: upload.received });
    }
    if (chunk.byteLength === 0) throw new InputError('INPUT_INVALID', 'An empty chunk');
    if (upload.received + chunk.byteLength > upload.clip.size) {
      await this.abort(id);
      throw new MediaError('MEDIA_TOO_LARGE', `${upload.clip.name} is longer than the ${upload.clip.size} bytes it declared`, { size: upload.received + chunk.byteLength, maxBytes: upload.clip.size });
    }
    upload.busy = true;
    try {
      if (offset === 0) {
        try {
          upload.container = checkClipContent(chunk.subarray(0, SNIFF_BYTES), upload.clip.name);
        } catch (error) {
          await this.abort(id);
          throw error;
        }
      }
      await upload.file.write(chunk, 0, chunk.byteLength, offset);
      upload.received += chunk.byteLength;
      upload.lastActive = this.now();
      return { received: upload.received, size: upload.clip.size };
    } finally {
      upload.busy = false;
    }
  }

  /** The complete file, once every declared byte has arrived; the upload is then forgotten. */
  async finish(id: string): Promise<ReceivedClip> {
    const upload = this.#get(id);
    if (upload.busy) throw new CuecastError('BUSY', 'A chunk of this upload is still being written');
    if (upload.received !== upload.clip.size || !upload.container) {
      throw new InputError('INPUT_INVALID', `${upload.clip.name}: ${upload.received} of ${upload.clip.size} bytes have arrived`, { received: upload.received });
    }
    this.#uploads.delete(id);
    await upload.file.close();
    return { name: upload.clip.name, size: upload.clip.size, container: upload.container, dir: upload.dir, path: upload.path };
  }

  async abort(id: string): Promise<void> {
    const upload = this.#uploads.get(id);
    if (!upload) return;
    this.#uploads.delete(id);
    await upload.file.close().catch(() => {});
    await rm(upload.dir, { recursive: true, force: true });
  }

  /** Drops uploads idle for longer than the limit. */
  async sweep(): Promise<void> {
    const stale = [...this.#uploads.values()].filter((u) => !u.busy && this.now() - u.lastActive > this.limits.idleMs);
    await Promise.all(stale.map((u) => this.abort(u.id)));
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    await Promise.all([...this.#uploads.keys()].map((id) => this.abort(id)));
  }

  #get(id: string): Upload {
    const upload = this.#uploads.get(id);
    if (!upload) throw new CuecastError('NOT_FOUND', 'No such upload (it finished, failed or was idle too long); start it again');
    return upload;
  }
}
