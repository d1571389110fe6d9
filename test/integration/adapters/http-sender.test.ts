import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer } from 'node:net';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext, createServer as createTlsServer } from 'node:tls';
import { createHttpSender } from '../../../lambdas/adapters/http-sender';
import type { HttpSender } from '../../../lambdas/delivery/ports';

interface ReceivedRequest {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingMessage['headers'];
  rawHeaders: string[];
  body: Buffer;
}

interface Receiver {
  url: string;
  port: number;
  requests: ReceivedRequest[];
  close(): Promise<void>;
}

type Closable = Server | NetServer;
const servers: Closable[] = [];
const senders: HttpSender[] = [];

/** A real HTTP server on 127.0.0.1 that records every request it fully receives. */
async function startReceiver(respond: (req: IncomingMessage, res: ServerResponse) => void): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({ method: req.method, url: req.url, headers: req.headers, rawHeaders: req.rawHeaders, body: Buffer.concat(chunks) });
      respond(req, res);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () => closeServer(server),
  };
}

function closeServer(server: Closable): Promise<void> {
  if (!server.listening) return Promise.resolve();
  if ('closeAllConnections' in server) server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A plain TCP listener that only counts connections: proves whether the sender connected at all. */
async function startConnectionCounter(): Promise<{ port: number; connections: () => number; close(): Promise<void> }> {
  let connections = 0;
  const server = createNetServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, connections: () => connections, close: () => closeServer(server) };
}

function sender(options: Partial<Parameters<typeof createHttpSender>[0]> = {}): HttpSender {
  const created = createHttpSender({ allowPrivate: true, timeoutMs: 2000, ...options });
  senders.push(created);
  return created;
}

afterEach(async () => {
  await Promise.all(senders.splice(0).map((s) => s.close()));
  await Promise.all(servers.splice(0).map((s) => closeServer(s)));
});

const JSON_HEADERS = { 'content-type': 'application/json' };

