// The endpoint page's settings in headless Chromium against the local run: the filter (with its
// preview over the account's recent events), the redacted fields, the custom headers (never shown in
// full) and both ways to rotate the secret. One local run, one browser and one account of its own
// for the whole file (so previews and counts see only this file's events); a real receiver on
// 127.0.0.1 gets what the settings do to a delivery. Screenshots go to test-output/screenshots/.
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { type ReceivedRequest, type ScriptedReceiver, startScriptedReceiver } from '../e2e/receivers/scripted-receiver';
import { type LocalRunProcess, startLocalRunProcess } from '../e2e/support/local-run-process';
import { localClientConfig } from '../support/sdk-clients';
import { clearScreenshots, launchChromium, openContext, type PageRecord, screenshot, until } from './support/browser';
import { type Account, callApi, createAccount, portalLinkFor, publishClicks, stopSuite } from './support/local-portal';

const READY_LIMIT_MS = 90_000;

interface EndpointAnswer {
  readonly id: string;
  readonly secret?: string;
  readonly filter?: Record<string, unknown>;
  readonly redact?: string[];
  readonly headers?: Record<string, string>;
  readonly secretActivatesAt?: string;
}

let run: LocalRunProcess;
let events: EventBridgeClient;
let browser: Browser;
let receiver: ScriptedReceiver;
let account: Account;
let endpointId: string;
let tab: { context: BrowserContext; page: Page; record: PageRecord };

beforeAll(async () => {
  clearScreenshots((file) => file.startsWith('settings-'));
  [run, browser, receiver] = await Promise.all([startLocalRunProcess({}, READY_LIMIT_MS), launchChromium(), startScriptedReceiver()]);
  events = new EventBridgeClient(localClientConfig(run.outputs.awsEndpoint, run.outputs.region));
  account = await createAccount(run, 'Browser Endpoint Settings');
  const created = await callApi<EndpointAnswer>(run, account, 'POST', '/v1/endpoints', { url: receiver.url, events: ['click'], description: 'settings test' });
  expect(created.status).toBe(201);
  endpointId = created.body.id;
  receiver.secret = created.body.secret!;
  tab = await openContext(browser);
  await tab.page.goto(await portalLinkFor(run, account));
  await tab.page.locator('#page-title').filter({ hasText: 'Endpoints' }).waitFor();
}, READY_LIMIT_MS + 30_000);

afterAll(() => stopSuite({ events, browser, receiver, run }));

const readEndpoint = async (id = endpointId) => (await callApi<EndpointAnswer>(run, account, 'GET', `/v1/endpoints/${id}`)).body;

/** The endpoint's page, loaded afresh. */
const openEndpoint = async (page: Page, id = endpointId) => {
  await page.goto(`${run.outputs.apiUrl}/portal#/endpoints/${id}`);
  await page.reload();
  await page.locator('#page-title').filter({ hasText: receiver.url }).waitFor();
};

const clickOf = (clickId: string) => (request: ReceivedRequest) => request.body.data.click_id === clickId;
const received = (clickId: string) => receiver.received.some(clickOf(clickId));
const facts = (page: Page) => page.locator('dl.facts');

/** A test send from the page, and the request the receiver got for it. */
const sendTest = async (page: Page): Promise<ReceivedRequest> => {
  const before = receiver.received.length;
  await page.getByRole('button', { name: 'Send test event' }).click();
  await page.locator('.test-result').filter({ hasText: 'Delivered' }).waitFor();
  return until('the test send at the receiver', async () => receiver.received.slice(before).find((request) => request.headers['x-georedir-test'] === 'true'));
};

test("the filter's preview says how many of the account's last events of the endpoint's types it would have delivered", async () => {
  const { page } = tab;
  await publishClicks(run, events, account, ['preview-us-1', 'preview-us-2'], { country: 'US' });
  await publishClicks(run, events, account, ['preview-de-1'], { country: 'DE' });
  await until('the three clicks delivered', async () => ['preview-us-1', 'preview-us-2', 'preview-de-1'].every(received), 20_000);

  await openEndpoint(page);
  const field = page.getByLabel('Event pattern (JSON)');
  expect(await field.inputValue()).toBe('');
  expect(await facts(page).textContent()).toContain('FilterNone: every event of its types');
  await field.fill('{"country": ["US"]}');
  const preview = page.locator('#edit-filter-preview');
  const previewSays = async () => {
    await page.getByRole('button', { name: 'Preview' }).click();
    await preview.filter({ hasText: /\S/ }).waitFor();
    return preview.textContent();
  };
  // Each delivery is logged as it is sent: ask again until the log holds all three.
  await until('the preview of the three clicks', async () => (await previewSays()) === 'Would have delivered 2 of the last 3 events.');
  await field.fill('{"country": ["FR"]}');
  expect(await previewSays()).toBe('Would have delivered 0 of the last 3 events.');
  // Trying a pattern saves nothing.
  expect(await readEndpoint()).not.toHaveProperty('filter');
  await screenshot(page, 'settings-01-filter-preview');
});

