// The customer portal in headless Chromium against the local run (npm start's entry on free
// ports), with real receivers on 127.0.0.1 and events published with PutEvents: what a customer
// does with a portal link, from the first click to the expiry page. One local run and one browser
// for the whole file; each test saves a screenshot under test-output/screenshots/. (Browser-side
// expressions are strings: this project's types have no DOM.)
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KMSClient } from '@aws-sdk/client-kms';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { portalLink as mintLink } from '../../cli/admin';
import { DynamoDbDeliveryStore } from '../../lambdas/adapters/dynamodb-delivery-store';
import { noEndpointSecrets } from '../../lambdas/adapters/endpoint-items';
import { ManagementStore } from '../../lambdas/adapters/management-store';
import { portalSigningKeys } from '../../lambdas/api/portal-tokens';
import { guideSignatureValid, type ScriptedReceiver, startScriptedReceiver } from '../e2e/receivers/scripted-receiver';
import { type LocalRunProcess, startLocalRunProcess } from '../e2e/support/local-run-process';
import { localClientConfig } from '../support/sdk-clients';
import { clearScreenshots, launchChromium, openContext, type PageRecord, screenshot, until } from './support/browser';
import { type Account, adminCli, portalLinkFor, publishClicks as publish, stopSuite } from './support/local-portal';

const READY_LIMIT_MS = 90_000;
/** Short retries, so a failing delivery is final within seconds. */
const RETRY_SCHEDULE = '1,2';

let run: LocalRunProcess;
let events: EventBridgeClient;
let browser: Browser;
let receiver: ScriptedReceiver;
/** The first account's tab: most tests carry on where the previous one left off. */
let tab: { context: BrowserContext; page: Page; record: PageRecord };
const records: PageRecord[] = [];
const state: { endpointId?: string; secret?: string; failedDeliveryId?: string } = {};

const admin = (...argv: string[]) => adminCli(run, ...argv);

/** A portal link for the account, as an operator gets one: `npm run admin -- portal-link --account ID --json`. */
const portalLink = (account: Account): Promise<string> => portalLinkFor(run, account);

const publishClicks = (account: Account, clickIds: readonly string[]) => publish(run, events, account, clickIds);

const heading = (page: Page) => page.locator('#page-title');

beforeAll(async () => {
  // Its screenshots are numbered; other files' have names of their own.
  clearScreenshots((file) => /^\d/.test(file));
  [run, browser] = await Promise.all([startLocalRunProcess({ RETRY_SCHEDULE_SECONDS: RETRY_SCHEDULE }, READY_LIMIT_MS), launchChromium()]);
  events = new EventBridgeClient(localClientConfig(run.outputs.awsEndpoint, run.outputs.region));
  // Events whose click id starts with "fail" get a 500 until the test says otherwise.
  receiver = await startScriptedReceiver((index) => ({
    status: receiver.received[index]?.body.data?.click_id?.toString().startsWith('fail') && !receiver.secret.startsWith('!') ? 500 : 200,
    body: '{"received":true}',
  }));
  tab = await openContext(browser);
  records.push(tab.record);
}, READY_LIMIT_MS + 30_000);

afterAll(() => stopSuite({ events, browser, receiver, run }));

const devAccount = (): Account => ({ accountId: run.outputs.accountId, apiKey: run.outputs.apiKey });

test('a portal link opens the portal and leaves no token in the address bar, history or Referer', async () => {
  const { page } = tab;
  const link = await portalLink(devAccount());
  await page.goto(link);
  await heading(page).filter({ hasText: 'Endpoints' }).waitFor();
  expect(page.url()).toBe(`${run.outputs.apiUrl}/portal`);
  const token = new URL(link).hash.replace('#token=', '');
  expect(await page.evaluate<string>('JSON.stringify(window.sessionStorage)')).toContain(token);
  // A reload keeps the session (this tab's storage), without the link.
  await page.reload();
  await heading(page).filter({ hasText: 'Endpoints' }).waitFor();
  await page.getByText('No endpoints yet').waitFor();
  await screenshot(page, '01-endpoints-empty');
});

