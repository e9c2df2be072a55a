import { open } from 'node:fs/promises';

/**
 * Finds DRM in ISO base media files (m4a, mp4): an encrypted sample entry (`enca`, `encv`: Common
 * Encryption; `drms`: Apple FairPlay) or a `pssh` box. ffmpeg cannot decode such audio without the key;
 * it reads the container and decodes noise or nothing, so without this check a protected file would be
 * reported as corrupt. Only box headers and the `moov` box are read.
 */
export interface Protection {
  /** `cenc`, `cbcs`, ... (the `schm` scheme), or `fairplay`. */
  readonly scheme: string;
  /** The default key id (hex) from `tenc`, when present. */
  readonly keyId?: string;
}

const CONTAINER_BOXES = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl']);
const ENCRYPTED_ENTRIES = new Set(['enca', 'encv', 'enct', 'encs']);
const FAIRPLAY_ENTRIES = new Set(['drms', 'drmi']);
/** A `moov` larger than this is not read (real ones are kilobytes to a few megabytes). */
const MAX_MOOV_BYTES = 64 * 1024 * 1024;

interface Box {
  readonly type: string;
  /** Offsets of the payload (after the header) and of the end of the box. */
  readonly start: number;
  readonly end: number;
}

function boxAt(header: Buffer, at: number, limit: number): Box | undefined {
  if (header.length < 8) return undefined;
  let size = header.readUInt32BE(0);
  const type = header.toString('latin1', 4, 8);
  let start = at + 8;
  if (size === 1) {
    if (header.length < 16) return undefined;
    size = Number(header.readBigUInt64BE(8));
    start = at + 16;
  } else if (size === 0) {
    size = limit - at;
  }
  if (size < start - at || at + size > limit) return undefined;
  return { type, start, end: at + size };
}

function childBoxes(buf: Buffer, from: number, to: number): Box[] {
  const boxes: Box[] = [];
  for (let at = from; at + 8 <= to;) {
    const box = boxAt(buf.subarray(at, Math.min(at + 16, to)), at, to);
    if (!box || box.end <= at) break;
    boxes.push(box);
    at = box.end;
  }
  return boxes;
}

function findBox(buf: Buffer, from: number, to: number, type: string): number {
  const at = buf.subarray(from, to).indexOf(type, 0, 'latin1');
  return at < 0 ? -1 : from + at;
}

/** The protection of one sample entry, read from its `sinf` (scheme in `schm`, key id in `tenc`). */
function entryProtection(buf: Buffer, entry: Box): Protection {
  if (FAIRPLAY_ENTRIES.has(entry.type)) return { scheme: 'fairplay' };
  const schm = findBox(buf, entry.start, entry.end, 'schm');
  const scheme = schm >= 0 && schm + 12 <= entry.end ? buf.toString('latin1', schm + 8, schm + 12).trim() : 'unknown';
  const tenc = findBox(buf, entry.start, entry.end, 'tenc');
  const keyId = tenc >= 0 && tenc + 28 <= entry.end ? buf.toString('hex', tenc + 12, tenc + 28) : undefined;
  return { scheme, ...(keyId ? { keyId } : {}) };
}

function moovProtection(moov: Buffer): Protection | undefined {
  const walk = (from: number, to: number): Protection | undefined => {
    for (const box of childBoxes(moov, from, to)) {
      if (box.type === 'pssh') return { scheme: 'cenc' };
      if (CONTAINER_BOXES.has(box.type)) {
        const found = walk(box.start, box.end);
        if (found) return found;
      } else if (box.type === 'stsd') {
        // A full box (version and flags, entry count) holding the sample entries.
        for (const entry of childBoxes(moov, box.start + 8, box.end)) {
          if (ENCRYPTED_ENTRIES.has(entry.type) || FAIRPLAY_ENTRIES.has(entry.type)) return entryProtection(moov, entry);
        }
      }
    }
    return undefined;
  };
  return walk(0, moov.length);
}

/** The DRM protecting an ISO base media file, or undefined when it is clear or not such a file. */
export async function findProtection(path: string): Promise<Protection | undefined> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    const header = Buffer.alloc(16);
    let sawFtyp = false;
    for (let at = 0; at + 8 <= size;) {
      const { bytesRead } = await file.read(header, 0, 16, at);
      const box = boxAt(header.subarray(0, bytesRead), at, size);
      if (!box || box.end <= at) return undefined;
      if (at === 0) {
        sawFtyp = box.type === 'ftyp';
        if (!sawFtyp) return undefined;
      }
      if (box.type === 'pssh') return { scheme: 'cenc' };
      if (box.type === 'moov') {
        if (box.end - box.start > MAX_MOOV_BYTES) return undefined;
        const moov = Buffer.alloc(box.end - box.start);
        await file.read(moov, 0, moov.length, box.start);
        return moovProtection(moov);
      }
      at = box.end;
    }
    return undefined;
  } finally {
    await file.close();
  }
}

export function describeProtection(protection: Protection): string {
  const kind = protection.scheme === 'fairplay' ? 'Apple FairPlay' : `Common Encryption, scheme "${protection.scheme}"`;
  return `protected by DRM (${kind}${protection.keyId ? `, key id ${protection.keyId}` : ''}): encrypted audio cannot be decoded without its key`;
}
