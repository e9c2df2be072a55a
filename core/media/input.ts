import { mkdtemp, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MediaError } from '../errors.js';
import { logger } from '../logger.js';
import { hasRepeatedVorbisHeaders, repairRepeatedVorbisHeaders } from './ogg-repair.js';
import type { MediaInput } from './types.js';

/** Protocols accepted in URL inputs (HLS is an http(s) URL to a playlist). */
const NETWORK_PROTOCOLS = new Set(['http:', 'https:', 'rtmp:', 'rtmps:', 'rtmpt:', 'srt:']);

/** What ffmpeg may open for each kind of input; keeps `concat:`, `subfile:` and friends out. */
const FILE_WHITELIST = 'file,crypto,data';
const NETWORK_WHITELIST = 'http,https,tcp,tls,crypto,data,httpproxy,rtmp,rtmps,rtmpt,srt,udp,hls';

/** An input ready for ffmpeg: the `-i` argument, the options that go before it, and its cleanup. */
export interface OpenedInput {
  readonly kind: 'file' | 'url' | 'bytes';
  /** The `-i` argument. */
  readonly arg: string;
  /** Input options (protocol whitelist, network timeout). */
  readonly options: readonly string[];
  /** For messages and logs: a path, a URL without credentials, or `<N bytes>`. */
  readonly label: string;
  readonly sizeBytes?: number;
  /** Removes the temporary copy of byte inputs; a no-op otherwise. */
  close(): Promise<void>;
}

export interface OpenInputOptions {
  /** Largest byte input accepted. */
  readonly maxInputBytes: number;
  /** ffmpeg's own read/connect timeout for network inputs, so a stalled stream ends. */
  readonly networkTimeoutMs: number;
}

const noop = async (): Promise<void> => {};
const log = logger('core.media');

function redact(url: URL): string {
  const copy = new URL(url.href);
  copy.username = '';
  copy.password = '';
  copy.search = copy.search ? '?…' : '';
  return copy.href;
}

async function openFile(path: string): Promise<OpenedInput> {
  const absolute = resolve(path);
  let size: number;
  try {
    const info = await stat(absolute);
    if (!info.isFile()) throw new MediaError('MEDIA_UNREADABLE', `${path} is not a file`, { input: path });
    size = info.size;
  } catch (error) {
    if (error instanceof MediaError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new MediaError('MEDIA_NOT_FOUND', `No such file: ${path}`, { input: path });
    throw new MediaError('MEDIA_UNREADABLE', `Cannot read ${path}: ${(error as Error).message}`, { input: path });
  }
  if (size === 0) throw new MediaError('MEDIA_EMPTY', `${path} is empty (0 bytes)`, { input: path });
  const repaired = await repairedOgg(absolute, path, size);
  if (repaired) return repaired;
  // The `file:` prefix keeps names such as `concat:a|b` or `http:x` from being read as protocols.
  return { kind: 'file', arg: `file:${absolute}`, options: ['-protocol_whitelist', FILE_WHITELIST], label: path, sizeBytes: size, close: noop };
}

/** Bytes read to recognise an Ogg Vorbis file with repeated headers (they sit in the first pages). */
const OGG_HEAD_BYTES = 64 * 1024;
/** Larger Ogg files are not rebuilt in memory (far beyond any song). */
const OGG_REPAIR_MAX_BYTES = 256 * 1024 * 1024;

/**
 * An Ogg Vorbis file that repeats its headers (see ogg-repair.ts) is decoded from a rebuilt private copy,
 * labelled with its own path; any other file is undefined (decoded in place).
 */
async function repairedOgg(absolute: string, label: string, size: number): Promise<OpenedInput | undefined> {
  if (size > OGG_REPAIR_MAX_BYTES) return undefined;
  const head = new Uint8Array(Math.min(size, OGG_HEAD_BYTES));
  const handle = await open(absolute, 'r');
  try {
    await handle.read(head, 0, head.length, 0);
  } finally {
    await handle.close();
  }
  if (!hasRepeatedVorbisHeaders(head)) return undefined;
  let repair;
  try {
    repair = repairRepeatedVorbisHeaders(await readFile(absolute));
  } catch (error) {
    log.debug({ input: label, err: (error as Error).message }, 'Ogg Vorbis stream could not be rebuilt');
    return undefined;
  }
  if (!repair) return undefined;
  log.debug({ input: label, droppedPackets: repair.droppedPackets }, 'Ogg Vorbis stream with repeated headers rebuilt for decoding');
  const dir = await mkdtemp(join(tmpdir(), 'cuecast-media-'));
  const copy = join(dir, 'rebuilt.ogg');
  await writeFile(copy, repair.bytes, { mode: 0o600 });
  return {
    kind: 'file',
    arg: `file:${copy}`,
    options: ['-protocol_whitelist', FILE_WHITELIST],
    label,
    sizeBytes: repair.bytes.length,
    close: () => rm(dir, { recursive: true, force: true }),
  };
}

function openUrl(url: URL, options: OpenInputOptions): OpenedInput {
  if (!NETWORK_PROTOCOLS.has(url.protocol)) {
    throw new MediaError('INPUT_INVALID', `Unsupported URL protocol "${url.protocol}" (use http, https, rtmp, rtmps or srt)`, { input: redact(url) });
  }
  const micros = String(Math.max(1, Math.round(options.networkTimeoutMs)) * 1000);
  return {
    kind: 'url',
    arg: url.href,
    options: ['-protocol_whitelist', NETWORK_WHITELIST, '-rw_timeout', micros],
    label: redact(url),
    close: noop,
  };
}

/**
 * Bytes go to a private temporary file rather than to ffmpeg's stdin: a pipe cannot seek, so an MP4
 * whose index sits at the end (ffmpeg's and most phones' default) fails with "partial file", and
 * mp3/ogg durations are unknown on a pipe (which the length limit and even sampling need).
 */
async function openBytes(bytes: Uint8Array, options: OpenInputOptions): Promise<OpenedInput> {
  const label = `<${bytes.length} bytes>`;
  if (bytes.length === 0) throw new MediaError('MEDIA_EMPTY', 'The media is empty (0 bytes)', { input: label });
  if (bytes.length > options.maxInputBytes) {
    throw new MediaError('MEDIA_TOO_LARGE', `The media is ${bytes.length} bytes, over the limit of ${options.maxInputBytes}`, {
      input: label,
      maxBytes: options.maxInputBytes,
    });
  }
  const dir = await mkdtemp(join(tmpdir(), 'cuecast-media-'));
  const path = join(dir, 'input');
  await writeFile(path, bytes, { mode: 0o600 });
  return {
    kind: 'bytes',
    arg: `file:${path}`,
    options: ['-protocol_whitelist', FILE_WHITELIST],
    label,
    sizeBytes: bytes.length,
    close: () => rm(dir, { recursive: true, force: true }),
  };
}

function looksLikeUrl(text: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(text);
}

/** Checks an input and makes it something ffmpeg can open. Call `close()` when done. */
export async function openInput(input: MediaInput, options: OpenInputOptions): Promise<OpenedInput> {
  if (input instanceof Uint8Array) return openBytes(input, options);
  if (input instanceof URL) return input.protocol === 'file:' ? openFile(fileURLToPath(input)) : openUrl(input, options);
  if (input === '') throw new MediaError('INPUT_INVALID', 'The media input is an empty string');
  if (looksLikeUrl(input)) {
    const url = new URL(input);
    return url.protocol === 'file:' ? openFile(fileURLToPath(url)) : openUrl(url, options);
  }
  return openFile(input);
}