test("creating an endpoint shows the URL policy's reason next to the field, then the secret", async () => {
  const { page } = tab;
  await page.getByRole('link', { name: 'Add endpoint' }).click();
  await heading(page).filter({ hasText: 'Add an endpoint' }).waitFor();
  const url = page.getByLabel('Endpoint URL');
  await url.fill('https://user:secret@hooks.example.com/georedir');
  await page.getByLabel('click', { exact: false }).first().check();
  await page.getByLabel('Description').fill('browser test receiver');
  await url.press('Enter');
  const fieldError = page.locator('#endpoint-url-error');
  await fieldError.waitFor();
  expect(await fieldError.textContent()).toBe('URL must not contain a user name or password');
  expect(await url.getAttribute('aria-invalid')).toBe('true');
  expect(await url.getAttribute('aria-describedby')).toBe('endpoint-url-error');
  await screenshot(page, '02-create-endpoint-url-policy');

  await url.fill(receiver.url);
  await page.getByRole('button', { name: 'Add endpoint' }).click();
  await heading(page).filter({ hasText: 'Endpoint added' }).waitFor();
  // The dispatchers' endpoint cache, said where a customer about to test the new endpoint reads it.
  expect(await page.locator('#new-endpoint-delay').textContent()).toMatch(/Events published in the next 5 seconds may not reach it yet/);
  state.secret = (await page.locator('#created-secret').textContent()) ?? '';
  expect(state.secret).toMatch(/^whsec_/);
  receiver.secret = state.secret;
  await page.getByRole('button', { name: 'Copy secret' }).click();
  await page.getByText('Copied').waitFor();
  expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(state.secret);
  await screenshot(page, '03-endpoint-created');
  await page.getByRole('link', { name: 'Go to the endpoint' }).click();
  await heading(page).filter({ hasText: receiver.url }).waitFor();
  state.endpointId = new URL(page.url()).hash.split('/').pop();
  expect(state.endpointId).toMatch(/^ep_/);
});

test('a test event reaches the receiver, and the page shows its status, latency and response', async () => {
  const { page } = tab;
  await page.getByRole('button', { name: 'Send test event' }).click();
  const result = page.locator('.test-result');
  await result.waitFor();
  expect(await result.textContent()).toMatch(/^Delivered: HTTP 200 in \d+ ms.*\{"received":true\}/);
  const sent = receiver.received.find((request) => request.headers['x-georedir-test'] === 'true');
  expect(sent?.signatureValid).toBe(true);
  expect(sent?.body.event).toBe('click');
  await result.scrollIntoViewIfNeeded();
  await screenshot(page, '04-test-event');
});

test('published events show up in the delivery log, filtered by status and found by event id', async () => {
  const { page } = tab;
  await publishClicks(devAccount(), ['browser-ok-1', 'browser-ok-2', 'fail-browser-1']);
  // The failing one is retried after 1 s and 2 s, then failed for good.
  await until('three deliveries, one failed for good', async () => {
    const failed = receiver.received.filter((request) => request.body.data.click_id === 'fail-browser-1');
    return failed.length >= 3 && receiver.received.filter((request) => String(request.body.data.click_id).startsWith('browser-ok')).length === 2;
  }, 20_000);
  await page.getByRole('navigation').getByRole('link', { name: 'Delivery log' }).click();
  await heading(page).filter({ hasText: 'Delivery log' }).waitFor();
  const rows = page.locator('table.deliveries tbody tr');
  await until('the log lists the three events and the test send', async () => {
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.getByRole('button', { name: 'Refresh' }).isEnabled();
    const text = (await rows.allTextContents()).join('\n');
    return /click:browser-ok-1/.test(text) && /click:browser-ok-2/.test(text) && /click:fail-browser-1[\s\S]*failed/.test(text) && (await rows.count()) >= 4;
  });
  await screenshot(page, '05-delivery-log');

  await page.getByLabel('Status').selectOption('failed');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await until('only the failed delivery', async () => (await rows.count()) === 1 && /fail-browser-1/.test((await rows.first().textContent()) ?? ''));
  expect(page.url()).toContain('#/deliveries?status=failed');

  await page.getByRole('link', { name: 'Clear' }).click();
  // Clear is a link: the form resets its fields once the new route has rendered. Typing before
  // that would be wiped out, so wait for the reset fields.
  await until('the filters cleared', async () => page.url().endsWith('#/deliveries') && (await page.getByLabel('Status').inputValue()) === '');
  await page.getByLabel('Event id').fill('click:browser-ok-2');
  await page.getByLabel('Event id').press('Enter');
  await until('the one event found by id', async () => (await rows.count()) === 1 && /browser-ok-2/.test((await rows.first().textContent()) ?? ''));
  await screenshot(page, '06-delivery-log-search');
});