test('a saved filter shows on reload, and the events it leaves out are not delivered but counted', async () => {
  const { page } = tab;
  await openEndpoint(page);
  const field = page.getByLabel('Event pattern (JSON)');
  const save = page.getByRole('button', { name: 'Save filter' });
  expect(await save.isDisabled()).toBe(true);
  await field.fill('{"country": ["US"]}');
  await save.click();
  await page.getByText('Filter saved: only the events it matches are delivered.').waitFor();
  expect(await facts(page).textContent()).toContain('Filter{"country":["US"]}');
  expect((await readEndpoint()).filter).toEqual({ country: ['US'] });

  await openEndpoint(page);
  expect(JSON.parse(await field.inputValue())).toEqual({ country: ['US'] });
  expect(await save.isDisabled()).toBe(true);
  await screenshot(page, 'settings-02-filter-saved');

  await publishClicks(run, events, account, ['filtered-de-1'], { country: 'DE' });
  await publishClicks(run, events, account, ['filtered-us-1'], { country: 'US' });
  await until('the US click delivered', async () => received('filtered-us-1'), 20_000);
  // The left-out click reaches the hourly counts off the table's stream, a few seconds later.
  const note = page.locator('#activity-filtered');
  await until(
    'the left-out click counted',
    async () => {
      await openEndpoint(page);
      await page.locator('.panel', { has: page.locator('#activity-title') }).locator('figure.chart').waitFor();
      return (await note.count()) === 1 && (await note.textContent()) === '1 event left out by the filter (not delivered).';
    },
    60_000,
    1_000,
  );
  expect(received('filtered-de-1')).toBe(false);
}, 120_000);

test("a filter that is not JSON, or not a pattern, is refused next to the field with the portal's or the API's reason, and nothing changes", async () => {
  const { page, record } = tab;
  await openEndpoint(page);
  const field = page.getByLabel('Event pattern (JSON)');
  const error = page.locator('#edit-filter-error');
  const patches = () => record.requests.filter((request) => request.startsWith('PATCH ')).length;
  const patchesBefore = patches();

  await field.fill('{"country": ["US"');
  await page.getByRole('button', { name: 'Save filter' }).click();
  await error.waitFor();
  expect(await error.textContent()).toMatch(/^The filter is not valid JSON \(.+\)\.$/);
  expect(await field.getAttribute('aria-invalid')).toBe('true');
  expect(await field.getAttribute('aria-describedby')).toBe('edit-filter-error edit-filter-hint');
  expect(patches()).toBe(patchesBefore);

  // Valid JSON, but no pattern: the API's own reason, word for word.
  const refused = await callApi<{ error: { details: { field: string; message: string }[] } }>(run, account, 'POST', '/v1/filter-preview', { filter: { country: 'US' }, events: ['click'] });
  expect(refused.status).toBe(400);
  const reason = refused.body.error.details.filter((detail) => detail.field.startsWith('filter')).map((detail) => detail.message).join('; ');
  await field.fill('{"country": "US"}');
  await page.getByRole('button', { name: 'Save filter' }).click();
  await error.filter({ hasText: reason }).waitFor();
  expect(await error.textContent()).toBe(reason);
  await field.fill('{"country": "US"}');
  await page.getByRole('button', { name: 'Preview' }).click();
  await error.filter({ hasText: reason }).waitFor();
  await screenshot(page, 'settings-03-filter-refused');

  expect((await readEndpoint()).filter).toEqual({ country: ['US'] });
  expect(await facts(page).textContent()).toContain('Filter{"country":["US"]}');
});

