// The guide's Express receiver, run as a customer would: its two snippets (the basic endpoint and
// "In your Express handler" of Signature Verification) joined, the basic handler's body standing in
// for the second snippet's "// ...". The guide's lines are unchanged. Wrapping, marked "harness":
// the port comes from PORT, and a middleware appends each answered request to RECEIVER_LOG.
const fs = require('fs'); // harness

const express = require('express');
const app = express();
app.use(express.json());

// harness: one JSON line per request, written when the response is finished.
app.use((req, res, next) => {
  res.on('finish', () => {
    fs.appendFileSync(
      process.env.RECEIVER_LOG,
      JSON.stringify({
        receiver: 'express',
        status: res.statusCode,
        delivery: req.headers['x-georedir-delivery'] ?? null,
        attempt: req.headers['x-georedir-attempt'] ?? null,
        signature: req.headers['x-georedir-signature'] ?? null,
        // What the handler verified and processed: the parsed body, re-serialised as the guide does.
        body: JSON.stringify(req.body),
      }) + '\n',
    );
  });
  next();
});

const crypto = require('crypto');

function verifySignature(payload, signature, secret) {
  const expected = crypto
    .createHmac('sha256', secret)
    .update(payload, 'utf8')
    .digest('hex');

  return crypto.timingSafeEqual(
    Buffer.from(signature),
    Buffer.from(expected)
  );
}

// In your Express handler:
app.post('/webhooks/georedir', (req, res) => {
  const signature = req.headers['x-georedir-signature'];
  const rawBody = JSON.stringify(req.body);
  const secret = process.env.GEOREDIR_WEBHOOK_SECRET;

  if (!verifySignature(rawBody, signature, secret)) {
    return res.status(401).json({ error: 'Invalid signature' });
  }

  // Signature valid — process the event
  const { event, data, timestamp } = req.body;

  console.log(`Received event: ${event}`);
  console.log('Data:', JSON.stringify(data, null, 2));

  // Process the event
  switch (event) {
    case 'click':
      // Handle click event
      break;
    case 'conversion':
      // Handle conversion event
      break;
    case 'link.created':
      // Handle link creation
      break;
  }

  // Return 200 to acknowledge receipt
  res.status(200).json({ received: true });
});

app.listen(Number(process.env.PORT) /* harness: was 3001 */, '127.0.0.1', () => console.log('Webhook server on port ' + process.env.PORT));
