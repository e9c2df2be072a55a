/**
 * Ogg Vorbis files whose logical stream carries a second set of Vorbis headers (identification, comment,
 * setup) right after the first, under the same serial number and without a new beginning-of-stream page.
 * Some tools write them when they glue a header-only stub to an encoded stream. libvorbis (oggdec,
 * players built on vorbisfile) skips header packets met mid-stream; ffmpeg's Ogg demuxer stops with
 * "Header processing failed: Invalid data found" and refuses the whole file.
 *
 * The repair keeps the stream from its last header set on: a fresh identification page, a page with
 * the comment and setup headers, then every later packet on rebuilt pages (sequence numbers and CRCs
 * recomputed, granule positions kept). Audio before the last header set is dropped; in the files seen
 * in the wild it is none or a fraction of a second.
 */

const CAPTURE = 0x5367674f; // "OggS" little-endian
const HEADER_BYTES = 27;
const FLAG_CONTINUED = 0x01;
const FLAG_BOS = 0x02;
const FLAG_EOS = 0x04;
/** Largest page body we write: 255 lacing values of 255 bytes. */
const MAX_LACING = 255;

interface Page {
  readonly flags: number;
  readonly granule: bigint;
  readonly serial: number;
  readonly lacing: Uint8Array;
  readonly body: Uint8Array;
  /** Byte length of the whole page in the source. */
  readonly length: number;
}

function readPage(bytes: Uint8Array, offset: number): Page | undefined {
  if (offset + HEADER_BYTES > bytes.length) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, HEADER_BYTES);
  if (view.getUint32(0, true) !== CAPTURE || view.getUint8(4) !== 0) return undefined;
  const segments = view.getUint8(26);
  const lacingEnd = offset + HEADER_BYTES + segments;
  if (lacingEnd > bytes.length) return undefined;
  const lacing = bytes.subarray(offset + HEADER_BYTES, lacingEnd);
  let bodyLength = 0;
  for (const value of lacing) bodyLength += value;
  if (lacingEnd + bodyLength > bytes.length) return undefined;
  return {
    flags: view.getUint8(5),
    granule: view.getBigInt64(6, true),
    serial: view.getUint32(14, true),
    lacing,
    body: bytes.subarray(lacingEnd, lacingEnd + bodyLength),
    length: HEADER_BYTES + segments + bodyLength,
  };
}

interface Packet {
  readonly data: Uint8Array;
  /** Granule of the page this packet ends on, when it is the last packet ending there; else -1n. */
  readonly granule: bigint;
}

/** Packets of the logical stream that starts the file, in order (an unfinished last packet is dropped). */
function packetsOf(bytes: Uint8Array): Packet[] | undefined {
  const first = readPage(bytes, 0);
  if (!first || !(first.flags & FLAG_BOS)) return undefined;
  const packets: Packet[] = [];
  let pending: Uint8Array[] = [];
  for (let offset = 0, page: Page | undefined = first; page; offset += page.length, page = readPage(bytes, offset)) {
    if (page.serial !== first.serial) return undefined; // multiplexed or chained: not this defect
    const ended: Uint8Array[] = [];
    let at = 0;
    for (const value of page.lacing) {
      pending.push(page.body.subarray(at, at + value));
      at += value;
      if (value < 255) {
        ended.push(concat(pending));
        pending = [];
      }
    }
    ended.forEach((data, i) => packets.push({ data, granule: i === ended.length - 1 ? page.granule : -1n }));
    if (offset + page.length >= bytes.length) break;
  }
  return packets;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** A Vorbis header packet of type 1 (identification), 3 (comment) or 5 (setup). */
function vorbisHeaderType(packet: Uint8Array): number | undefined {
  if (packet.length < 7) return undefined;
  const type = packet[0]!;
  if (type !== 1 && type !== 3 && type !== 5) return undefined;
  return packet[1] === 0x76 && packet[2] === 0x6f && packet[3] === 0x72 && packet[4] === 0x62 && packet[5] === 0x69 && packet[6] === 0x73 ? type : undefined;
}

/**
 * True when the start of a file (its first pages are enough) is one Ogg Vorbis stream that repeats its
 * identification header: the defect ffmpeg refuses.
 */
export function hasRepeatedVorbisHeaders(head: Uint8Array): boolean {
  const first = readPage(head, 0);
  if (!first || !(first.flags & FLAG_BOS)) return false;
  let identifications = 0;
  for (let offset = 0, page: Page | undefined = first; page && page.serial === first.serial; offset += page.length, page = readPage(head, offset)) {
    let at = 0;
    let startsPacket = !(page.flags & FLAG_CONTINUED);
    for (const value of page.lacing) {
      if (startsPacket && vorbisHeaderType(page.body.subarray(at, at + Math.min(value, 7))) === 1) identifications++;
      at += value;
      startsPacket = value < 255;
    }
    if (identifications > 1) return true;
  }
  return false;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let j = 0; j < 8; j++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    table[i] = r >>> 0;
  }
  return table;
})();