test('redacted fields: ticked from the catalogue with ip marked personal data, they stay ticked on reload and deliveries leave them out', async () => {
  const { page } = tab;
  await openEndpoint(page);
  const box = (field: string) => page.locator(`input[name="redact"][value="${field}"]`);
  const label = (field: string) => page.locator('label.check', { has: box(field) });
  await box('ip').waitFor();
  expect(await label('ip').textContent()).toContain('personal data');
  expect(await label('referer').textContent()).not.toContain('personal data');
  expect(await page.locator('input[name="redact"]:checked').count()).toBe(0);
  const save = page.getByRole('button', { name: 'Save redacted fields' });
  expect(await save.isDisabled()).toBe(true);

  await box('referer').check();
  await box('ip').check();
  await save.click();
  await page.getByText('Redacted fields saved: ip, referer.').waitFor();
  expect(await facts(page).textContent()).toContain('Redacted fieldsip, referer');
  expect((await readEndpoint()).redact).toEqual(['ip', 'referer']);

  await openEndpoint(page);
  await box('ip').waitFor();
  expect(await box('ip').isChecked()).toBe(true);
  expect(await box('referer').isChecked()).toBe(true);
  expect(await page.locator('input[name="redact"]:checked').count()).toBe(2);
  await label('ip').scrollIntoViewIfNeeded();
  await screenshot(page, 'settings-04-redacted');

  // The body goes out without them, signed as sent.
  const sent = await sendTest(page);
  expect(sent.body.data).not.toHaveProperty('ip');
  expect(sent.body.data).not.toHaveProperty('referer');
  expect(sent.body.data).toHaveProperty('country');
  expect(sent.signatureValid).toBe(true);

  await box('referer').uncheck();
  await save.click();
  await page.getByText('Redacted fields saved: ip.').waitFor();
  expect((await readEndpoint()).redact).toEqual(['ip']);
});

test('custom headers: added with a value masked on the page and never in its DOM, sent with each attempt, refused with the API\'s reason, removed', async () => {
  const { page } = tab;
  const TOKEN = 'Bearer settings-token-7f3a9c21';
  await openEndpoint(page);
  const name = page.getByLabel('Header name');
  const value = page.getByLabel('Value', { exact: true });
  const save = page.getByRole('button', { name: 'Save headers' });
  const list = page.locator('ul.header-list li');
  expect(await value.getAttribute('type')).toBe('password');
  expect(await page.getByText('No custom headers.').count()).toBe(1);

  await name.fill('Authorization');
  await value.fill(TOKEN);
  await save.click();
  await page.getByText('Custom headers saved.').waitFor();
  await name.fill('X-Env');
  await value.fill('staging');
  await save.click();
  await until('both headers listed', async () => (await list.count()) === 2);
  expect(await list.locator('.header-name').allTextContents()).toEqual(['Authorization', 'X-Env']);
  expect(await list.locator('.header-value').allTextContents()).toEqual(['****9c21', '****']);
  expect(await facts(page).textContent()).toContain('Custom headersAuthorization, X-Env');
  // The page keeps no value once saved: not in its markup, not in any field.
  expect(await value.inputValue()).toBe('');
  expect(await page.content()).not.toContain('settings-token');
  expect(await page.evaluate<boolean>('[...document.querySelectorAll("input, textarea")].some((element) => element.value.includes("settings-token"))')).toBe(false);
  expect((await readEndpoint()).headers).toEqual({ Authorization: '****9c21', 'X-Env': '****' });
  await screenshot(page, 'settings-05-headers');

  const sent = await sendTest(page);
  expect(sent.headers.authorization).toBe(TOKEN);
  expect(sent.headers['x-env']).toBe('staging');

  // A name of the service's own: the API's reason next to the row, nothing stored.
  const refused = await callApi<{ error: { details: { field: string; message: string }[] } }>(run, account, 'PATCH', `/v1/endpoints/${endpointId}`, { headers: { 'X-GeoRedir-Extra': '1' } });
  expect(refused.status).toBe(400);
  const reason = refused.body.error.details.filter((detail) => detail.field.startsWith('headers')).map((detail) => detail.message).join('; ');
  await name.fill('X-GeoRedir-Extra');
  await value.fill('1');
  await save.click();
  await page.locator('#headers-error').filter({ hasText: reason }).waitFor();
  expect(await name.getAttribute('aria-invalid')).toBe('true');
  // A value without a name: the portal's own check.
  await name.fill('');
  await save.click();
  await page.locator('#headers-error').filter({ hasText: "Enter the header's name." }).waitFor();
  await value.fill('');

  await page.getByRole('button', { name: 'Remove Authorization' }).click();
  await list.filter({ hasText: 'removed when you save' }).waitFor();
  await save.click();
  await until('only X-Env left', async () => (await list.count()) === 1 && /^X-Env/.test((await list.first().textContent()) ?? ''));
  expect((await readEndpoint()).headers).toEqual({ 'X-Env': '****' });
  expect(await facts(page).textContent()).toContain('Custom headersX-Env');
});

