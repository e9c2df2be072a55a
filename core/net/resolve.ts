import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { CuecastError } from '../errors.js';
import type { AddressPolicy } from './address-policy.js';

export type Lookup = (host: string) => Promise<readonly { address: string; family: number }[]>;

const systemLookup: Lookup = (host) => dnsLookup(host, { all: true, verbatim: true });

const KIND_TEXT: Readonly<Record<string, string>> = {
  loopback: 'a loopback address (this machine)',
  private: 'a private network address',
  'link-local': 'a link-local address',
  multicast: 'a multicast address',
  unspecified: 'an unspecified address',
  reserved: 'a reserved address',
};

/**
 * Resolves a host and checks every address it has against the policy: a name with any forbidden
 * address is refused as a whole (so DNS answers cannot alternate between a public and a private
 * one). Returns the addresses to connect to: connecting to these, not to the name again, is what
 * keeps a second DNS answer (rebinding) from reaching anything else.
 */
export async function resolveAllowed(host: string, policy: AddressPolicy, lookup: Lookup = systemLookup): Promise<string[]> {
  const name = host.replace(/^\[|\]$/g, '');
  let addresses: readonly { address: string }[];
  if (isIP(name)) {
    addresses = [{ address: name }];
  } else {
    try {
      addresses = await lookup(name);
    } catch {
      throw new CuecastError('MEDIA_UNREACHABLE', `The host ${name.slice(0, 253)} could not be resolved`, { host: name });
    }
  }
  if (addresses.length === 0) throw new CuecastError('MEDIA_UNREACHABLE', `The host ${name.slice(0, 253)} has no address`, { host: name });
  for (const { address } of addresses) {
    const kind = policy.refusal(address);
    if (kind) {
      throw new CuecastError('URL_FORBIDDEN', `The host ${name.slice(0, 253)} is ${KIND_TEXT[kind]}; the server does not fetch from there`, { host: name, address, kind });
    }
  }
  return addresses.map((a) => a.address);
}
