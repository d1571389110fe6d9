// Which endpoint URLs and addresses we may send to (DESIGN §4). Checked at registration and
// again at connect time, so a name that later resolves to an internal address is still refused.
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIPv4, isIPv6 } from 'node:net';

export class UrlPolicyError extends Error {
  override readonly name = 'UrlPolicyError';
  /** Why the URL or address is refused, in words for the person registering the endpoint. */
  readonly reason: string;

  constructor(reason: string) {
    super(reason);
    this.reason = reason;
  }
}

export type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'cgnat'
  | 'unique-local'
  | 'multicast'
  | 'reserved'
  | 'unspecified';

export interface ResolvedAddress {
  address: string;
  family: number;
}
export type HostLookup = (hostname: string) => Promise<ResolvedAddress[]>;

export interface UrlPolicyOptions {
  /** The local run and test deployments allow http:// and private targets; production does not. */
  allowPrivate: boolean;
}

export const MAX_ENDPOINT_URL_LENGTH = 2048;

/** Syntax checks that need no DNS. Returns the parsed URL; throws UrlPolicyError. */
export function checkEndpointUrl(url: string, options: UrlPolicyOptions): URL {
  if (url.length > MAX_ENDPOINT_URL_LENGTH) {
    throw new UrlPolicyError(`URL is longer than ${MAX_ENDPOINT_URL_LENGTH} characters`);
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UrlPolicyError('not a valid absolute URL');
  }
  if (parsed.protocol !== 'https:' && !(options.allowPrivate && parsed.protocol === 'http:')) {
    throw new UrlPolicyError(options.allowPrivate ? 'URL must start with https:// or http://' : 'URL must start with https://');
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw new UrlPolicyError('URL must not contain a user name or password');
  }
  if (parsed.hostname === '') throw new UrlPolicyError('URL has no host name');
  if (!options.allowPrivate) {
    const host = unbracket(parsed.hostname);
    if (isIpLiteral(host)) assertPublic(host, `address ${host}`);
    else if (isLocalhostName(host)) throw new UrlPolicyError(`host ${host} is loopback`);
  }
  return parsed;
}

/**
 * Resolves `hostname` and returns every address, refusing the lot if any one is not public (an
 * attacker-controlled name can answer differently per query). Connect to what this returns.
 */
export async function resolveCheckedAddresses(
  hostname: string,
  options: UrlPolicyOptions & { lookup?: HostLookup },
): Promise<ResolvedAddress[]> {
  const host = unbracket(hostname);
  if (isIpLiteral(host)) {
    if (!options.allowPrivate) assertPublic(host, `address ${host}`);
    return [{ address: host, family: isIPv4(host) ? 4 : 6 }];
  }
  const lookup = options.lookup ?? defaultLookup;
  let addresses: ResolvedAddress[];
  try {
    addresses = await lookup(host);
  } catch {
    throw new UrlPolicyError('could not resolve host');
  }
  if (addresses.length === 0) throw new UrlPolicyError('could not resolve host');
  if (!options.allowPrivate) {
    for (const { address } of addresses) assertPublic(address, `host ${host} resolves to ${address}, which`);
  }
  return addresses;
}

/** Full registration check: syntax, then DNS. */
export async function validateEndpointUrl(url: string, options: UrlPolicyOptions & { lookup?: HostLookup }): Promise<URL> {
  const parsed = checkEndpointUrl(url, options);
  await resolveCheckedAddresses(parsed.hostname, options);
  return parsed;
}

const defaultLookup: HostLookup = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

function assertPublic(address: string, subject: string): void {
  const kind = classifyAddress(address);
  if (kind !== 'public') throw new UrlPolicyError(`${subject} is ${describeClass(kind)}; only public addresses are allowed`);
}