test('one delivery shows its payload as sent, its headers without the secret and every attempt; redelivering it succeeds', async () => {
  const { page } = tab;
  await page.goto(`${run.outputs.apiUrl}/portal#/deliveries?status=failed`);
  const rows = page.locator('table.deliveries tbody tr');
  await until('the failed delivery listed', async () => (await rows.count()) === 1 && /fail-browser-1/.test((await rows.first().textContent()) ?? ''));
  await rows.first().getByRole('link').click();
  await heading(page).filter({ hasText: 'Delivery' }).waitFor();
  state.failedDeliveryId = new URL(page.url()).hash.split('/').pop();
  const sent = receiver.received.filter((request) => request.body.data.click_id === 'fail-browser-1');
  expect(state.failedDeliveryId).toBe(sent[0]!.headers['x-georedir-delivery']);

  const payload = JSON.parse((await page.locator('pre.payload').textContent()) ?? '');
  expect(payload).toEqual(JSON.parse(sent[0]!.rawBody));
  expect(await page.locator('pre.payload').textContent()).toContain('\n  "event": "click"');
  const attempts = page.locator('table.attempts tbody tr');
  expect(await attempts.count()).toBe(3);
  expect(await attempts.allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('HTTP 500')]));
  const headers = Object.fromEntries(
    (await page.locator('table.headers tr').all()).length > 0
      ? await Promise.all((await page.locator('table.headers tr').all()).map(async (row) => [await row.locator('th').textContent(), await row.locator('td').textContent()]))
      : [],
  );
  const last = sent[sent.length - 1]!;
  for (const name of ['X-GeoRedir-Event', 'X-GeoRedir-Delivery', 'X-GeoRedir-Attempt', 'X-GeoRedir-Timestamp', 'webhook-id', 'webhook-timestamp', 'User-Agent', 'Content-Type']) {
    expect({ name, shown: headers[name] }).toEqual({ name, shown: last.headers[name.toLowerCase()] });
  }
  expect(headers['X-GeoRedir-Signature']).not.toContain(last.headers['x-georedir-signature'] as string);
  expect(await page.content()).not.toContain(state.secret);
  await screenshot(page, '07-delivery-failed');

  receiver.secret = `!${receiver.secret}`; // the receiver now answers 200 to it
  await page.getByRole('button', { name: 'Redeliver' }).click();
  await page.getByText(/Queued: attempt 4/).waitFor();
  await until('the redelivery succeeded', async () => /succeeded/.test((await page.locator('dl.facts').first().textContent()) ?? ''), 20_000);
  expect(await attempts.count()).toBe(4);
  const redelivered = receiver.received.filter((request) => request.body.data.click_id === 'fail-browser-1').pop()!;
  expect(redelivered.headers['x-georedir-attempt']).toBe('4');
  expect(redelivered.headers['x-georedir-delivery']).toBe(state.failedDeliveryId);
  receiver.secret = receiver.secret.slice(1);
  await screenshot(page, '08-delivery-redelivered');
});

