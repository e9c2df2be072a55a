import { describe, expect, it } from 'vitest';
import { AddressPolicy, forbiddenKind } from '../../core/net/address-policy.js';
import { resolveAllowed, type Lookup } from '../../core/net/resolve.js';
import { stringMatching } from '../support/matchers.js';

describe('the address classifier refuses every special-purpose address', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.1.2', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['255.255.255.255', 'reserved'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:a9fe:a9fe', 'link-local'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['2002:7f00:1::', 'loopback'],
    ['2002:c0a8:0101::1', 'private'],
    ['::127.0.0.1', 'reserved'],
    ['2001:db8::1', 'reserved'],
  ])('%s is %s', (address, kind) => {
    expect(forbiddenKind(address)).toBe(kind);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '192.169.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '2002:0808:0808::1'])('%s is public', (address) => {
    expect(forbiddenKind(address)).toBeUndefined();
  });

  it('a configured allow-list admits its ranges (and the IPv4-mapped forms of IPv4 ones), nothing else', () => {
    const policy = new AddressPolicy(['10.20.0.0/16', 'fd00::/8', '127.0.0.2/32']);
    expect(policy.refusal('10.20.3.4')).toBeUndefined();
    expect(policy.refusal('::ffff:10.20.3.4')).toBeUndefined();
    expect(policy.refusal('fd00::5')).toBeUndefined();
    expect(policy.refusal('127.0.0.2')).toBeUndefined();
    expect(policy.refusal('127.0.0.1')).toBe('loopback');
    expect(policy.refusal('10.21.0.1')).toBe('private');
    expect(() => new AddressPolicy(['10.0.0.0/33'])).toThrow();
    expect(AddressPolicy.invalidCidrs('10.0.0.0/8, nonsense, ::1/129,fd00::/8')).toEqual(['nonsense', '::1/129']);
  });
});

describe('the resolve step checks every address a name has', () => {
  const policy = new AddressPolicy();

  it.each(['127.0.0.1', '0x7f000001', '2130706433', '0177.0.0.1', '127.1', '017700000001', 'localhost', '[::1]', '::ffff:127.0.0.1'])(
    'refuses %s (every IPv4 notation the system resolver accepts, names, IPv6) with URL_FORBIDDEN',
    async (host) => {
      await expect(resolveAllowed(host, policy)).rejects.toMatchObject({ code: 'URL_FORBIDDEN', message: stringMatching(/loopback/) });
    },
  );

  it('refuses a name when any of its addresses is forbidden, and returns the checked addresses otherwise', async () => {
    const dns: Record<string, string[]> = { 'mixed.test': ['93.184.216.34', '10.0.0.5'], 'public.test': ['93.184.216.34', '2606:2800:220:1::1'] };
    const lookup: Lookup = (host) => Promise.resolve((dns[host] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
    await expect(resolveAllowed('mixed.test', policy, lookup)).rejects.toMatchObject({ code: 'URL_FORBIDDEN', message: stringMatching(/private/) });
    expect(await resolveAllowed('public.test', policy, lookup)).toEqual(['93.184.216.34', '2606:2800:220:1::1']);
    await expect(resolveAllowed('nothing.test', policy, lookup)).rejects.toMatchObject({ code: 'MEDIA_UNREACHABLE' });
  });
});
