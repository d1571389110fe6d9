// What an endpoint chooses to receive, over HTTP: content filters (and their preview), redacted
// fields, custom headers, and a secret switch the account schedules. Every bad input is a 400
// naming the field, and changes nothing.
import { EVENT_CATALOGUE } from '../../../lambdas/domain/event-catalogue';
import { deliveryIdFor } from '../../../lambdas/domain/ids';
import type { Delivery } from '../../../lambdas/domain/model';
import { buildDeliveryBody } from '../../../lambdas/domain/payload';
import { createDelivery } from '../../support/create-delivery';
import { type Harness, startHarnessWithAccount } from './harness';

let h: Harness;
let apiKey: string;
let accountId: string;
beforeAll(async () => ({ h, apiKey, accountId } = await startHarnessWithAccount({ maxEndpoints: 50 })));
afterAll(() => h.close());

const endpointBody = (extra: Record<string, unknown> = {}) => ({ url: 'http://127.0.0.1:9/hook', events: ['click', 'conversion'], ...extra });
const get = async (id: string) => (await h.request('GET', `/v1/endpoints/${id}`, { apiKey })).json;
const create = async (extra: Record<string, unknown> = {}) => {
  const answer = await h.request('POST', '/v1/endpoints', { apiKey, body: endpointBody(extra) });
  expect(answer.status).toBe(201);
  return answer.json as Record<string, unknown> & { id: string };
};

/** Each bad value must be answered 400 naming `field` at creation (nothing created) and in a PATCH (nothing changed). */
async function expectRefused(field: string, value: unknown, message: RegExp) {
  const before = (await h.store.accounts.getAccount(accountId))?.endpointCount;
  const created = await h.request('POST', '/v1/endpoints', { apiKey, body: endpointBody({ [field]: value }) });
  expect(created.status).toBe(400);
  expect(created.json.error.code).toBe('validation_failed');
  const detail = (created.json.error.details as { field: string; message: string }[]).find((entry) => entry.field.startsWith(field));
  expect(detail?.message).toMatch(message);
  expect((await h.store.accounts.getAccount(accountId))?.endpointCount).toBe(before);

  const { id } = await create();
  const unchanged = await get(id);
  const patched = await h.request('PATCH', `/v1/endpoints/${id}`, { apiKey, body: { [field]: value, description: 'not applied' } });
  expect(patched.status).toBe(400);
  expect((patched.json.error.details as { field: string }[]).some((entry) => entry.field.startsWith(field))).toBe(true);
  expect(await get(id)).toEqual(unchanged);
}

describe('filter', () => {
  it('is set at creation, answered by GET, replaced by PATCH and removed with null', async () => {
    const filter = { is_unique: [true], country: ['US', 'CA'] };
    const endpoint = await create({ filter });
    expect(endpoint.filter).toEqual(filter);
    expect((await get(endpoint.id)).filter).toEqual(filter);
    const revenue = { revenue: [{ numeric: ['>=', 100] }], $or: [{ currency: ['USD'] }, { country: [{ prefix: 'C' }] }] };
    expect((await h.request('PATCH', `/v1/endpoints/${endpoint.id}`, { apiKey, body: { filter: revenue } })).json.filter).toEqual(revenue);
    expect((await get(endpoint.id)).filter).toEqual(revenue);
    const removed = await h.request('PATCH', `/v1/endpoints/${endpoint.id}`, { apiKey, body: { filter: null } });
    expect(removed.json).not.toHaveProperty('filter');
    expect(await h.store.endpoints.getEndpoint(accountId, endpoint.id)).not.toHaveProperty('filter');
  });

  it.each([
    ['an unknown operator', { country: [{ prefixx: 'U' }] }, /filter\.country: unknown operator "prefixx"/],
    ['a wrong value type', { revenue: [{ numeric: ['>=', '100'] }] }, /filter\.revenue: numeric expects/],
    ['a value that is not a list', { country: 'US' }, /filter\.country/],
    ['an empty pattern', {}, /non-empty/],
    ['over 4 KB', { country: ['x'.repeat(4100)] }, /is \d+ bytes; at most 4096/],
    ['more than 50 values', { link_id: Array.from({ length: 51 }, (_, index) => index) }, /has 51 values; at most 50/],
    ['not an object', ['US'], /object|record/i],
  ])('answers 400 for %s and changes nothing', async (_what, filter, message) => {
    await expectRefused('filter', filter, message);
  });
});

