// The local run end to end, driven only through its public surfaces: PutEvents with the AWS SDK
// (and the emit CLI) at the AWS endpoint, the management API over HTTP with the dev API key, and
// real receivers on 127.0.0.1 that verify signatures like the guide. Checks that no line the run
// prints (its own, the AWS endpoint's and HTTP API's with --verbose, the functions' logs) holds the
// API key or an endpoint secret. Ends with SIGTERM and a check that no child process (Java, Lambda
// environments) is left behind.
import { execFile, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { Webhook } from 'standardwebhooks';
import { Table } from '../../lambdas/adapters/dynamodb-table';
import { EVENT_CATALOGUE } from '../../lambdas/domain/event-catalogue';
import { findFreePort } from '../../local/dynamodb-local';
import { type Receiver, startReceiver } from '../support/receiver';
import { localClientConfig } from '../support/sdk-clients';
import { descendantsOf, isAlive, type LocalRunProcess, repositoryRoot, startLocalRunProcess } from './support/local-run-process';

const READY_LIMIT_MS = 60_000;
const DELIVERY_LIMIT_MS = 2_000;
const RETRY_SCHEDULE = '1,2';

const clickData = (clickId: string) => ({ ...EVENT_CATALOGUE.click.example, click_id: clickId });
const linkCreatedData = { link_id: 7, name: 'Summer Campaign', slug: 'summer-campaign', is_active: true, rules_count: 3 };

describe('local run (npm start) end to end', () => {
  let run: LocalRunProcess;
  let events: EventBridgeClient;
  const receivers: Receiver[] = [];

  beforeAll(async () => {
    run = await startLocalRunProcess({ RETRY_SCHEDULE_SECONDS: RETRY_SCHEDULE }, READY_LIMIT_MS + 5_000, ['--verbose']);
    console.log(`local run ready in ${(run.readyMs / 1000).toFixed(1)} s`);
    events = new EventBridgeClient(localClientConfig(run.outputs.awsEndpoint, run.outputs.region));
  }, READY_LIMIT_MS + 10_000);

  afterAll(async () => {
    events?.destroy();
    await Promise.all(receivers.map((receiver) => receiver.close()));
    if (run && run.child.exitCode === null && run.child.signalCode === null) await run.stop('SIGKILL');
    if (run) rmSync(run.outputDir, { recursive: true, force: true });
  });

  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${run.outputs.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${run.outputs.apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  /** A receiver registered as an endpoint of the dev account through the management API. */
  const subscribedReceiver = async (eventTypes: string[]): Promise<Receiver> => {
    const receiver = await startReceiver();
    receivers.push(receiver);
    const created = await api('POST', '/v1/endpoints', { url: receiver.url, events: eventTypes, description: `e2e ${eventTypes.join(',')}` });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_/);
    receiver.secret = created.body.secret as string;
    return receiver;
  };

  const publish = async (detailType: string, data: unknown, source = run.outputs.eventSource) => {
    const answer = await events.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: run.outputs.eventBusName,
            Source: source,
            DetailType: detailType,
            Detail: JSON.stringify({ account_id: run.outputs.accountId, data }),
          },
        ],
      }),
    );
    expect(answer.FailedEntryCount).toBe(0);
    return answer;
  };

  it('prints ready within 60 s and writes outputs.json', () => {
    expect(run.readyMs).toBeLessThan(READY_LIMIT_MS);
    expect(run.outputs).toMatchObject({
      apiUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      awsEndpoint: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      eventBusName: expect.any(String),
      eventSource: expect.any(String),
      region: expect.any(String),
      accountId: expect.stringMatching(/^acct_/),
      apiKey: expect.stringMatching(/^grw_/),
      tableName: expect.any(String),
      dispatchQueueUrl: expect.stringContaining(run.outputs.awsEndpoint),
    });
  });

  it('delivers a published event to a subscribed receiver, signed, within 2 s', async () => {
    const receiver = await subscribedReceiver(['click']);
    const sentAt = Date.now();
    await publish('click', clickData('e2e-latency-1'));
    const webhook = await receiver.waitFor((hook) => hook.body.data.click_id === 'e2e-latency-1', 10_000);
    const latencyMs = webhook.at - sentAt;
    console.log(`PutEvents -> receiver: ${latencyMs} ms`);
    expect(latencyMs).toBeLessThan(DELIVERY_LIMIT_MS);

    expect(webhook.verified).toBe(true);
    expect(webhook.body).toEqual({ event: 'click', timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/), data: clickData('e2e-latency-1') });
    // The body survives the guide's parse + stringify byte for byte.
    expect(JSON.stringify(JSON.parse(webhook.rawBody))).toBe(webhook.rawBody);
    expect(webhook.headers).toMatchObject({
      'content-type': 'application/json',
      'x-georedir-event': 'click',
      'x-georedir-attempt': '1',
      'x-georedir-delivery': expect.stringMatching(/^dlv_/),
    });
    // Standard Webhooks headers verify with the stock library.
    expect(() => new Webhook(receiver.secret).verify(webhook.rawBody, webhook.headers as Record<string, string>)).not.toThrow();
  });

  it('delivers only what the rule and the subscription match: no click to a link.created endpoint, no foreign source', async () => {
    const clicks = await subscribedReceiver(['click']);
    const linkEvents = await subscribedReceiver(['link.created']);
    await publish('click', clickData('e2e-filter-foreign'), 'not-georedir');
    await publish('click', clickData('e2e-filter-1'));

    // The emit CLI publishes the link event, as a producer would by hand.
    const emitted = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'cli/emit.ts', 'link.created', '--account', run.outputs.accountId, '--data', JSON.stringify(linkCreatedData), '--outputs', join(run.outputDir, 'outputs.json')],
      { cwd: repositoryRoot, env: { ...process.env, NODE_OPTIONS: '' } },
    );
    expect(JSON.parse(emitted.stdout)).toMatchObject({ FailedEntryCount: 0, Entries: [{ EventId: expect.any(String) }] });

    await clicks.waitFor((hook) => hook.body.data.click_id === 'e2e-filter-1', 10_000);
    await linkEvents.waitFor((hook) => hook.body.event === 'link.created', 10_000);
    // Both fan-outs are done; give a wrongly routed delivery time to show up before asserting it did not.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(linkEvents.received.map((hook) => hook.body.event)).toEqual(['link.created']);
    expect(linkEvents.received[0]!.verified).toBe(true);
    expect(clicks.received.map((hook) => hook.body.data.click_id)).toEqual(['e2e-filter-1']);
  });

  it('retries a failing endpoint on the shrunk RETRY_SCHEDULE_SECONDS schedule until it succeeds', async () => {
    const receiver = await subscribedReceiver(['click']);
    receiver.statusFor = (index) => (index < 2 ? 500 : 200);
    await publish('click', clickData('e2e-retry-1'));
    const success = await receiver.waitFor((hook) => hook.status === 200, 20_000);
    const attempts = receiver.received;
    expect(attempts.map((hook) => [hook.headers['x-georedir-attempt'], hook.status])).toEqual([
      ['1', 500],
      ['2', 500],
      ['3', 200],
    ]);
    expect(new Set(attempts.map((hook) => hook.headers['x-georedir-delivery'])).size).toBe(1);
    expect(attempts.every((hook) => hook.verified)).toBe(true);
    // 1 s, then 2 s between attempts (SQS DelaySeconds), plus the polling batching window.
    const [first, second, third] = attempts.map((hook) => hook.at);
    expect(second! - first!).toBeGreaterThanOrEqual(1_000);
    expect(third! - second!).toBeGreaterThanOrEqual(2_000);
    expect(success.body.data.click_id).toBe('e2e-retry-1');
  }, 30_000);

  it('counts the deliveries per endpoint and hour from the table\'s stream, within the batching window', async () => {
    const receiver = await startReceiver();
    receivers.push(receiver);
    const created = await api('POST', '/v1/endpoints', { url: receiver.url, events: ['click'], description: 'e2e counts' });
    expect(created.status).toBe(201);
    receiver.secret = created.body.secret as string;
    receiver.statusFor = (index) => (index === 0 ? 500 : 200);
    const startedHour = new Date().toISOString().slice(0, 13);
    await publish('click', clickData('e2e-counts-1'));
    await publish('click', clickData('e2e-counts-2'));
    await receiver.waitFor(() => receiver.received.filter((hook) => hook.status === 200).length === 2, 20_000);

    const client = new DynamoDBClient(localClientConfig(run.outputs.awsEndpoint, run.outputs.region));
    const table = new Table(client, run.outputs.tableName, 30);
    const counts = async () => {
      const hours = [...new Set([startedHour, new Date().toISOString().slice(0, 13)])];
      const keys = hours.flatMap((hour) => Array.from({ length: 8 }, (_, shard) => ({ pk: `COUNTS#${run.outputs.accountId}#${created.body.id as string}#${shard}`, sk: hour })));
      const sum: Record<string, number> = {};
      for (const item of await table.batchGet(keys)) {
        for (const name of ['succeeded', 'failed', 'failedAttempts', 'skipped']) if (item[name] !== undefined) sum[name] = (sum[name] ?? 0) + Number(item[name]);
      }
      return sum;
    };
    try {
      // The template's 10 s batching window, and the retry a second later: allow two windows.
      const deadline = Date.now() + 25_000;
      let seen = await counts();
      while (JSON.stringify(seen) !== JSON.stringify({ succeeded: 2, failedAttempts: 1 }) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        seen = await counts();
      }
      expect(seen).toEqual({ succeeded: 2, failedAttempts: 1 });
    } finally {
      client.destroy();
    }
  }, 60_000);

  it('the example receiver verifies real deliveries and rejects forged ones', async () => {
    const port = await findFreePort();
    const created = await api('POST', '/v1/endpoints', { url: `http://127.0.0.1:${port}/webhooks/georedir`, events: ['link.created'] });
    expect(created.status).toBe(201);
    const example = spawn(process.execPath, [join(repositoryRoot, 'examples', 'receiver-node.mjs')], {
      env: { PATH: process.env.PATH ?? '', PORT: String(port), GEOREDIR_WEBHOOK_SECRET: created.body.secret as string },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    example.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    try {
      const until = async (pattern: RegExp, timeoutMs: number) => {
        const deadline = Date.now() + timeoutMs;
        while (!pattern.test(output)) {
          if (Date.now() > deadline) throw new Error(`example receiver never printed ${pattern}; output:\n${output}`);
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
      };
      await until(/Webhook receiver on/, 5_000);
      await publish('link.created', { ...linkCreatedData, link_id: 8 });
      // The example prints the event line and the data in separate writes: wait for both.
      await until(/Received event: link\.created[\s\S]*"link_id": 8/, 10_000);

      const forged = await fetch(`http://127.0.0.1:${port}/webhooks/georedir`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-georedir-signature': '0'.repeat(64) },
        body: JSON.stringify({ event: 'click', timestamp: '2026-02-25T14:30:00Z', data: {} }),
      });
      expect(forged.status).toBe(401);
    } finally {
      example.kill('SIGTERM');
    }
  });

  it('prints where the API key is, and never the key, an endpoint secret or an Authorization value', async () => {
    const apiKey = run.outputs.apiKey;
    const receiver = await startReceiver();
    receivers.push(receiver);
    const created = await api('POST', '/v1/endpoints', { url: receiver.url, events: ['conversion'], description: 'secrets stay out of logs' });
    expect(created.status).toBe(201);
    const endpointId = created.body.id as string;
    receiver.secret = created.body.secret as string;
    const shown = await api('GET', `/v1/endpoints/${endpointId}/secret`);
    expect(shown.body.secret).toBe(receiver.secret);
    const rotated = await api('POST', `/v1/endpoints/${endpointId}/rotate-secret`);
    expect(rotated.status).toBe(200);
    receiver.secret = rotated.body.secret as string;
    const sent = await api('POST', `/v1/endpoints/${endpointId}/test`, { event: 'conversion' });
    expect(sent.status).toBe(200);
    await receiver.waitFor((hook) => hook.headers['x-georedir-test'] === 'true', 10_000);
    // A wrong key is logged as a failed request too: it must not show either.
    const wrongKey = `${apiKey.slice(0, -4)}zzzz`;
    const refused = await fetch(`${run.outputs.apiUrl}/v1/endpoints`, { headers: { authorization: `Bearer ${wrongKey}` } });
    expect(refused.status).toBe(401);
    // Let the functions' log lines of these requests reach the run's output.
    await new Promise((resolve) => setTimeout(resolve, 500));

    const outputsLines = run.lines.filter((line) => line.startsWith('[local] outputs in '));
    expect(outputsLines).toEqual([expect.stringContaining(`${join(run.outputDir, 'outputs.json')}: account ${run.outputs.accountId}, API key ${apiKey.slice(0, 12)}...`)]);
    // The verbose run logged the requests above: the check below looks at lines that exist.
    expect(run.lines.some((line) => line.includes(`/v1/endpoints/${endpointId}/test`))).toBe(true);
    const secrets = {
      'API key': apiKey.slice(12),
      'wrong API key': wrongKey.slice(12),
      'endpoint secret': (created.body.secret as string).replace(/^whsec_/, ''),
      'rotated endpoint secret': receiver.secret.replace(/^whsec_/, ''),
    };
    const leaks = Object.entries(secrets).flatMap(([what, secret]) => run.lines.filter((line) => line.includes(secret)).map((line) => `${what}: ${line}`));
    expect(leaks).toEqual([]);
    expect(run.lines.filter((line) => /bearer\s+grw_/i.test(line))).toEqual([]);
  });

  it('stops everything on SIGTERM, leaving no child or Java process behind', async () => {
    const children = descendantsOf(run.child.pid!);
    expect(children.some((child) => child.command.includes('DynamoDBLocal.jar'))).toBe(true);
    expect(children.filter((child) => child.command.includes('lambda-worker.mjs')).length).toBeGreaterThanOrEqual(2);

    const stopped = await run.stop('SIGTERM');
    console.log(`stopped in ${Math.round(stopped.durationMs)} ms`);
    expect(stopped.code).toBe(0);
    expect(run.lines).toContainEqual('[local] stopped');
    const deadline = Date.now() + 3_000;
    while (children.some((child) => isAlive(child.pid)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(children.filter((child) => isAlive(child.pid))).toEqual([]);
  }, 20_000);
});
