// Re-enabling an endpoint is one thing however it is asked for: PATCH status "active" applies the
// plan check POST /enable applies, so an account whose plan lost webhooks cannot restart deliveries.
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type Harness, startHarness } from './harness';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());

test('PATCH status active answers 403 webhooks_not_enabled like /enable; other changes and disabling still work', async () => {
  const { apiKey, accountId } = await h.newAccount();
  const created = await h.request('POST', '/v1/endpoints', { apiKey, body: { url: 'http://127.0.0.1:9/hook', events: ['click'] } });
  const id = created.json.id as string;
  expect((await h.request('PATCH', `/v1/endpoints/${id}`, { apiKey, body: { status: 'disabled' } })).status).toBe(200);
  await h.store.table.documents.send(
    new UpdateCommand({ TableName: h.store.table.name, Key: { pk: `ACCOUNT#${accountId}`, sk: 'ACCOUNT' }, UpdateExpression: 'SET webhooksEnabled = :off', ExpressionAttributeValues: { ':off': false } }),
  );

  for (const [method, path, body] of [
    ['PATCH', `/v1/endpoints/${id}`, { status: 'active' }],
    ['PATCH', `/v1/endpoints/${id}`, { status: 'active', description: 'back on' }],
    ['POST', `/v1/endpoints/${id}/enable`, undefined],
  ] as const) {
    const answer = await h.request(method, path, { apiKey, ...(body ? { body } : {}) });
    expect(answer.status).toBe(403);
    expect(answer.json.error.code).toBe('webhooks_not_enabled');
  }
  expect((await h.request('GET', `/v1/endpoints/${id}`, { apiKey })).json).toMatchObject({ status: 'disabled' });
  expect((await h.request('PATCH', `/v1/endpoints/${id}`, { apiKey, body: { description: 'paused' } })).status).toBe(200);
  expect((await h.request('PATCH', `/v1/endpoints/${id}`, { apiKey, body: { status: 'disabled' } })).status).toBe(200);
});