describe('redact', () => {
  it('takes documented fields, is answered by GET, replaced by PATCH and removed with [] or null', async () => {
    const endpoint = await create({ redact: ['ip'] });
    expect(endpoint.redact).toEqual(['ip']);
    expect((await h.request('PATCH', `/v1/endpoints/${endpoint.id}`, { apiKey, body: { redact: ['fraud_flags', 'destination_url'] } })).json.redact).toEqual([
      'fraud_flags',
      'destination_url',
    ]);
    expect((await h.request('PATCH', `/v1/endpoints/${endpoint.id}`, { apiKey, body: { redact: [] } })).json).not.toHaveProperty('redact');
    await h.request('PATCH', `/v1/endpoints/${endpoint.id}`, { apiKey, body: { redact: ['ip'] } });
    expect((await h.request('PATCH', `/v1/endpoints/${endpoint.id}`, { apiKey, body: { redact: null } })).json).not.toHaveProperty('redact');
  });

  it('is offered by the catalogue: each type lists its fields and which hold personal data', async () => {
    const catalogue = (await h.request('GET', '/v1/event-types')).json.data as { name: string; fields: string[]; personalData: string[] }[];
    const click = catalogue.find((entry) => entry.name === 'click');
    expect(click?.fields).toEqual(Object.keys(EVENT_CATALOGUE.click.example));
    expect(click?.personalData).toEqual(['ip']);
    expect(catalogue.find((entry) => entry.name === 'conversion')?.personalData).toEqual([]);
  });

  it.each([
    ['a field the catalogue does not document', ['visitor_email'], /field the event catalogue documents/],
    ['a nested path', ['data.ip'], /field the event catalogue documents/],
    ['a field named twice', ['ip', 'ip'], /names a field twice/],
    ['not a list', 'ip', /array|list/i],
  ])('answers 400 for %s and changes nothing', async (_what, redact, message) => {
    await expectRefused('redact', redact, message);
  });
});