function describeClass(kind: Exclude<AddressClass, 'public'>): string {
  switch (kind) {
    case 'loopback':
      return 'a loopback address';
    case 'private':
      return 'a private network address';
    case 'link-local':
      return 'a link-local address';
    case 'cgnat':
      return 'a carrier-grade NAT address';
    case 'unique-local':
      return 'a unique-local IPv6 address';
    case 'multicast':
      return 'a multicast address';
    case 'reserved':
      return 'a reserved address';
    case 'unspecified':
      return 'the unspecified address';
  }
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

function isIpLiteral(host: string): boolean {
  return isIPv4(host) || isIPv6(host);
}

function isLocalhostName(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}

/** Classifies an IPv4 or IPv6 literal (an IPv6 zone such as `%eth0` is ignored). Throws TypeError otherwise. */
export function classifyAddress(ip: string): AddressClass {
  if (isIPv4(ip)) return classifyIPv4(parseIPv4(ip));
  const withoutZone = ip.split('%')[0] ?? '';
  if (isIPv6(ip) && isIPv6(withoutZone)) return classifyIPv6(parseIPv6(withoutZone));
  throw new TypeError(`not an IP address: ${JSON.stringify(ip)}`);
}

/** [network, prefix length, class]; first match wins, anything unmatched is public. */
const IPV4_RANGES: readonly (readonly [string, number, AddressClass])[] = [
  ['0.0.0.0', 32, 'unspecified'],
  ['0.0.0.0', 8, 'reserved'], // "this network"
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'cgnat'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'], // includes the 169.254.169.254 metadata service
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'], // IETF protocol assignments
  ['192.0.2.0', 24, 'reserved'], // TEST-NET-1
  ['192.88.99.0', 24, 'reserved'], // deprecated 6to4 relay anycast
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'reserved'], // benchmarking
  ['198.51.100.0', 24, 'reserved'], // TEST-NET-2
  ['203.0.113.0', 24, 'reserved'], // TEST-NET-3
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'], // includes 255.255.255.255 broadcast
];

function parseIPv4(ip: string): number {
  return ip.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

function classifyIPv4(value: number): AddressClass {
  for (const [network, prefix, kind] of IPV4_RANGES) {
    const size = 2 ** (32 - prefix);
    if (Math.floor(value / size) === Math.floor(parseIPv4(network) / size)) return kind;
  }
  return 'public';
}

/** Eight 16-bit groups; accepts `::` compression and a dotted IPv4 tail (already validated by isIPv6). */
function parseIPv6(ip: string): number[] {
  let text = ip.toLowerCase();
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail?.[1] !== undefined) {
    const v4 = parseIPv4(tail[1]);
    text = `${text.slice(0, -tail[1].length)}${Math.floor(v4 / 65536).toString(16)}:${(v4 % 65536).toString(16)}`;
  }
  const [head = '', rest] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const restGroups = rest === undefined || rest === '' ? [] : rest.split(':');
  const zeros = rest === undefined ? [] : new Array<string>(8 - headGroups.length - restGroups.length).fill('0');
  return [...headGroups, ...zeros, ...restGroups].map((group) => parseInt(group, 16));
}

function classifyIPv6(groups: number[]): AddressClass {
  const g = (index: number): number => groups[index] ?? 0;
  const embeddedV4 = (high: number, low: number): number => g(high) * 65536 + g(low);
  const firstSixZero = [0, 1, 2, 3, 4, 5].every((i) => g(i) === 0);

  if (firstSixZero && g(6) === 0 && g(7) === 0) return 'unspecified';
  if (firstSixZero && g(6) === 0 && g(7) === 1) return 'loopback';
  // ::ffff:a.b.c.d (IPv4-mapped): the kernel connects to the IPv4 address.
  if ([0, 1, 2, 3, 4].every((i) => g(i) === 0) && g(5) === 0xffff) return classifyIPv4(embeddedV4(6, 7));
  if (firstSixZero) return 'reserved'; // deprecated IPv4-compatible ::a.b.c.d
  // 64:ff9b::/96 well-known NAT64 prefix: the gateway forwards to the embedded IPv4 address.
  if (g(0) === 0x64 && g(1) === 0xff9b && [2, 3, 4, 5].every((i) => g(i) === 0)) return classifyIPv4(embeddedV4(6, 7));
  if (g(0) === 0x64 && g(1) === 0xff9b && g(2) === 1) return 'reserved'; // 64:ff9b:1::/48 local-use NAT64
  if (g(0) === 0x100 && [1, 2, 3].every((i) => g(i) === 0)) return 'reserved'; // 100::/64 discard-only
  if ((g(0) & 0xffc0) === 0xfe80) return 'link-local';
  if ((g(0) & 0xffc0) === 0xfec0) return 'reserved'; // deprecated site-local
  if ((g(0) & 0xfe00) === 0xfc00) return 'unique-local';
  if ((g(0) & 0xff00) === 0xff00) return 'multicast';
  if (g(0) === 0x2001 && g(1) === 0x0db8) return 'reserved'; // documentation
  if (g(0) === 0x2001 && g(1) < 0x0200) return 'reserved'; // 2001::/23 protocol assignments (incl. Teredo)
  // 2002::/16 6to4 tunnels to the embedded IPv4 address.
  if (g(0) === 0x2002) return classifyIPv4(embeddedV4(1, 2));
  // Only 2000::/3 is allocated as global unicast; everything else is not a place to send webhooks.
  if ((g(0) & 0xe000) !== 0x2000) return 'reserved';
  return 'public';
}