/** Ogg's CRC-32 (polynomial 0x04c11db7, no reflection, zero initial value). */
export function oggCrc(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ byte) & 0xff]!) >>> 0;
  return crc >>> 0;
}

class PageWriter {
  readonly #pages: Uint8Array[] = [];
  #sequence = 0;
  constructor(private readonly serial: number) {}

  write(packets: readonly Uint8Array[], granule: bigint, flags: number): void {
    const lacing: number[] = [];
    for (const packet of packets) {
      for (let left = packet.length; ; left -= 255) {
        lacing.push(Math.min(left, 255));
        if (left < 255) break;
      }
    }
    if (lacing.length > MAX_LACING) throw new RangeError('packets do not fit one page');
    const body = concat(packets.length > 0 ? [...packets] : [new Uint8Array(0)]);
    const page = new Uint8Array(HEADER_BYTES + lacing.length + body.length);
    const view = new DataView(page.buffer);
    view.setUint32(0, CAPTURE, true);
    view.setUint8(4, 0);
    view.setUint8(5, flags);
    view.setBigInt64(6, granule, true);
    view.setUint32(14, this.serial, true);
    view.setUint32(18, this.#sequence++, true);
    view.setUint8(26, lacing.length);
    page.set(lacing, HEADER_BYTES);
    page.set(body, HEADER_BYTES + lacing.length);
    view.setUint32(22, oggCrc(page), true);
    this.#pages.push(page);
  }

  bytes(): Uint8Array {
    return concat(this.#pages);
  }
}

export interface OggRepair {
  readonly bytes: Uint8Array;
  /** Packets before the last header set that were left out. */
  readonly droppedPackets: number;
}

/**
 * Rebuilds an Ogg Vorbis file from its last complete header set (see the module comment). Undefined when
 * the file is not a single Ogg Vorbis stream with repeated headers.
 */
export function repairRepeatedVorbisHeaders(bytes: Uint8Array): OggRepair | undefined {
  const first = readPage(bytes, 0);
  const packets = first ? packetsOf(bytes) : undefined;
  if (!first || !packets) return undefined;
  let last = -1;
  for (let i = 0; i + 2 < packets.length; i++) {
    if (vorbisHeaderType(packets[i]!.data) === 1 && vorbisHeaderType(packets[i + 1]!.data) === 3 && vorbisHeaderType(packets[i + 2]!.data) === 5) last = i;
  }
  if (last <= 0) return undefined;
  const writer = new PageWriter(first.serial);
  writer.write([packets[last]!.data], 0n, FLAG_BOS);
  writer.write([packets[last + 1]!.data, packets[last + 2]!.data], 0n, 0);
  const audio = packets.slice(last + 3).filter((p) => vorbisHeaderType(p.data) === undefined);
  let group: Uint8Array[] = [];
  let lacing = 0;
  audio.forEach((packet, i) => {
    const needs = Math.floor(packet.data.length / 255) + 1;
    // A page ends where the source's did (its granule is known there), or before it would overflow.
    if (lacing + needs > MAX_LACING && group.length > 0) {
      writer.write(group, -1n, 0);
      group = [];
      lacing = 0;
    }
    group.push(packet.data);
    lacing += needs;
    const isLast = i === audio.length - 1;
    if (packet.granule !== -1n || isLast) {
      writer.write(group, packet.granule, isLast ? FLAG_EOS : 0);
      group = [];
      lacing = 0;
    }
  });
  return { bytes: writer.bytes(), droppedPackets: last };
}