test('rotating the secret now, or scheduling the switch: the pending switch is shown, and a rotation meanwhile is refused with a message', async () => {
  const { page } = tab;
  const before = (await callApi<{ secret: string }>(run, account, 'GET', `/v1/endpoints/${endpointId}/secret`)).body.secret;
  await openEndpoint(page);
  expect(await page.locator('#secret-switch').count()).toBe(0);
  await page.getByText(/a receiver written as the guide shows,\s+which checks one secret, rejects deliveries until you give it the new one/).waitFor();
  await page.getByText(/Give your receiver the new secret before then and it rejects nothing/).waitFor();

  // Now: X-GeoRedir-Signature switches at once.
  await page.getByRole('button', { name: 'Rotate now' }).click();
  const dialog = page.getByRole('dialog', { name: 'Rotate the signing secret now?' });
  await dialog.getByRole('button', { name: 'Rotate now' }).click();
  await page.getByText(/^New secret issued: it signs X-GeoRedir-Signature from now on\./).waitFor();
  const rotated = (await page.locator('#secret-value').textContent()) ?? '';
  expect(rotated).toMatch(/^whsec_/);
  expect(rotated).not.toBe(before);
  receiver.secret = rotated;
  expect((await sendTest(page)).signatureValid).toBe(true);

  // Scheduled: the default is an hour ahead; X-GeoRedir-Signature keeps the current secret until then.
  const at = page.getByLabel('Switch at (your time)');
  const aheadMs = await page.evaluate<number>(`new Date(${JSON.stringify(await at.inputValue())}).getTime() - Date.now()`);
  expect(aheadMs).toBeGreaterThan(58 * 60_000);
  expect(aheadMs).toBeLessThanOrEqual(60 * 60_000);
  await page.getByRole('button', { name: 'Schedule the switch' }).click();
  const pending = page.locator('#secret-switch');
  await pending.waitFor();
  const secret = (await callApi<{ secret: string; secretActivatesAt?: string }>(run, account, 'GET', `/v1/endpoints/${endpointId}/secret`)).body;
  expect(secret.secretActivatesAt).toBeDefined();
  expect(await pending.textContent()).toMatch(/^New secret signs X-GeoRedir-Signature from \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\./);
  expect(await pending.locator('time').getAttribute('datetime')).toBe(secret.secretActivatesAt);
  await page.getByText(/^New secret issued\. Give it to your receiver before .+: X-GeoRedir-Signature switches to it then\.$/).waitFor();
  expect(await page.locator('#secret-value').textContent()).toBe(secret.secret);
  expect(secret.secret).not.toBe(rotated);
  expect(await page.getByRole('button', { name: 'Rotate now' }).isDisabled()).toBe(true);
  expect(await page.getByRole('button', { name: 'Schedule the switch' }).isDisabled()).toBe(true);
  // A receiver holding one secret still verifies deliveries until the switch.
  expect((await sendTest(page)).signatureValid).toBe(true);

  await openEndpoint(page);
  await pending.waitFor();
  expect(await pending.locator('time').getAttribute('datetime')).toBe(secret.secretActivatesAt);
  expect(await facts(page).textContent()).toContain('Secret switchnew secret from');
  await pending.scrollIntoViewIfNeeded();
  await screenshot(page, 'settings-06-switch-scheduled');

  // A page opened before a switch was scheduled elsewhere: the API refuses (409), the page says why and shows the switch.
  const other = await callApi<EndpointAnswer>(run, account, 'POST', '/v1/endpoints', { url: receiver.url, events: ['click'], description: 'second endpoint' });
  expect(other.status).toBe(201);
  await openEndpoint(page, other.body.id);
  expect(await page.locator('#secret-switch').count()).toBe(0);
  const scheduled = await callApi<{ secretActivatesAt?: string }>(run, account, 'POST', `/v1/endpoints/${other.body.id}/rotate-secret`, {
    activateAt: new Date(Date.now() + 2 * 3_600_000).toISOString(),
  });
  expect(scheduled.status).toBe(200);
  await page.getByRole('button', { name: 'Rotate now' }).click();
  await dialog.getByRole('button', { name: 'Rotate now' }).click();
  await page.getByRole('alert').filter({ hasText: /^A switch to a new secret is already scheduled for .+\. Rotate again once it has happened/ }).waitFor();
  await pending.waitFor();
  expect(await pending.locator('time').getAttribute('datetime')).toBe(scheduled.body.secretActivatesAt);
  expect((await readEndpoint(other.body.id)).secretActivatesAt).toBe(scheduled.body.secretActivatesAt);
  await screenshot(page, 'settings-07-switch-pending-refused');
});

test('no page broke its Content-Security-Policy, threw, sent a Referer or talked to anyone but the API', () => {
  const { record } = tab;
  expect(record.cspViolations).toEqual([]);
  expect(record.pageErrors).toEqual([]);
  expect(record.referers).toEqual([]);
  expect([...new Set(record.requests.map((request) => new URL(request.split(' ')[1]!).origin))]).toEqual([run.outputs.apiUrl]);
});