test('revealing and rotating the secret: deliveries are signed with the new one', async () => {
  const { page } = tab;
  await page.goto(`${run.outputs.apiUrl}/portal#/endpoints/${state.endpointId}`);
  await page.getByRole('button', { name: 'Reveal secret' }).click();
  expect(await page.locator('#secret-value').textContent()).toBe(state.secret);
  // Keyboard: the confirmation is a modal dialog that Escape cancels, giving focus back.
  const rotate = page.getByRole('button', { name: 'Rotate now' });
  await rotate.focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Rotate the signing secret now?' });
  await dialog.waitFor();
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  expect(await page.evaluate<string>('document.activeElement.textContent')).toBe('Rotate now');
  await page.keyboard.press('Enter');
  await dialog.waitFor();
  await screenshot(page, '09-rotate-confirm');
  await dialog.getByRole('button', { name: 'Rotate now' }).click();
  await page.getByText(/New secret issued/).waitFor();
  const rotated = (await page.locator('#secret-value').textContent()) ?? '';
  expect(rotated).toMatch(/^whsec_/);
  expect(rotated).not.toBe(state.secret);
  receiver.secret = rotated;
  await publishClicks(devAccount(), ['browser-after-rotation']);
  const delivered = await until('the event after the rotation', async () => receiver.received.find((request) => request.body.data.click_id === 'browser-after-rotation'));
  expect(delivered.signatureValid).toBe(true);
  expect(guideSignatureValid(delivered.rawBody, delivered.headers['x-georedir-signature'] as string, state.secret!)).toBe(false);
  await screenshot(page, '10-secret-rotated');
});

test("another account's link shows none of the first account's endpoints or deliveries", async () => {
  const other = (await admin('create-account', '--name', 'Browser Other')) as unknown as Account;
  const second = await openContext(browser);
  records.push(second.record);
  try {
    const { page } = second;
    await page.goto(await portalLink(other));
    await page.getByText('No endpoints yet').waitFor();
    await page.getByRole('navigation').getByRole('link', { name: 'Delivery log' }).click();
    await page.getByText('No deliveries match').waitFor();
    await page.goto(`${run.outputs.apiUrl}/portal#/deliveries/${state.failedDeliveryId}`);
    await page.getByRole('alert').filter({ hasText: 'Delivery not found' }).waitFor();
    await page.goto(`${run.outputs.apiUrl}/portal#/endpoints/${state.endpointId}`);
    await page.getByRole('alert').filter({ hasText: 'Endpoint not found' }).waitFor();
    const html = await page.content();
    for (const secretOrData of [receiver.url, state.endpointId!, 'browser-ok-1', state.secret!]) expect(html).not.toContain(secretOrData);
    await screenshot(page, '11-other-account');
  } finally {
    await second.context.close();
  }
});