describe('createHttpSender against real local servers', () => {
  it.each([200, 201, 204])('treats HTTP %i as success', async (status) => {
    const receiver = await startReceiver((_req, res) => res.writeHead(status).end(status === 204 ? undefined : 'ok'));
    const result = await sender().send(`${receiver.url}/hook`, JSON_HEADERS, '{}');
    expect(result).toMatchObject({ outcome: 'succeeded', statusCode: status, responseExcerpt: status === 204 ? '' : 'ok' });
    expect(result.errorClass).toBeUndefined();
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it.each([500, 404])('reports HTTP %i as an http_status failure with the body excerpt', async (status) => {
    const receiver = await startReceiver((_req, res) => res.writeHead(status, { 'content-type': 'text/plain' }).end(`nope ${status} ✗`));
    const result = await sender().send(receiver.url, JSON_HEADERS, '{}');
    expect(result).toMatchObject({ outcome: 'failed', statusCode: status, errorClass: 'http_status', responseExcerpt: `nope ${status} ✗` });
    expect(result.errorMessage).toBe(`HTTP ${status}`);
  });

  it('does not follow a redirect: 3xx is a failure and the target sees nothing', async () => {
    const target = await startReceiver((_req, res) => res.writeHead(200).end());
    const redirecting = await startReceiver((_req, res) => res.writeHead(301, { location: `${target.url}/elsewhere` }).end());
    const result = await sender().send(redirecting.url, JSON_HEADERS, '{}');
    expect(result).toMatchObject({ outcome: 'failed', statusCode: 301, errorClass: 'redirect' });
    expect(redirecting.requests).toHaveLength(1);
    expect(target.requests).toHaveLength(0);
  });

  it('gives up on a server that never answers within the timeout', async () => {
    const receiver = await startReceiver(() => undefined);
    const startedAt = performance.now();
    const result = await sender({ timeoutMs: 300 }).send(receiver.url, JSON_HEADERS, '{}');
    const elapsed = performance.now() - startedAt;
    expect(result).toMatchObject({ outcome: 'failed', errorClass: 'timeout' });
    expect(result.statusCode).toBeUndefined();
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(800);
  });

  it('cuts an endless slow-drip body at maxResponseBytes and returns promptly', async () => {
    const timers: NodeJS.Timeout[] = [];
    const receiver = await startReceiver((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('a'.repeat(60));
      timers.push(setInterval(() => res.write('b'.repeat(20)), 5));
      res.on('close', () => timers.forEach(clearInterval));
    });
    const startedAt = performance.now();
    const result = await sender({ timeoutMs: 5000, maxResponseBytes: 100 }).send(receiver.url, JSON_HEADERS, '{}');
    const elapsed = performance.now() - startedAt;
    timers.forEach(clearInterval);
    expect(result).toMatchObject({ outcome: 'succeeded', statusCode: 200 });
    expect(result.responseExcerpt).toBe('a'.repeat(60) + 'b'.repeat(40));
    expect(elapsed).toBeLessThan(1000);
  });

  it('holds a body that stalls below the bound to the same deadline', async () => {
    const receiver = await startReceiver((_req, res) => {
      res.writeHead(200);
      res.write('partial');
    });
    const startedAt = performance.now();
    const result = await sender({ timeoutMs: 300 }).send(receiver.url, JSON_HEADERS, '{}');
    expect(performance.now() - startedAt).toBeLessThan(800);
    expect(result).toMatchObject({ outcome: 'failed', errorClass: 'timeout', statusCode: 200 });
  });

  it('reports a refused connection', async () => {
    const counter = await startConnectionCounter();
    await counter.close(); // the port is now known to be closed
    const result = await sender().send(`http://127.0.0.1:${counter.port}/`, JSON_HEADERS, '{}');
    expect(result).toMatchObject({ outcome: 'failed', errorClass: 'connection_refused' });
    expect(result.statusCode).toBeUndefined();
  });

  it('reports a connection closed without a response as a connection error', async () => {
    const counter = await startConnectionCounter();
    const result = await sender().send(`http://127.0.0.1:${counter.port}/`, JSON_HEADERS, '{}');
    expect(counter.connections()).toBe(1);
    expect(result).toMatchObject({ outcome: 'failed', errorClass: 'connection_error' });
  });

  it('surfaces Retry-After as sent', async () => {
    const receiver = await startReceiver((_req, res) => res.writeHead(429, { 'retry-after': '120' }).end('slow down'));
    const result = await sender().send(receiver.url, JSON_HEADERS, '{}');
    expect(result).toMatchObject({ outcome: 'failed', statusCode: 429, errorClass: 'http_status', retryAfter: '120' });
  });

  it('delivers the headers and body byte for byte', async () => {
    const receiver = await startReceiver((_req, res) => res.writeHead(200).end());
    const body = JSON.stringify({ event: 'click', timestamp: '2026-02-25T14:30:00Z', data: { city: 'Zürich', emoji: '🚀', n: 1 } });
    const headers = {
      'Content-Type': 'application/json',
      'X-GeoRedir-Signature': 'a'.repeat(64),
      'X-GeoRedir-Attempt': '2',
      'webhook-signature': 'v1,abc+/=',
    };
    const result = await sender().send(`${receiver.url}/webhooks/georedir?x=1`, headers, body);
    expect(result.outcome).toBe('succeeded');
    const [received] = receiver.requests;
    expect(received?.method).toBe('POST');
    expect(received?.url).toBe('/webhooks/georedir?x=1');
    expect(received?.body.equals(Buffer.from(body, 'utf8'))).toBe(true);
    expect(received?.headers['content-length']).toBe(String(Buffer.byteLength(body)));
    for (const [name, value] of Object.entries(headers)) expect(received?.headers[name.toLowerCase()]).toBe(value);
  });

  describe('with private targets not allowed', () => {
    it('blocks a loopback address without connecting', async () => {
      const counter = await startConnectionCounter();
      const result = await sender({ allowPrivate: false }).send(`https://127.0.0.1:${counter.port}/`, JSON_HEADERS, '{}');
      expect(result).toMatchObject({ outcome: 'failed', errorClass: 'blocked_address' });
      expect(counter.connections()).toBe(0);
    });

    it('blocks http:// without connecting', async () => {
      const lookup = jest.fn(async () => [{ address: '93.184.216.34', family: 4 }]);
      const result = await sender({ allowPrivate: false, lookup }).send('http://receiver.test/hook', JSON_HEADERS, '{}');
      expect(result).toMatchObject({ outcome: 'failed', errorClass: 'blocked_address' });
      expect(result.errorMessage).toMatch(/https/);
      expect(lookup).not.toHaveBeenCalled();
    });

    it('blocks a name that resolves to a private address without connecting', async () => {
      const lookup = jest.fn(async () => [{ address: '10.0.0.1', family: 4 }]);
      const result = await sender({ allowPrivate: false, lookup }).send('https://receiver.test/hook', JSON_HEADERS, '{}');
      expect(result).toMatchObject({ outcome: 'failed', errorClass: 'blocked_address' });
      expect(result.errorMessage).toContain('10.0.0.1');
      expect(lookup).toHaveBeenCalledWith('receiver.test');
    });

    it('blocks a name resolving to a listening loopback server, and that server sees no connection', async () => {
      const counter = await startConnectionCounter();
      const lookup = async () => [
        { address: '93.184.216.34', family: 4 },
        { address: '127.0.0.1', family: 4 },
      ];
      const result = await sender({ allowPrivate: false, lookup }).send(`https://receiver.test:${counter.port}/`, JSON_HEADERS, '{}');
      expect(result).toMatchObject({ outcome: 'failed', errorClass: 'blocked_address' });
      expect(counter.connections()).toBe(0);
    });
  });

  it('connects to the checked address and keeps the name in the Host header', async () => {
    const receiver = await startReceiver((_req, res) => res.writeHead(200).end());
    const lookup = jest.fn(async (hostname: string) => (hostname === 'receiver.test' ? [{ address: '127.0.0.1', family: 4 }] : []));
    const result = await sender({ lookup }).send(`http://receiver.test:${receiver.port}/hook`, JSON_HEADERS, '{}');
    expect(result.outcome).toBe('succeeded');
    expect(receiver.requests[0]?.headers.host).toBe(`receiver.test:${receiver.port}`);
    // Resolved once, by the policy check that the socket then used.
    expect(lookup).toHaveBeenCalledTimes(1);
  });

  it('uses the host name for TLS SNI and verifies the certificate while connecting to the checked address', async () => {
    // A certificate that names receiver.test but is self-signed: SNI must carry the name, and
    // verification must still refuse it (nobody turned rejectUnauthorized off).
    const dir = mkdtempSync(join(tmpdir(), 'http-sender-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=receiver.test',
      '-addext', 'subjectAltName=DNS:receiver.test', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    const context = { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
    rmSync(dir, { recursive: true, force: true });
    let serverName: string | undefined;
    const tlsServer = createTlsServer({
      ...context,
      SNICallback: (name, callback) => {
        serverName = name;
        callback(null, createSecureContext(context));
      },
    });
    servers.push(tlsServer);
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
    const { port } = tlsServer.address() as AddressInfo;
    const lookup = async () => [{ address: '127.0.0.1', family: 4 }];

    const result = await sender({ lookup }).send(`https://receiver.test:${port}/`, JSON_HEADERS, '{}');

    expect(serverName).toBe('receiver.test');
    expect(result).toMatchObject({ outcome: 'failed', errorClass: 'tls_error' });
    expect(result.errorMessage).toMatch(/self[- ]signed/i);
  });

  it('reports TLS to a plain HTTP server as a tls_error', async () => {
    const receiver = await startReceiver((_req, res) => res.writeHead(200).end());
    const result = await sender().send(`https://127.0.0.1:${receiver.port}/`, JSON_HEADERS, '{}');
    expect(result).toMatchObject({ outcome: 'failed', errorClass: 'tls_error' });
  });

  it.each([
    ['fails', async (): Promise<{ address: string; family: number }[]> => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.test'), { code: 'ENOTFOUND' });
    }],
    ['answers with no address', async (): Promise<{ address: string; family: number }[]> => []],
  ])('reports a name whose lookup %s as a dns_error', async (_case, lookup) => {
    const result = await sender({ lookup }).send('http://nowhere.test/', JSON_HEADERS, '{}');
    expect(result).toMatchObject({ outcome: 'failed', errorClass: 'dns_error' });
  });

  it('holds a TLS handshake that never completes to the same deadline', async () => {
    // A listener that accepts and never speaks: the socket connects, the handshake waits. It
    // reads (and drops) what arrives, so it notices when the sender hangs up.
    const silent = createNetServer((socket) => socket.resume());
    servers.push(silent);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const startedAt = performance.now();
    const result = await sender({ timeoutMs: 300 }).send(`https://127.0.0.1:${port}/`, JSON_HEADERS, '{}');
    const elapsed = performance.now() - startedAt;
    expect(result).toMatchObject({ outcome: 'failed', errorClass: 'timeout', errorMessage: 'no complete response within 300 ms' });
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(800);
  });

  it('sends to an IPv6 literal', async () => {
    const server = createHttpServer((_req, res) => res.writeHead(200).end('v6'));
    servers.push(server);
    const listening = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(0, '::1', () => resolve(true));
    });
    if (!listening) return; // no IPv6 loopback on this machine
    const { port } = server.address() as AddressInfo;
    const result = await sender().send(`http://[::1]:${port}/hook`, JSON_HEADERS, '{}');
    expect(result).toMatchObject({ outcome: 'succeeded', statusCode: 200, responseExcerpt: 'v6' });
  });

  it.each([
    ['a control character', (port: number) => `http://127.0.0.1:${port}/a\tb`, /control characters/],
    ['a line break meant to inject a header', (port: number) => `http://127.0.0.1:${port}/\r\nX-Injected: 1`, /control characters/],
    ['port 0', () => 'http://127.0.0.1:0/', /port 0/],
  ])('blocks a URL with %s without connecting', async (_case, url, message) => {
    const counter = await startConnectionCounter();
    const result = await sender().send(url(counter.port), JSON_HEADERS, '{}');
    expect(result).toMatchObject({ outcome: 'failed', errorClass: 'blocked_address' });
    expect(result.errorMessage).toMatch(message);
    expect(counter.connections()).toBe(0);
  });

  it('blocks a non-HTTP port where private targets are not allowed', async () => {
    const lookup = jest.fn(async () => [{ address: '93.184.216.34', family: 4 }]);
    const result = await sender({ allowPrivate: false, lookup }).send('https://receiver.test:25/', JSON_HEADERS, '{}');
    expect(result).toMatchObject({ outcome: 'failed', errorClass: 'blocked_address' });
    expect(result.errorMessage).toMatch(/port 25/);
    expect(lookup).not.toHaveBeenCalled();
  });

  it('close() waits for attempts still running', async () => {
    const receiver = await startReceiver((_req, res) => setTimeout(() => res.writeHead(200).end('late'), 150));
    const s = sender();
    const pending = s.send(receiver.url, JSON_HEADERS, '{}');
    let settled = false;
    void pending.then(() => (settled = true));
    await s.close();
    expect(settled).toBe(true);
    await expect(pending).resolves.toMatchObject({ outcome: 'succeeded', responseExcerpt: 'late' });
  });

  it('sends many attempts at once, each on its own connection', async () => {
    const sockets = new Set<unknown>();
    const receiver = await startReceiver((req, res) => {
      sockets.add(req.socket);
      res.writeHead(200).end();
    });
    const s = sender();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => s.send(`${receiver.url}/${i}`, JSON_HEADERS, `{"i":${i}}`)));
    expect(results.every((r) => r.outcome === 'succeeded')).toBe(true);
    expect(receiver.requests).toHaveLength(20);
    expect(sockets.size).toBe(20);
  });
});
