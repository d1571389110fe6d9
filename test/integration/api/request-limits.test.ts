// The management API's limits per credential and per account through the real handler, with its
// limits set low by environment (as the construct's props set them): one key's burst answers 429
// with Retry-After while another account's key keeps getting 200; an account's keys share its
// budget; test sends and recovers count per account, so deleting and re-creating an endpoint buys
// none. And every answer carries HSTS.
import { REQUEST_LIMITS_ENV } from '../../../lambdas/api/request-limit-settings';
import { createKey } from '../../../cli/admin';
import { type Harness, type Receiver, startHarness, startReceiver } from './harness';

let h: Harness;
let receiver: Receiver;

const CREDENTIAL_BURST = 8;
const ACCOUNT_BURST = 12;

beforeAll(async () => {
  h = await startHarness({
    env: {
      [REQUEST_LIMITS_ENV.credentialRequestsPerSecond]: '1',
      [REQUEST_LIMITS_ENV.credentialRequestBurst]: String(CREDENTIAL_BURST),
      [REQUEST_LIMITS_ENV.accountRequestsPerSecond]: '1',
      [REQUEST_LIMITS_ENV.accountRequestBurst]: String(ACCOUNT_BURST),
      [REQUEST_LIMITS_ENV.accountTestSendsPerMinute]: '2',
      [REQUEST_LIMITS_ENV.accountRecoversPerMinute]: '1',
      // The per-endpoint limit out of the way: this is about the account's.
      TEST_SENDS_PER_MINUTE: '100',
    },
  });
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver?.close();
  await h?.close();
});

/** Requests with the key until one is refused; the statuses seen. */
async function untilRefused(apiKey: string, most: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let request = 0; request < most; request += 1) {
    const answer = await h.request('GET', '/v1/endpoints', { apiKey });
    statuses.push(answer.status);
    if (answer.status === 429) break;
  }
  return statuses;
}

/** Fixed one-minute windows: start a per-minute count well inside one, so the test cannot straddle two. */
async function freshMinute(): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 15_000) await new Promise((resolve) => setTimeout(resolve, left + 200));
}

test("one key's burst gets 429 with Retry-After while another account's key gets 200", async () => {
  const noisy = await h.newAccount();
  const quiet = await h.newAccount();
  const statuses = await untilRefused(noisy.apiKey, CREDENTIAL_BURST + 5);
  // The whole burst goes through (a token may free meanwhile on a slow machine), then 429.
  expect(statuses.slice(0, CREDENTIAL_BURST)).toEqual(Array(CREDENTIAL_BURST).fill(200));
  expect(statuses[statuses.length - 1]).toBe(429);

  const refused = await h.request('GET', '/v1/endpoints', { apiKey: noisy.apiKey });
  expect(refused.status).toBe(429);
  expect(refused.json).toMatchObject({ error: { code: 'rate_limited' } });
  expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

  const other = await h.request('GET', '/v1/endpoints', { apiKey: quiet.apiKey });
  expect(other.status).toBe(200);
});

test("an account's keys share the account's budget; other accounts keep theirs", async () => {
  const account = await h.newAccount();
  const second = await createKey(h.store, account.accountId);
  const first = await untilRefused(account.apiKey, CREDENTIAL_BURST);
  expect(first.every((status) => status === 200)).toBe(true);
  // The second key has its own credential bucket, but the account's is nearly spent.
  const statuses = await untilRefused(second.apiKey, ACCOUNT_BURST);
  expect(statuses[statuses.length - 1]).toBe(429);
  expect(statuses.length).toBeLessThanOrEqual(ACCOUNT_BURST - CREDENTIAL_BURST + 3);
  const refused = await h.request('GET', '/v1/endpoints', { apiKey: second.apiKey });
  expect(refused.json.error.message).toMatch(/per account/);
  expect((await h.request('GET', '/v1/endpoints', { apiKey: (await h.newAccount()).apiKey })).status).toBe(200);
});

test('test sends are counted per account: deleting and re-creating the endpoint buys none', async () => {
  await freshMinute();
  const { apiKey } = await h.newAccount();
  const create = async () => (await h.request('POST', '/v1/endpoints', { apiKey, body: { url: receiver.url, events: ['click'] } })).json.id as string;
  const first = await create();
  expect((await h.request('POST', `/v1/endpoints/${first}/test`, { apiKey })).status).toBe(200);
  expect((await h.request('POST', `/v1/endpoints/${first}/test`, { apiKey })).status).toBe(200);
  expect((await h.request('DELETE', `/v1/endpoints/${first}`, { apiKey })).status).toBe(204);
  const second = await create();
  const refused = await h.request('POST', `/v1/endpoints/${second}/test`, { apiKey });
  expect(refused.status).toBe(429);
  expect(refused.json.error.message).toBe('At most 2 test sends per minute per account');
  expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
});

test('recover is limited per account and minute', async () => {
  await freshMinute();
  const { apiKey } = await h.newAccount();
  const { id } = (await h.request('POST', '/v1/endpoints', { apiKey, body: { url: receiver.url, events: ['*'] } })).json as { id: string };
  const since = new Date(Date.now() - 3_600_000).toISOString();
  expect((await h.request('POST', `/v1/endpoints/${id}/recover`, { apiKey, body: { since } })).status).toBe(202);
  const again = await h.request('POST', `/v1/endpoints/${id}/recover`, { apiKey, body: { since } });
  expect(again.status).toBe(429);
  expect(again.json.error.message).toBe('At most 1 recovers per minute per account');
});

test("every answer of the function, public, refused or not, carries Strict-Transport-Security", async () => {
  const { apiKey } = await h.newAccount();
  for (const answer of [
    await h.request('GET', '/health'),
    await h.request('GET', '/v1/endpoints'),
    await h.request('GET', '/v1/endpoints', { apiKey }),
    // Routed by API Gateway to the function, which knows no such route.
    await h.request('GET', '/v1/no-such-route'),
  ]) {
    expect(answer.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
  }
});