test('counts still arriving: no "no attempts" beside a last success the hourly counts do not hold yet, and the rate once they do', async () => {
  // An account of its own: no other test's deliveries are in its counts.
  const account = (await admin('create-account', '--name', 'Browser Counts')) as unknown as Account;
  const created = await fetch(`${run.outputs.apiUrl}/v1/endpoints`, {
    method: 'POST',
    headers: { authorization: `Bearer ${account.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ url: receiver.url, events: ['click'], description: 'counts test' }),
  });
  expect(created.status).toBe(201);
  const endpointId = ((await created.json()) as { id: string }).id;
  // The dispatcher's own write as its batch ends, with nothing counted yet: the endpoint's last
  // success is newer than its counts, as in the seconds of the stream's batching window after a
  // delivery, for as long as this test needs.
  const stampedAt = new Date().toISOString();
  const dynamodb = new DynamoDBClient(localClientConfig(run.outputs.awsEndpoint, run.outputs.region));
  try {
    // Only the health attributes are written: no endpoint secret is sealed or opened here.
    const { table } = new ManagementStore(dynamodb, run.outputs.tableName, 30, noEndpointSecrets('this test'));
    await new DynamoDbDeliveryStore(table, noEndpointSecrets('this test')).updateEndpointHealth(account.accountId, endpointId, { succeededAt: stampedAt });
  } finally {
    dynamodb.destroy();
  }
  const own = await openContext(browser);
  records.push(own.record);
  try {
    const { page } = own;
    await page.goto(await portalLink(account));
    const row = page.locator('table.list tbody tr', { has: page.locator(`a[href="#/endpoints/${endpointId}"]`) });
    const rate = row.locator('td[data-label="Success (24 h)"]');
    await until('the list says the counts are still arriving', async () => (await rate.textContent()) === 'counts still arriving');
    expect(await row.locator('td[data-label="Last success"] time').getAttribute('datetime')).toBe(stampedAt);
    expect(await rate.locator('span').getAttribute('title')).toMatch(/^The last success is not in the hourly counts yet\./);
    await screenshot(page, '11a-counts-arriving');

    // The endpoint's page says so beside its chart, instead of a rate.
    await row.getByRole('link').click();
    const activity = page.locator('.panel', { has: page.locator('#activity-title') });
    await activity.getByRole('status').filter({ hasText: 'Counts still arriving.' }).waitFor();
    expect(await activity.textContent()).not.toContain('Success rate');

    // A delivery, counted off the table's stream: the list, asking for the counts again by itself, shows the rate.
    await page.getByRole('navigation').getByRole('link', { name: 'Endpoints' }).click();
    await until('the list says the counts are still arriving', async () => (await rate.textContent()) === 'counts still arriving');
    await publishClicks(account, ['browser-counts-1']);
    await until('the delivery', async () => receiver.received.some((request) => request.body.data.click_id === 'browser-counts-1'), 20_000);
    await until('the rate of the counted delivery', async () => /^100 % of 1 attempt$/.test(((await rate.textContent()) ?? '').replace(/\s+/g, ' ').trim()), 60_000);
    await screenshot(page, '11b-counts-arrived');
  } finally {
    await own.context.close();
  }
}, 120_000);

test('a disabled endpoint skips its events; enabled again, recovering sends them', async () => {
  const { page } = tab;
  await page.goto(`${run.outputs.apiUrl}/portal#/endpoints/${state.endpointId}`);
  await page.getByRole('button', { name: 'Disable endpoint' }).click();
  await page.getByText(/Endpoint disabled/).waitFor();
  await publishClicks(devAccount(), ['browser-while-disabled']);
  await page.goto(`${run.outputs.apiUrl}/portal#/deliveries?status=skipped`);
  const rows = page.locator('table.deliveries tbody tr');
  await until('the skipped delivery in the log', async () => {
    await page.getByRole('button', { name: 'Refresh' }).click();
    return /browser-while-disabled/.test((await rows.allTextContents()).join('\n'));
  });
  expect(receiver.received.some((request) => request.body.data.click_id === 'browser-while-disabled')).toBe(false);

  await page.goto(`${run.outputs.apiUrl}/portal#/endpoints/${state.endpointId}`);
  await page.getByRole('button', { name: 'Enable endpoint' }).click();
  await page.getByText(/Endpoint enabled/).waitFor();
  // The recover form starts an hour back, which covers the skipped delivery.
  await page.getByRole('button', { name: 'Recover', exact: true }).click();
  await page.getByText(/1 delivery queued again/).waitFor();
  const recovered = await until('the recovered event', async () => receiver.received.find((request) => request.body.data.click_id === 'browser-while-disabled'));
  expect(recovered.signatureValid).toBe(true);
  await screenshot(page, '12-recovered');
});

test('the last 24 hours: a chart per endpoint of succeeded, failed and skipped deliveries per hour', async () => {
  const { page } = tab;
  await page.getByRole('navigation').getByRole('link', { name: 'Last 24 hours' }).click();
  await heading(page).filter({ hasText: 'Last 24 hours' }).waitFor();
  // After a page change, keyboard and screen-reader users start at its heading.
  expect(await page.evaluate<string>('document.activeElement.id')).toBe('page-title');
  const chart = page.locator('article.panel', { hasText: receiver.url }).locator('figure.chart');
  await chart.locator('canvas').waitFor();
  // Counts are written per dispatcher batch: the redelivered event and the one after the rotation may land a moment later.
  const caption = await until('the counts of this run', async () => {
    await page.getByRole('button', { name: 'Refresh' }).click();
    const text = (await chart.locator('figcaption').textContent()) ?? '';
    const [succeeded = 0, failed = 0] = [/(\d+) succeeded/, /(\d+) failed/].map((pattern) => Number(pattern.exec(text)?.[1] ?? 0));
    const skipped = Number(/(\d+) skipped/.exec(text)?.[1] ?? 0);
    return succeeded >= 3 && failed >= 1 && skipped >= 1 ? text : undefined;
  });
  const [succeeded, failed, skipped] = [/(\d+) succeeded/, /(\d+) failed/, /(\d+) skipped/].map((pattern) => pattern.exec(caption)?.[1]);
  expect(await chart.locator('.chart-canvas').getAttribute('aria-label')).toBe(
    `Deliveries to ${receiver.url}: ${succeeded} succeeded, ${failed} failed, ${skipped} skipped in the last 24 hours`,
  );
  // The same numbers as a table, one row per hour of the API's window.
  await chart.getByText('Show as a table').click();
  expect(await chart.locator('.chart-table tbody tr').count()).toBe(24);
  await page.locator('.chart-canvas canvas').first().hover({ position: { x: 5, y: 5 } });
  await screenshot(page, '13-activity-chart');
});

test('an expired link shows the expiry page and forgets the token', async () => {
  const expired = await openContext(browser);
  records.push(expired.record);
  const dynamodb = new DynamoDBClient(localClientConfig(run.outputs.awsEndpoint, run.outputs.region));
  // The run's own signing key in its local KMS, as the admin CLI finds it in outputs.json.
  const kms = new KMSClient(localClientConfig(run.outputs.awsEndpoint, run.outputs.region));
  try {
    // The admin CLI's own minting, on a clock two minutes back: a one-minute link that ran out a minute ago.
    const store = new ManagementStore(dynamodb, run.outputs.tableName, 30, noEndpointSecrets('the admin CLI'), {
      portalKeys: portalSigningKeys(kms, run.outputs.signingKeyArn ?? ''),
    });
    const link = await mintLink(store, { accountId: run.outputs.accountId, ttlMinutes: 1, apiUrl: run.outputs.apiUrl }, new Date(Date.now() - 120_000));
    const { page } = expired;
    await page.goto(link.url);
    await heading(page).filter({ hasText: 'This link has expired' }).waitFor();
    expect(await page.locator('.link-problem').getAttribute('data-problem')).toBe('expired');
    expect(page.url()).toBe(`${run.outputs.apiUrl}/portal`);
    expect(await page.evaluate<number>('window.sessionStorage.length')).toBe(0);
    expect(await page.content()).not.toContain(receiver.url);
    await screenshot(page, '14-expired-link');
  } finally {
    dynamodb.destroy();
    kms.destroy();
    await expired.context.close();
  }
});

test('a link that is not valid shows the link page, and nothing of any account', async () => {
  const fresh = await openContext(browser);
  records.push(fresh.record);
  try {
    const { page } = fresh;
    await page.goto(`${run.outputs.apiUrl}/portal#token=grp_not_a_real_token_at_all`);
    await heading(page).filter({ hasText: 'This link is not valid' }).waitFor();
    expect(await page.evaluate<number>('window.sessionStorage.length')).toBe(0);
    await screenshot(page, '15-invalid-link');
    await page.goto(`${run.outputs.apiUrl}/portal`);
    await heading(page).filter({ hasText: 'This link is not valid' }).waitFor();
  } finally {
    await fresh.context.close();
  }
});

test('the portal is readable on a phone', async () => {
  const phone = await openContext(browser, { width: 390, height: 844 });
  records.push(phone.record);
  try {
    const { page } = phone;
    await page.goto(await portalLink(devAccount()));
    await page.locator('table.list tbody tr').first().waitFor();
    // Nothing wider than the screen: tables turn into cards.
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await screenshot(page, '16-phone-endpoints');
  } finally {
    await phone.context.close();
  }
});

test('a read-only link shows the endpoint and its deliveries, but neither its secret nor any control that would change them; the API refuses those too', async () => {
  const reader = await openContext(browser);
  records.push(reader.record);
  try {
    const { page } = reader;
    const link = await portalLinkFor(run, devAccount(), 'read');
    await page.goto(link);
    await heading(page).filter({ hasText: 'Endpoints' }).waitFor();
    expect(await page.locator('header #read-only-link').textContent()).toBe('read-only link');
    await page.locator(`a[href="#/endpoints/${state.endpointId}"]`).waitFor();
    expect(await page.getByRole('link', { name: 'Add endpoint' }).count()).toBe(0);

    await page.goto(`${run.outputs.apiUrl}/portal#/endpoints/${state.endpointId}`);
    await heading(page).filter({ hasText: receiver.url }).waitFor();
    await page.getByRole('heading', { name: 'Last 24 hours' }).waitFor();
    expect(await page.getByRole('heading', { name: 'Status' }).count()).toBe(1);
    for (const name of [
      'Disable endpoint',
      'Enable endpoint',
      'Save events',
      'Preview',
      'Save filter',
      'Save redacted fields',
      'Save headers',
      'Save rate limit',
      'Rotate now',
      'Schedule the switch',
      'Send test event',
      'Recover',
      'Delete endpoint',
    ]) {
      expect({ name, count: await page.getByRole('button', { name, exact: true }).count() }).toEqual({ name, count: 0 });
    }
    expect(await page.locator('main form, main input, main textarea, main select').count()).toBe(0);
    // The secret could forge webhooks: a read link cannot reveal it.
    await page.getByText('A read-only link cannot reveal the secret').waitFor();
    expect(await page.getByRole('button', { name: 'Reveal secret' }).count()).toBe(0);
    await screenshot(page, '16a-read-only-endpoint');

    await page.goto(`${run.outputs.apiUrl}/portal#/deliveries/${state.failedDeliveryId}`);
    await page.locator('#attempts-title').waitFor();
    expect(await page.getByRole('button', { name: 'Redeliver' }).count()).toBe(0);

    await page.goto(`${run.outputs.apiUrl}/portal#/endpoints/new`);
    await page.getByText('This is a read-only link: it cannot add endpoints.').waitFor();
    expect(await page.locator('main form').count()).toBe(0);

    // What the page hides, the API refuses on its own.
    const token = new URL(link).hash.replace('#token=', '');
    const patched = await fetch(`${run.outputs.apiUrl}/v1/endpoints/${state.endpointId}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ description: 'changed by a read link' }),
    });
    expect(patched.status).toBe(403);
    expect(((await patched.json()) as { error: { code: string } }).error.code).toBe('read_only_link');
    const secret = await fetch(`${run.outputs.apiUrl}/v1/endpoints/${state.endpointId}/secret`, { headers: { authorization: `Bearer ${token}` } });
    expect(secret.status).toBe(403);
  } finally {
    await reader.context.close();
  }
});

test('deleting an endpoint asks first, then it is gone', async () => {
  const { page } = tab;
  await page.goto(`${run.outputs.apiUrl}/portal#/endpoints/${state.endpointId}`);
  await page.getByRole('button', { name: 'Delete endpoint' }).click();
  const dialog = page.getByRole('dialog', { name: 'Delete this endpoint?' });
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'hidden' });
  await page.getByRole('button', { name: 'Delete endpoint' }).click();
  await screenshot(page, '17-delete-confirm');
  await dialog.getByRole('button', { name: 'Delete' }).click();
  await heading(page).filter({ hasText: 'Endpoints' }).waitFor();
  await page.getByText('No endpoints yet').waitFor();
});

test('no page broke its Content-Security-Policy, threw, sent a Referer or talked to anyone but the API', async () => {
  for (const record of records) {
    expect(record.cspViolations).toEqual([]);
    expect(record.pageErrors).toEqual([]);
    expect(record.referers).toEqual([]);
    const origins = new Set(record.requests.map((request) => new URL(request.split(' ')[1]!).origin));
    expect([...origins]).toEqual([run.outputs.apiUrl]);
  }
  const all = records.flatMap((record) => record.requests);
  expect(all.some((request) => request.includes('token='))).toBe(false);
  await screenshot(tab.page, '18-last-page');
});

test("an endpoint's rate limit: set when adding it, changed and removed on its page, bad input refused next to the field", async () => {
  // An account of its own, so the tests above keep theirs as they left it.
  const account = (await admin('create-account', '--name', 'Browser Rate Limit')) as unknown as Account;
  const limited = await openContext(browser);
  const readEndpoint = async (id: string) =>
    (await (await fetch(`${run.outputs.apiUrl}/v1/endpoints/${id}`, { headers: { authorization: `Bearer ${account.apiKey}` } })).json()) as { rateLimit?: number };
  try {
    const { page } = limited;
    await page.goto(await portalLink(account));
    await page.getByRole('link', { name: 'Add endpoint' }).click();
    await heading(page).filter({ hasText: 'Add an endpoint' }).waitFor();
    await page.getByLabel('Endpoint URL').fill(receiver.url);
    await page.getByLabel('click', { exact: false }).first().check();
    const field = page.getByLabel('Rate limit (deliveries per second)');
    expect(await field.inputValue()).toBe('');
    await field.fill('0');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const fieldError = page.locator('#new-rate-limit-error');
    await fieldError.waitFor();
    expect(await fieldError.textContent()).toBe('Enter 1 to 10,000 deliveries per second, or leave it empty for no limit.');
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    expect(await field.getAttribute('aria-describedby')).toBe('new-rate-limit-error new-rate-limit-hint');
    await screenshot(page, '19-rate-limit-refused');

    await field.fill('20');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await heading(page).filter({ hasText: 'Endpoint added' }).waitFor();
    await page.getByText('Rate limit: 20 deliveries per second.').waitFor();
    await page.getByRole('link', { name: 'Go to the endpoint' }).click();
    await heading(page).filter({ hasText: receiver.url }).waitFor();
    const endpointId = new URL(page.url()).hash.split('/').pop() ?? '';
    expect((await readEndpoint(endpointId)).rateLimit).toBe(20);

    const facts = page.locator('dl.facts');
    expect(await facts.textContent()).toContain('Rate limit20 deliveries per second');
    const edit = page.getByLabel('Rate limit (deliveries per second)');
    const save = page.getByRole('button', { name: 'Save rate limit' });
    expect(await edit.inputValue()).toBe('20');
    expect(await save.isDisabled()).toBe(true);
    await edit.fill('2.5');
    await save.click();
    await page.locator('#edit-rate-limit-error').filter({ hasText: 'Enter a whole number of deliveries per second' }).waitFor();
    expect((await readEndpoint(endpointId)).rateLimit).toBe(20);

    await edit.fill('50');
    await save.click();
    await page.getByText('Rate limit saved: 50 deliveries per second.').waitFor();
    expect(await page.locator('#edit-rate-limit-error').count()).toBe(0);
    expect(await facts.textContent()).toContain('Rate limit50 deliveries per second');
    expect((await readEndpoint(endpointId)).rateLimit).toBe(50);
    await screenshot(page, '20-rate-limit-saved');

    // Empty: no limit (the API gets null, which removes it).
    await edit.fill('');
    await save.click();
    await page.getByText('Rate limit removed.').waitFor();
    expect(await facts.textContent()).toContain('Rate limitNo limit');
    expect(await readEndpoint(endpointId)).not.toHaveProperty('rateLimit');

    expect(limited.record.cspViolations).toEqual([]);
    expect(limited.record.pageErrors).toEqual([]);
  } finally {
    await limited.context.close();
  }
});
