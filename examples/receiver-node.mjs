// A GeoRedir webhook receiver on plain node:http that verifies X-GeoRedir-Signature exactly as
// the guide's Node snippet does: parse the JSON body, re-serialise it with JSON.stringify, and
// compare HMAC-SHA256(secret, that string) in constant time. Prints each verified event.
//
//   GEOREDIR_WEBHOOK_SECRET=whsec_... PORT=3001 node examples/receiver-node.mjs
// Then register http://127.0.0.1:3001/webhooks/georedir as an endpoint of the local run.
import crypto from 'node:crypto';
import http from 'node:http';

const secret = process.env.GEOREDIR_WEBHOOK_SECRET;
const port = Number(process.env.PORT ?? 3001);
if (!secret) {
  console.error('Set GEOREDIR_WEBHOOK_SECRET to the endpoint secret (whsec_...) the API returned.');
  process.exit(1);
}

// The guide's verifySignature; timingSafeEqual throws on different lengths, so check that first.
function verifySignature(payload, signature, secret) {
  const expected = crypto.createHmac('sha256', secret).update(payload, 'utf8').digest('hex');
  const given = Buffer.from(String(signature ?? ''));
  return given.length === expected.length && crypto.timingSafeEqual(given, Buffer.from(expected));
}

function reply(response, status, body) {
  response.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}

const server = http.createServer((request, response) => {
  if (request.method !== 'POST' || request.url !== '/webhooks/georedir') return reply(response, 404, { error: 'Not found' });
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return reply(response, 400, { error: 'Body is not JSON' });
    }
    // As express.json() + JSON.stringify(req.body) in the guide.
    const rawBody = JSON.stringify(body);
    if (!verifySignature(rawBody, request.headers['x-georedir-signature'], secret)) {
      console.log(`rejected: invalid signature (delivery ${request.headers['x-georedir-delivery'] ?? '?'})`);
      return reply(response, 401, { error: 'Invalid signature' });
    }
    const { event, timestamp, data } = body;
    console.log(
      `Received event: ${event} at ${timestamp} (delivery ${request.headers['x-georedir-delivery']}, attempt ${request.headers['x-georedir-attempt']})`,
    );
    console.log('Data:', JSON.stringify(data, null, 2));
    reply(response, 200, { received: true });
  });
});

server.listen(port, '127.0.0.1', () => console.log(`Webhook receiver on http://127.0.0.1:${port}/webhooks/georedir`));
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
