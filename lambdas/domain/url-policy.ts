// Which endpoint URLs and addresses we may send to (see "Endpoint URL policy" in docs/api.md; in brief in README.md).
// Checked at registration and again at connect time, so a name that later resolves to an
// internal address is still refused. Address ranges come from ipaddr.js's IANA special-purpose
// tables; this file only decides what each range means for us.
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIPv4, isIPv6 } from 'node:net';
import ipaddr from 'ipaddr.js';

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

/**
 * C0 controls, DEL and C1 controls. The WHATWG parser silently drops tabs and newlines and trims
 * other controls at the ends, so the URL called would differ from the one registered: refuse.
 */
function hasControlCharacter(text: string): boolean {
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return true;
  }
  return false;
}

/**
 * Ports that are never HTTP: the Fetch standard's blocked ports (SSH, SMTP, DNS, IMAP, SIP, X11,
 * IRC, ...), which browsers refuse for the same reason. With every other port below 1024 except
 * 80 and 443 also refused, what remains is 80, 443 and 1024-65535 minus these.
 */
const BLOCKED_PORTS = new Set([1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6697, 10080]);

/**
 * Why `port` (as the URL spells it, '' for the scheme's default) is refused, or undefined. Port 0
 * is never a destination; the rest only binds where private targets are not allowed (a local run
 * may point at any port on its own machine, which it can reach anyway).
 */
export function portRefusal(port: string, options: UrlPolicyOptions): string | undefined {
  if (port === '') return undefined;
  const value = Number(port);
  if (value === 0) return 'port 0 is not allowed';
  if (options.allowPrivate || value === 80 || value === 443) return undefined;
  if (value < 1024) return `port ${value} is not allowed: use 443, 80 or a port from 1024 to 65535`;
  if (BLOCKED_PORTS.has(value)) return `port ${value} is not allowed: it belongs to a protocol other than HTTP`;
  return undefined;
}

/**
 * The WHATWG-normalised form of `url` (`new URL(url).href`): what is stored is exactly what the
 * sender calls. Input the policy will refuse anyway (unparseable, with control characters) comes
 * back unchanged, so the refusal names what the caller sent.
 */
export function normaliseEndpointUrl(url: string): string {
  if (hasControlCharacter(url)) return url;
  try {
    return new URL(url).href;
  } catch {
    return url;
  }
}

/** Syntax checks that need no DNS. Returns the parsed URL; throws UrlPolicyError. */
export function checkEndpointUrl(url: string, options: UrlPolicyOptions): URL {
  if (url.length > MAX_ENDPOINT_URL_LENGTH) {
    throw new UrlPolicyError(`URL is longer than ${MAX_ENDPOINT_URL_LENGTH} characters`);
  }
  if (hasControlCharacter(url)) throw new UrlPolicyError('URL must not contain control characters (tabs, line breaks, ...)');
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
  // Never sent in a request, so a stored fragment would not be what is called.
  if (parsed.href.includes('#')) throw new UrlPolicyError('URL must not contain a fragment (#...)');
  const badPort = portRefusal(parsed.port, options);
  if (badPort !== undefined) throw new UrlPolicyError(badPort);
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
  if (isIPv4(ip)) return classifyIPv4(ipaddr.IPv4.parse(ip));
  const withoutZone = ip.split('%')[0] ?? '';
  if (isIPv6(ip) && isIPv6(withoutZone)) return classifyIPv6(ipaddr.IPv6.parse(canonicalIPv6(withoutZone)));
  throw new TypeError(`not an IP address: ${JSON.stringify(ip)}`);
}

/**
 * The all-hex form the WHATWG URL parser serialises (`::127.0.0.1` -> `::7f00:1`). ipaddr.js reads
 * a deprecated IPv4-compatible `::a.b.c.d` as IPv4-mapped `::ffff:a.b.c.d`, which is not the
 * address the kernel would connect to; handing it hex groups only avoids that.
 */
function canonicalIPv6(ip: string): string {
  return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
}

/** ipaddr.js range names (IANA special-purpose registries) in our classes; `unicast` is public. */
const IPV4_CLASSES: Readonly<Record<string, AddressClass>> = {
  unicast: 'public',
  unspecified: 'reserved', // 0.0.0.0/8 "this network"; 0.0.0.0 itself is handled first
  loopback: 'loopback',
  private: 'private',
  linkLocal: 'link-local', // includes the 169.254.169.254 metadata service
  carrierGradeNat: 'cgnat',
  multicast: 'multicast',
  // broadcast, reserved (IETF assignments, TEST-NETs, benchmarking, 240/4), as112, amt, and any
  // range a later ipaddr.js adds: not a place to send webhooks.
};

function classifyIPv4(address: ipaddr.IPv4): AddressClass {
  if (address.octets.every((octet) => octet === 0)) return 'unspecified';
  return IPV4_CLASSES[address.range()] ?? 'reserved';
}

const NAT64_WELL_KNOWN = ipaddr.IPv6.parseCIDR('64:ff9b::/96');
const GLOBAL_UNICAST = ipaddr.IPv6.parseCIDR('2000::/3');

function embeddedIPv4(parts: readonly number[], high: number): ipaddr.IPv4 {
  const word = (index: number): number => parts[index] ?? 0;
  return new ipaddr.IPv4([word(high) >> 8, word(high) & 0xff, word(high + 1) >> 8, word(high + 1) & 0xff]);
}

function classifyIPv6(address: ipaddr.IPv6): AddressClass {
  switch (address.range()) {
    case 'unspecified':
      return 'unspecified';
    case 'loopback':
      return 'loopback';
    case 'linkLocal':
      return 'link-local';
    case 'uniqueLocal':
      return 'unique-local';
    case 'multicast':
      return 'multicast';
    // The kernel (::ffff:a.b.c.d), a NAT64 gateway (64:ff9b::/96) or a 6to4 relay (2002::/16)
    // delivers these to the embedded IPv4 address: judge that address.
    case 'ipv4Mapped':
      return classifyIPv4(address.toIPv4Address());
    case 'rfc6052':
      // Only the well-known /96 embeds an address; 64:ff9b:1::/48 is for local use.
      return address.match(NAT64_WELL_KNOWN) ? classifyIPv4(embeddedIPv4(address.parts, 6)) : 'reserved';
    case '6to4':
      return classifyIPv4(embeddedIPv4(address.parts, 1));
    case 'unicast':
      // Only 2000::/3 is allocated as global unicast (this also refuses IPv4-compatible ::a.b.c.d).
      return address.match(GLOBAL_UNICAST) ? 'public' : 'reserved';
    default:
      // documentation, Teredo, discard, site-local, ORCHID, benchmarking, AMT, AS112, ...
      return 'reserved';
  }
}