describe('custom headers', () => {
  it('are answered masked, merged by PATCH (null removes one, headers: null all) and stored whole', async () => {
    const token = 'Bearer 0123456789abcdefXYZW';
    const endpoint = await create({ headers: { Authorization: token, 'X-Route': 'eu' } });
    expect(endpoint.headers).toEqual({ Authorization: '****XYZW', 'X-Route': '****' });
    expect(JSON.stringify(endpoint)).not.toContain('0123456789');
    expect((await get(endpoint.id)).headers).toEqual({ Authorization: '****XYZW', 'X-Route': '****' });
    const listed = (await h.request('GET', '/v1/endpoints', { apiKey })).json.data.find((entry: { id: string }) => entry.id === endpoint.id);
    expect(listed.headers).toEqual({ Authorization: '****XYZW', 'X-Route': '****' });

    const patched = await h.request('PATCH', `/v1/endpoints/${endpoint.id}`, { apiKey, body: { headers: { 'x-route': 'us', 'X-Tenant': 't1' } } });
    expect(patched.status).toBe(200);
    expect((await h.store.endpoints.getEndpoint(accountId, endpoint.id))?.headers).toEqual({ Authorization: token, 'x-route': 'us', 'X-Tenant': 't1' });
    await h.request('PATCH', `/v1/endpoints/${endpoint.id}`, { apiKey, body: { headers: { Authorization: null } } });
    expect((await get(endpoint.id)).headers).toEqual({ 'x-route': '****', 'X-Tenant': '****' });
    const cleared = await h.request('PATCH', `/v1/endpoints/${endpoint.id}`, { apiKey, body: { headers: null } });
    expect(cleared.json).not.toHaveProperty('headers');
    expect(await h.store.endpoints.getEndpoint(accountId, endpoint.id)).not.toHaveProperty('headers');
  });

  it('refuses a PATCH that would leave more than 10, and changes nothing', async () => {
    const ten = Object.fromEntries(Array.from({ length: 10 }, (_, index) => [`X-H${index}`, 'v']));
    const endpoint = await create({ headers: ten });
    const answer = await h.request('PATCH', `/v1/endpoints/${endpoint.id}`, { apiKey, body: { headers: { 'X-Eleventh': 'v' } } });
    expect(answer.status).toBe(400);
    expect(answer.json.error.details).toEqual([{ location: 'body', field: 'headers', message: 'at most 10 headers after the merge; remove some with null' }]);
    expect(Object.keys((await h.store.endpoints.getEndpoint(accountId, endpoint.id))?.headers ?? {})).toHaveLength(10);
  });

  it.each([
    ['our own header', { 'X-GeoRedir-Signature': 'forged' }, /service's own/],
    ['a Standard Webhooks header', { 'webhook-id': 'x' }, /service's own/],
    ['Host', { Host: 'evil.example' }, /set by the service or by HTTP/],
    ['Content-Length', { 'Content-Length': '1' }, /set by the service or by HTTP/],
    ['Transfer-Encoding', { 'Transfer-Encoding': 'chunked' }, /set by the service or by HTTP/],
    ['Connection', { Connection: 'close' }, /set by the service or by HTTP/],
    ['a name that is not a token', { 'X Bad': 'v' }, /HTTP token/],
    ['a value with CR LF', { 'X-Ok': 'a\r\nX-Injected: 1' }, /no CR, LF or NUL/],
    ['a value with NUL', { 'X-Ok': 'a\0b' }, /no CR, LF or NUL/],
    ['a value over 1 KB', { 'X-Ok': 'v'.repeat(1025) }, /at most 1024 bytes/],
    ['more than 10', Object.fromEntries(Array.from({ length: 11 }, (_, index) => [`X-H${index}`, 'v'])), /at most 10 headers/],
    ['one name twice in different case', { 'X-A': '1', 'x-a': '2' }, /each name once/],
  ])('answers 400 for %s and changes nothing', async (_what, headers, message) => {
    await expectRefused('headers', headers, message);
  });
});

describe('scheduled secret switch', () => {
  it('keeps the old secret signing X-GeoRedir-Signature until activateAt, shows the switch, and refuses a rotation before it', async () => {
    const { id, secret } = (await create()) as { id: string; secret: string };
    const activateAt = new Date(Date.now() + 3_600_000).toISOString();
    const rotated = await h.request('POST', `/v1/endpoints/${id}/rotate-secret`, { apiKey, body: { activateAt } });
    expect(rotated.status).toBe(200);
    expect(rotated.json.secret).not.toBe(secret);
    expect(rotated.json.secretActivatesAt).toBe(activateAt);
    // The grace period runs from the switch: 24 h after it.
    expect(Date.parse(rotated.json.previousSecretExpiresAt) - Date.parse(activateAt)).toBe(24 * 3_600_000);
    expect((await get(id)).secretActivatesAt).toBe(activateAt);
    expect((await h.request('GET', `/v1/endpoints/${id}/secret`, { apiKey })).json).toEqual(rotated.json);
    expect((await h.store.endpoints.getEndpoint(accountId, id))?.previousSecret?.secret).toBe(secret);

    const again = await h.request('POST', `/v1/endpoints/${id}/rotate-secret`, { apiKey });
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe('secret_switch_pending');
    expect((await h.store.endpoints.getEndpoint(accountId, id))?.secret).toBe(rotated.json.secret);
  });

  it('rotates at once without activateAt, as before: no switch shown', async () => {
    const { id } = await create();
    const rotated = await h.request('POST', `/v1/endpoints/${id}/rotate-secret`, { apiKey, body: {} });
    expect(rotated.status).toBe(200);
    expect(rotated.json).not.toHaveProperty('secretActivatesAt');
    expect(await get(id)).not.toHaveProperty('secretActivatesAt');
  });

  it.each([
    ['in the past', () => new Date(Date.now() - 3_600_000).toISOString(), /from now to 24 hours ahead/],
    ['more than 24 h ahead', () => new Date(Date.now() + 25 * 3_600_000).toISOString(), /from now to 24 hours ahead/],
    ['not a time', () => 'tomorrow', /date|time/i],
  ])('answers 400 for an activateAt %s and rotates nothing', async (_what, activateAt, message) => {
    const { id, secret } = (await create()) as { id: string; secret: string };
    const answer = await h.request('POST', `/v1/endpoints/${id}/rotate-secret`, { apiKey, body: { activateAt: activateAt() } });
    expect(answer.status).toBe(400);
    expect(answer.json.error.details[0]).toMatchObject({ field: 'activateAt' });
    expect(answer.json.error.details[0].message).toMatch(message);
    expect((await h.store.endpoints.getEndpoint(accountId, id))?.secret).toBe(secret);
  });
});

describe('filter preview', () => {
  it("counts how many of the account's latest events of the types the filter matches, each event once", async () => {
    const preview = await h.newAccount();
    const ids = ['ep_one', 'ep_two'];
    const countries = ['US', 'US', 'FR', 'CA', 'US', 'DE'];
    for (const [index, country] of countries.entries()) {
      const at = new Date(Date.now() - (countries.length - index) * 60_000);
      for (const endpointId of ids) {
        const eventId = `click:p${index}`;
        const data = { ...EVENT_CATALOGUE.click.example, click_id: `p${index}`, country };
        const delivery: Delivery = {
          deliveryId: deliveryIdFor(preview.accountId, eventId, endpointId),
          accountId: preview.accountId,
          endpointId,
          eventId,
          eventType: 'click',
          status: 'succeeded',
          attemptCount: 1,
          createdAt: at.toISOString(),
          updatedAt: at.toISOString(),
          body: buildDeliveryBody('click', at.toISOString().replace(/\.\d{3}Z$/, 'Z'), data),
          attempts: [],
        };
        await h.dispatcherStore.appendLog(preview.accountId, [{ deliveryId: delivery.deliveryId, endpointId, eventType: 'click', attempt: 1, created: true }], at);
        await createDelivery(h.dispatcherStore, delivery);
      }
    }
    const ask = (filter: unknown, events: string[]) => h.request('POST', '/v1/filter-preview', { apiKey: preview.apiKey, body: { filter, events } });
    expect((await ask({ country: ['US'] }, ['click'])).json).toEqual({ checked: 6, matched: 3 });
    expect((await ask({ country: [{ 'anything-but': ['US'] }] }, ['*'])).json).toEqual({ checked: 6, matched: 3 });
    expect((await ask({ country: ['US'] }, ['conversion'])).json).toEqual({ checked: 0, matched: 0 });
    // Another account's preview sees none of these events.
    expect((await h.request('POST', '/v1/filter-preview', { apiKey, body: { filter: { country: ['US'] }, events: ['click'] } })).json.matched).toBe(0);
    const bad = await ask({ country: [{ nope: 1 }] }, ['click']);
    expect(bad.status).toBe(400);
    expect(bad.json.error.details[0]).toMatchObject({ field: 'filter' });
  });
});
