import {
  UrlPolicyError,
  checkEndpointUrl,
  classifyAddress,
  normaliseEndpointUrl,
  resolveCheckedAddresses,
  validateEndpointUrl,
  type AddressClass,
  type HostLookup,
} from '../../../lambdas/domain/url-policy';

const STRICT = { allowPrivate: false };
const LOCAL = { allowPrivate: true };

function lookupAnswering(answers: Record<string, string[]>): HostLookup {
  return async (hostname) => {
    const addresses = answers[hostname];
    if (addresses === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
}

function policyReason(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof UrlPolicyError) return error.reason;
    throw error;
  }
  throw new Error('expected a UrlPolicyError');
}

describe('classifyAddress', () => {
  it.each<[string, AddressClass]>([
    ['8.8.8.8', 'public'],
    ['1.1.1.1', 'public'],
    ['93.184.216.34', 'public'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'reserved'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['172.15.255.255', 'public'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.0', 'public'],
    ['192.168.1.1', 'private'],
    ['192.169.0.1', 'public'],
    ['169.254.169.254', 'link-local'],
    ['169.254.0.1', 'link-local'],
    ['100.63.255.255', 'public'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.255', 'cgnat'],
    ['100.128.0.0', 'public'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['192.0.0.8', 'reserved'],
    ['192.0.2.10', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['198.19.255.255', 'reserved'],
    ['198.20.0.0', 'public'],
    ['198.51.100.7', 'reserved'],
    ['203.0.113.42', 'reserved'],
    ['223.255.255.255', 'public'],
  ])('IPv4 %s is %s', (ip, expected) => expect(classifyAddress(ip)).toBe(expected));

  it.each<[string, AddressClass]>([
    ['2606:4700:4700::1111', 'public'],
    ['2a00:1450:4001:82b::200e', 'public'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf::1', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456:789a::1', 'unique-local'],
    ['ff02::1', 'multicast'],
    ['FF05::2', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:10.1.2.3', 'private'],
    ['::ffff:8.8.8.8', 'public'],
    ['64:ff9b::127.0.0.1', 'loopback'],
    ['64:ff9b::a9fe:a9fe', 'link-local'],
    ['64:ff9b::8.8.8.8', 'public'],
    ['64:ff9b:1::1', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['2001:0db8:ffff::1', 'reserved'],
    ['2001::1', 'reserved'],
    ['2002:7f00:1::1', 'loopback'],
    ['2002:0808:0808::1', 'public'],
    ['::127.0.0.1', 'reserved'],
    ['100::1', 'reserved'],
    ['fec0::1', 'reserved'],
    ['4000::1', 'reserved'],
  ])('IPv6 %s is %s', (ip, expected) => expect(classifyAddress(ip)).toBe(expected));

  it.each(['example.com', '', '1.2.3', '256.1.1.1', '::g', '[::1]'])('refuses non-address %p', (value) => {
    expect(() => classifyAddress(value)).toThrow(TypeError);
  });
});

describe('checkEndpointUrl', () => {
  it('accepts a public https URL and returns it parsed', () => {
    const url = checkEndpointUrl('https://yourserver.com/webhooks/georedir', STRICT);
    expect(url.hostname).toBe('yourserver.com');
    expect(url.pathname).toBe('/webhooks/georedir');
    expect(checkEndpointUrl('https://8.8.8.8:8443/hook?x=1', STRICT).port).toBe('8443');
    expect(checkEndpointUrl('https://[2606:4700:4700::1111]/hook', STRICT).hostname).toBe('[2606:4700:4700::1111]');
  });

  it.each([
    ['http://yourserver.com/hook', 'URL must start with https://'],
    ['ftp://yourserver.com/hook', 'URL must start with https://'],
    ['not a url', 'not a valid absolute URL'],
    ['/relative/path', 'not a valid absolute URL'],
    ['https://user:pass@yourserver.com/hook', 'URL must not contain a user name or password'],
    ['https://user@yourserver.com/hook', 'URL must not contain a user name or password'],
    [`https://yourserver.com/${'a'.repeat(2030)}`, 'URL is longer than 2048 characters'],
  ])('refuses %s', (url, reason) => {
    expect(policyReason(() => checkEndpointUrl(url, STRICT))).toBe(reason);
  });

  it.each([
    ['https://127.0.0.1/hook', /address 127\.0\.0\.1 is a loopback address/],
    ['https://0x7f.1/hook', /address 127\.0\.0\.1 is a loopback address/], // WHATWG parsing normalises odd IPv4 forms
    ['https://2130706433/hook', /127\.0\.0\.1 is a loopback/],
    ['https://169.254.169.254/latest/meta-data', /link-local/],
    ['https://10.0.0.5/', /private network/],
    ['https://100.64.1.1/', /carrier-grade NAT/],
    ['https://[::1]/', /loopback/],
    ['https://[::ffff:127.0.0.1]/', /loopback/],
    ['https://[fd00::1]/', /unique-local/],
    ['https://[fe80::1]/', /link-local/],
    ['https://224.0.0.1/', /multicast/],
    ['https://0.0.0.0/', /unspecified/],
    ['https://localhost/hook', /host localhost is loopback/],
    ['https://api.localhost./hook', /loopback/],
  ])('refuses %s', (url, reason) => {
    expect(policyReason(() => checkEndpointUrl(url, STRICT))).toMatch(reason);
  });

  it('allows http and private targets only when allowed', () => {
    expect(checkEndpointUrl('http://127.0.0.1:3001/webhooks/georedir', LOCAL).port).toBe('3001');
    expect(checkEndpointUrl('http://localhost:3001/', LOCAL).hostname).toBe('localhost');
    expect(checkEndpointUrl('https://[::1]:8443/', LOCAL).hostname).toBe('[::1]');
    expect(policyReason(() => checkEndpointUrl('ftp://127.0.0.1/', LOCAL))).toBe('URL must start with https:// or http://');
    expect(policyReason(() => checkEndpointUrl('http://u:p@127.0.0.1/', LOCAL))).toMatch(/user name/);
  });

  it('throws errors that are UrlPolicyError with a readable message', () => {
    expect(() => checkEndpointUrl('http://x.com', STRICT)).toThrow(UrlPolicyError);
    expect(() => checkEndpointUrl('http://x.com', STRICT)).toThrow('URL must start with https://');
  });
});

describe('resolveCheckedAddresses', () => {
  const lookup = lookupAnswering({
    'public.example': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'],
    'metadata.example': ['169.254.169.254'],
    'mixed.example': ['93.184.216.34', '10.0.0.7'],
    'mapped.example': ['::ffff:127.0.0.1'],
    'empty.example': [],
  });

  it('returns every address of a public name', async () => {
    await expect(resolveCheckedAddresses('public.example', { ...STRICT, lookup })).resolves.toEqual([
      { address: '93.184.216.34', family: 4 },
      { address: '2606:2800:220:1:248:1893:25c8:1946', family: 6 },
    ]);
  });

  it('refuses a name that resolves to an internal address', async () => {
    await expect(resolveCheckedAddresses('metadata.example', { ...STRICT, lookup })).rejects.toMatchObject({
      name: 'UrlPolicyError',
      reason: 'host metadata.example resolves to 169.254.169.254, which is a link-local address; only public addresses are allowed',
    });
  });

  it('refuses when any one address is internal', async () => {
    await expect(resolveCheckedAddresses('mixed.example', { ...STRICT, lookup })).rejects.toThrow(/10\.0\.0\.7.*private/);
    await expect(resolveCheckedAddresses('mapped.example', { ...STRICT, lookup })).rejects.toThrow(/loopback/);
  });

  it('allows internal answers when private targets are allowed', async () => {
    await expect(resolveCheckedAddresses('mixed.example', { ...LOCAL, lookup })).resolves.toHaveLength(2);
  });

  it.each(['unknown.example', 'empty.example'])('refuses %s: could not resolve host', async (host) => {
    await expect(resolveCheckedAddresses(host, { ...STRICT, lookup })).rejects.toMatchObject({ reason: 'could not resolve host' });
    await expect(resolveCheckedAddresses(host, { ...LOCAL, lookup })).rejects.toBeInstanceOf(UrlPolicyError);
  });

  it('returns IP literals without asking DNS', async () => {
    const noDns: HostLookup = () => Promise.reject(new Error('DNS must not be used'));
    await expect(resolveCheckedAddresses('8.8.8.8', { ...STRICT, lookup: noDns })).resolves.toEqual([{ address: '8.8.8.8', family: 4 }]);
    await expect(resolveCheckedAddresses('[2606:4700:4700::1111]', { ...STRICT, lookup: noDns })).resolves.toEqual([
      { address: '2606:4700:4700::1111', family: 6 },
    ]);
    await expect(resolveCheckedAddresses('127.0.0.1', { ...LOCAL, lookup: noDns })).resolves.toEqual([{ address: '127.0.0.1', family: 4 }]);
    await expect(resolveCheckedAddresses('[::1]', { ...STRICT, lookup: noDns })).rejects.toThrow(/loopback/);
  });

  it('uses the system resolver by default (localhost, no network needed)', async () => {
    const addresses = await resolveCheckedAddresses('localhost', LOCAL);
    expect(addresses.length).toBeGreaterThan(0);
    for (const { address } of addresses) expect(classifyAddress(address)).toBe('loopback');
    await expect(resolveCheckedAddresses('localhost', STRICT)).rejects.toThrow(/loopback/);
  });
});

describe('validateEndpointUrl', () => {
  const lookup = lookupAnswering({ 'hooks.example': ['93.184.216.34'], 'internal.example': ['192.168.0.10'] });

  it('accepts a public https URL whose host resolves publicly', async () => {
    const url = await validateEndpointUrl('https://hooks.example/georedir', { ...STRICT, lookup });
    expect(url.href).toBe('https://hooks.example/georedir');
  });

  it('refuses by syntax before resolving', async () => {
    const noDns: HostLookup = () => Promise.reject(new Error('DNS must not be used'));
    await expect(validateEndpointUrl('http://hooks.example/', { ...STRICT, lookup: noDns })).rejects.toMatchObject({
      reason: 'URL must start with https://',
    });
  });

  it('refuses a host that resolves privately', async () => {
    await expect(validateEndpointUrl('https://internal.example/', { ...STRICT, lookup })).rejects.toThrow(/private network/);
  });

  it('accepts a local receiver in the local run', async () => {
    const url = await validateEndpointUrl('http://127.0.0.1:3001/webhooks/georedir', LOCAL);
    expect(url.port).toBe('3001');
  });
});

describe('address ranges beyond the ones named above (ipaddr.js tables)', () => {
  it.each<[string, AddressClass]>([
    ['192.175.48.1', 'reserved'], // AS112 DNS sink
    ['192.52.193.1', 'reserved'], // AMT
    ['192.88.99.1', 'reserved'], // 6to4 relay anycast
    ['0.255.255.255', 'reserved'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['64:ff9b::100.64.0.1', 'cgnat'],
    ['::ffff:0:7f00:1', 'reserved'], // RFC 6145 translated form
    ['::ffff:224.0.0.1', 'multicast'],
    ['2002:a9fe:a9fe::1', 'link-local'], // 6to4 around the metadata service
    ['2001:2::1', 'reserved'], // benchmarking
    ['2001:20::1', 'reserved'], // ORCHIDv2
    ['3fff::1', 'reserved'], // documentation (RFC 9637)
    ['5f00::1', 'reserved'], // segment routing
    ['::7f00:1', 'reserved'], // IPv4-compatible, hex spelling
    ['::0.0.0.0', 'unspecified'],
    ['2600::1', 'public'],
  ])('%s is %s', (ip, expected) => expect(classifyAddress(ip)).toBe(expected));
});

describe('control characters, fragments and ports', () => {
  it.each([
    'https://hooks.example/a\tb',
    'https://hooks.example/a\nb',
    'https://hooks.exa\rmple/',
    '\u0000https://hooks.example/',
    'https://hooks.example/\u001f',
    ' https://hooks.example/\u0000',
    'https://hooks.example/\u007f',
    'https://hooks.example/\u0085',
  ])('refuses control characters anywhere: %j', (url) => {
    for (const options of [STRICT, LOCAL]) {
      expect(policyReason(() => checkEndpointUrl(url, options))).toBe('URL must not contain control characters (tabs, line breaks, ...)');
    }
  });

  it('refuses a fragment, which is never sent', () => {
    expect(policyReason(() => checkEndpointUrl('https://hooks.example/a#b', STRICT))).toBe('URL must not contain a fragment (#...)');
    expect(policyReason(() => checkEndpointUrl('https://hooks.example/a#', LOCAL))).toBe('URL must not contain a fragment (#...)');
  });

  it('refuses port 0 everywhere', () => {
    expect(policyReason(() => checkEndpointUrl('https://hooks.example:0/', STRICT))).toBe('port 0 is not allowed');
    expect(policyReason(() => checkEndpointUrl('http://127.0.0.1:0/', LOCAL))).toBe('port 0 is not allowed');
  });

  it.each(['22', '25', '53', '110', '143', '445', '993', '1023'])('refuses well-known port %s', (port) => {
    expect(policyReason(() => checkEndpointUrl(`https://hooks.example:${port}/`, STRICT))).toBe(
      `port ${port} is not allowed: use 443, 80 or a port from 1024 to 65535`,
    );
  });

  it.each(['1720', '2049', '5060', '6000', '6667', '10080'])('refuses port %s of a non-HTTP protocol', (port) => {
    expect(policyReason(() => checkEndpointUrl(`https://hooks.example:${port}/`, STRICT))).toBe(
      `port ${port} is not allowed: it belongs to a protocol other than HTTP`,
    );
  });

  it.each(['443', '1024', '3000', '8080', '8443', '65535'])('accepts port %s', (port) => {
    expect(checkEndpointUrl(`https://hooks.example:${port}/`, STRICT).hostname).toBe('hooks.example');
  });

  it('lets a local run use any port but 0', () => {
    expect(checkEndpointUrl('http://127.0.0.1:9/hook', LOCAL).port).toBe('9');
    expect(checkEndpointUrl('http://127.0.0.1:6667/', LOCAL).port).toBe('6667');
  });

  it('names the port in the URL, not the default one', () => {
    expect(checkEndpointUrl('https://hooks.example:443/', STRICT).port).toBe('');
    expect(policyReason(() => checkEndpointUrl('http://hooks.example:443/', STRICT))).toBe('URL must start with https://');
  });
});

describe('normaliseEndpointUrl', () => {
  it.each([
    ['HTTPS://Hooks.Example.COM:443/a/./b/../c?q=1', 'https://hooks.example.com/a/c?q=1'],
    ['https://hooks.example.com', 'https://hooks.example.com/'],
    ['https://hooks.example.com/a b', 'https://hooks.example.com/a%20b'],
    ['https://bücher.example/', 'https://xn--bcher-kva.example/'],
    ['https://0x7f.1/', 'https://127.0.0.1/'],
    ['https://[0:0:0:0:0:0:0:1]:8443/', 'https://[::1]:8443/'],
    ['http://127.0.0.1:80/hook', 'http://127.0.0.1/hook'],
  ])('%s -> %s', (input, expected) => {
    expect(normaliseEndpointUrl(input)).toBe(expected);
    expect(normaliseEndpointUrl(expected)).toBe(expected); // a fixed point: stored once, called as stored
  });

  it('leaves what the policy refuses as it was, so the refusal names it', () => {
    for (const input of ['https://hooks.example/a\tb', 'not a url', ' https://x.example/\n']) expect(normaliseEndpointUrl(input)).toBe(input);
  });
});
