import { isIP } from 'node:net';

/** Why an address may not be reached from the server on a user's behalf. */
export type ForbiddenKind = 'loopback' | 'private' | 'link-local' | 'multicast' | 'unspecified' | 'reserved';

interface Range {
  readonly bytes: Uint8Array;
  readonly prefix: number;
  readonly kind: ForbiddenKind;
}

/** An address as 4 (IPv4) or 16 (IPv6) bytes, or undefined when it is not an IP address. */
export function addressBytes(address: string): Uint8Array | undefined {
  const unbracketed = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(unbracketed);
  if (family === 4) return Uint8Array.from(unbracketed.split('.').map(Number));
  if (family !== 6) return undefined;
  let text = unbracketed.toLowerCase();
  // A dotted IPv4 tail (::ffff:127.0.0.1) becomes two hextets.
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail) {
    const [a, b, c, d] = tail[1]!.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, -tail[1]!.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = rest !== undefined && rest !== '' ? rest.split(':') : [];
  const hextets = rest === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const bytes = new Uint8Array(16);
  hextets.forEach((hextet, i) => {
    const value = parseInt(hextet, 16);
    bytes[i * 2] = value >> 8;
    bytes[i * 2 + 1] = value & 0xff;
  });
  return bytes;
}

/** Parses `a.b.c.d/n` or `x::/n` (a bare address is /32 or /128). */
export function parseCidr(cidr: string): { bytes: Uint8Array; prefix: number } | undefined {
  const [address, prefixText] = cidr.trim().split('/') as [string, string | undefined];
  const bytes = addressBytes(address);
  if (!bytes) return undefined;
  const prefix = prefixText === undefined ? bytes.length * 8 : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > bytes.length * 8 || (prefixText !== undefined && !/^\d+$/.test(prefixText))) return undefined;
  return { bytes, prefix };
}

function inRange(bytes: Uint8Array, range: { bytes: Uint8Array; prefix: number }): boolean {
  if (bytes.length !== range.bytes.length) return false;
  let bits = range.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((bytes[i]! & mask) !== (range.bytes[i]! & mask)) return false;
  }
  return true;
}

const range = (cidr: string, kind: ForbiddenKind): Range => ({ ...parseCidr(cidr)!, kind });

/** Special-purpose ranges (IANA registries, RFC 6890): none is a public media server. */
const FORBIDDEN: readonly Range[] = [
  range('0.0.0.0/8', 'unspecified'),
  range('10.0.0.0/8', 'private'),
  range('100.64.0.0/10', 'private'), // carrier-grade NAT
  range('127.0.0.0/8', 'loopback'),
  range('169.254.0.0/16', 'link-local'), // cloud metadata services live here
  range('172.16.0.0/12', 'private'),
  range('192.0.0.0/24', 'reserved'),
  range('192.0.2.0/24', 'reserved'),
  range('192.88.99.0/24', 'reserved'),
  range('192.168.0.0/16', 'private'),
  range('198.18.0.0/15', 'reserved'),
  range('198.51.100.0/24', 'reserved'),
  range('203.0.113.0/24', 'reserved'),
  range('224.0.0.0/4', 'multicast'),
  range('240.0.0.0/4', 'reserved'), // and 255.255.255.255
  range('::/128', 'unspecified'),
  range('::1/128', 'loopback'),
  range('::/96', 'reserved'), // IPv4-compatible (deprecated)
  range('64:ff9b:1::/48', 'private'),
  range('100::/64', 'reserved'),
  range('2001::/23', 'reserved'), // IETF protocol assignments, Teredo among them
  range('2001:db8::/32', 'reserved'),
  range('fc00::/7', 'private'),
  range('fe80::/10', 'link-local'),
  range('fec0::/10', 'private'),
  range('ff00::/8', 'multicast'),
];

/** IPv6 forms that carry an IPv4 address: the IPv4 address is what gets reached, so it is what is checked. */
const EMBEDDED_V4: readonly { range: { bytes: Uint8Array; prefix: number }; offset: number }[] = [
  { range: parseCidr('::ffff:0:0/96')!, offset: 12 }, // IPv4-mapped
  { range: parseCidr('64:ff9b::/96')!, offset: 12 }, // NAT64
  { range: parseCidr('2002::/16')!, offset: 2 }, // 6to4
];

/** The kind of special address this is, or undefined for an ordinary public unicast address. */
export function forbiddenKind(address: string): ForbiddenKind | undefined {
  const bytes = addressBytes(address);
  if (!bytes) return 'reserved';
  if (bytes.length === 16) {
    for (const embedded of EMBEDDED_V4) {
      if (inRange(bytes, embedded.range)) return forbiddenKindOfBytes(bytes.subarray(embedded.offset, embedded.offset + 4));
    }
  }
  return forbiddenKindOfBytes(bytes);
}

function forbiddenKindOfBytes(bytes: Uint8Array): ForbiddenKind | undefined {
  return FORBIDDEN.find((candidate) => inRange(bytes, candidate))?.kind;
}

/**
 * Which addresses the server may connect to for a user: public unicast addresses, plus whatever the
 * operator allows (`stream.ingestAllowCidrs`, e.g. a media server on the LAN).
 */
export class AddressPolicy {
  private readonly allowed: readonly { bytes: Uint8Array; prefix: number }[];

  constructor(allowCidrs: readonly string[] = []) {
    this.allowed = allowCidrs.map((cidr) => {
      const parsed = parseCidr(cidr);
      if (!parsed) throw new Error(`"${cidr}" is not an IPv4 or IPv6 CIDR`);
      return parsed;
    });
  }

  /** Parses a comma-separated CIDR list; undefined entries are reported by the caller. */
  static invalidCidrs(spec: string): string[] {
    return spec
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '' && parseCidr(s) === undefined);
  }

  /** Why this address is refused, or undefined when it may be reached. */
  refusal(address: string): ForbiddenKind | undefined {
    const kind = forbiddenKind(address);
    if (kind === undefined) return undefined;
    const bytes = addressBytes(address);
    if (bytes && this.allowed.some((allowed) => inRange(bytes, allowed))) return undefined;
    // An allow-listed IPv4 range also admits its IPv4-mapped IPv6 form.
    if (bytes?.length === 16 && inRange(bytes, EMBEDDED_V4[0]!.range) && this.allowed.some((allowed) => inRange(bytes.subarray(12), allowed))) return undefined;
    return kind;
  }
}
