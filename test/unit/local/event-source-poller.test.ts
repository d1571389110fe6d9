// The SQS event source mapping against the local AWS endpoint through the real SQS client:
// Lambda's record shape, batching window, partial batch responses, redrive and concurrency.
import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { ManualClock } from '../../../local/aws-endpoint/clock';
import { type AwsEndpoint, startAwsEndpoint } from '../../../local/aws-endpoint/server';
import { createPollerSqsClient, settleBatch, startSqsEventSource, type SqsEventSource, type SqsEventSourceMapping, toSqsRecord } from '../../../local/event-source-poller';
import { MAX_ATTEMPTS } from '../../../lambdas/shared/aws-clients';
import { localClientConfig } from '../../support/sdk-clients';
import { startThrottlingServer, type ThrottlingServer } from '../../support/throttling-server';

describe('settleBatch (Lambda partial batch response rules)', () => {
  const ids = ['a', 'b', 'c'];

  it('fails the whole batch when the function fails, with or without ReportBatchItemFailures', () => {
    expect(settleBatch(ids, { ok: false }, true)).toEqual({ succeeded: [], failed: ids });
    expect(settleBatch(ids, { ok: false }, false)).toEqual({ succeeded: [], failed: ids });
  });

  it('ignores the response without ReportBatchItemFailures', () => {
    expect(settleBatch(ids, { ok: true, response: { batchItemFailures: [{ itemIdentifier: 'a' }] } }, false)).toEqual({ succeeded: ids, failed: [] });
  });

  it('treats empty and null responses as complete success', () => {
    for (const response of [undefined, null, {}, { batchItemFailures: [] }, { batchItemFailures: null }]) {
      expect(settleBatch(ids, { ok: true, response }, true)).toEqual({ succeeded: ids, failed: [] });
    }
  });

  it('fails only the listed items', () => {
    expect(settleBatch(ids, { ok: true, response: { batchItemFailures: [{ itemIdentifier: 'b' }] } }, true)).toEqual({
      succeeded: ['a', 'c'],
      failed: ['b'],
    });
  });

  it('fails the whole batch for an unknown, empty or missing itemIdentifier, or a malformed response', () => {
    for (const response of [
      { batchItemFailures: [{ itemIdentifier: 'zzz' }] },
      { batchItemFailures: [{ itemIdentifier: '' }] },
      { batchItemFailures: [{ itemIdentifier: null }] },
      { batchItemFailures: [{ id: 'a' }] },
      { batchItemFailures: 'a' },
      'not an object',
    ]) {
      const result = settleBatch(ids, { ok: true, response }, true);
      expect(result.succeeded).toEqual([]);
      expect(result.failed).toEqual(ids);
      expect(result.reason).toMatch(/whole batch failed/);
    }
  });
});

describe('createPollerSqsClient (one collector standing in for Lambda\'s fleet of pollers)', () => {
  let server: ThrottlingServer;

  beforeAll(async () => {
    // Answers ReceiveMessage as SQS's JSON protocol does: throttled, then empty.
    server = await startThrottlingServer({
      throttle: { headers: { 'x-amzn-query-error': 'RequestThrottled;Sender' }, body: { __type: 'com.amazonaws.sqs#RequestThrottled', message: 'Rate exceeded' } },
      okBody: '{"Messages":[]}',
    });
  });

  afterAll(async () => {
    await server.close();
  });

  const receive = () => {
    const client = createPollerSqsClient(localClientConfig(server.url));
    return client.send(new ReceiveMessageCommand({ QueueUrl: 'http://127.0.0.1/000000000000/work', WaitTimeSeconds: 0 })).finally(() => client.destroy());
  };

  it('retries a throttled receive until it goes through', async () => {
    server.reset(2);
    await expect(receive()).resolves.toBeDefined();
    expect(server.requests).toBe(3);
  });

  it(`gives up after ${MAX_ATTEMPTS} attempts (the SDK's default is 3, with seconds of backoff for throttling)`, async () => {
    server.reset(100);
    await expect(receive()).rejects.toMatchObject({ name: 'RequestThrottled' });
    expect(server.requests).toBe(MAX_ATTEMPTS);
  });
});

describe('SQS event source against the local endpoint', () => {
  let endpoint: AwsEndpoint;
  let sqs: SQSClient;
  let source: SqsEventSource | undefined;
  // Visibility timeouts and batching windows run on this clock, not on real time: the tests move
  // it once the state they need is reached, so a slow machine cannot expire anything early.
  let clock: ManualClock;
  const logs: string[] = [];

  beforeEach(async () => {
    clock = new ManualClock();
    endpoint = await startAwsEndpoint({
      port: 0,
      clock,
      queues: [
        { name: 'dlq' },
        { name: 'work', visibilityTimeout: 1, redrive: { deadLetterTargetName: 'dlq', maxReceiveCount: 2 } },
        // Visibility outlasting the batching window: closing the window must not also return the batch.
        { name: 'batch', visibilityTimeout: 30 },
      ],
      buses: [],
      scheduleGroups: [],
    });
    sqs = new SQSClient(localClientConfig(endpoint.url));
  });

  afterEach(async () => {
    await source?.stop();
    source = undefined;
    sqs.destroy();
    await endpoint.close();
    logs.length = 0;
  });

  const queueUrl = (name = 'work') => endpoint.sqs.queueUrl(name);
  const mapping = (overrides: Partial<SqsEventSourceMapping> = {}, queue = 'work'): SqsEventSourceMapping => ({
    label: 'test',
    queueUrl: queueUrl(queue),
    queueArn: endpoint.sqs.queueArn(queue),
    batchSize: 10,
    maximumBatchingWindowSeconds: 0,
    reportBatchItemFailures: true,
    ...overrides,
  });
  const send = (body: string, queue = 'work') => sqs.send(new SendMessageCommand({ QueueUrl: queueUrl(queue), MessageBody: body }));
  const poll = (options: { mapping: SqsEventSourceMapping; invoke: (event: SQSEvent) => Promise<unknown> }) => {
    source = startSqsEventSource({ ...options, client: sqs, region: 'us-east-1', clock, log: (line) => logs.push(line) });
  };
  /** Messages of a queue that the poller has received (in flight or in a batch being collected). */
  const receivedCount = (queue: string) => endpoint.sqs.peekMessages(queue).filter((message) => message.receiveCount > 0).length;
  const until = async (condition: () => boolean, timeoutMs = 8000) => {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms; logs: ${logs.join(' | ')}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const depth = async (name: string) => {
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: endpoint.sqs.queueUrl(name), AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
    );
    return Number(Attributes?.ApproximateNumberOfMessages) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible);
  };

  it('hands the function records shaped exactly like Lambda SQS records', async () => {
    const sent = await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl(),
        MessageBody: '{"hello":"world"}',
        MessageAttributes: {
          kind: { DataType: 'String', StringValue: 'retry' },
          blob: { DataType: 'Binary', BinaryValue: Buffer.from('bytes') },
        },
      }),
    );
    const events: SQSEvent[] = [];
    poll({ mapping: mapping(), invoke: async (event) => void events.push(event) });
    await until(() => events.length === 1);
    const [record] = events[0]!.Records;
    expect(Object.keys(record!).sort()).toEqual(
      ['attributes', 'awsRegion', 'body', 'eventSource', 'eventSourceARN', 'md5OfBody', 'md5OfMessageAttributes', 'messageAttributes', 'messageId', 'receiptHandle'].sort(),
    );
    expect(record).toMatchObject({
      messageId: sent.MessageId,
      body: '{"hello":"world"}',
      md5OfBody: sent.MD5OfMessageBody,
      md5OfMessageAttributes: sent.MD5OfMessageAttributes,
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:work',
      awsRegion: 'us-east-1',
      messageAttributes: {
        kind: { stringValue: 'retry', stringListValues: [], binaryListValues: [], dataType: 'String' },
        blob: { binaryValue: Buffer.from('bytes').toString('base64'), stringListValues: [], binaryListValues: [], dataType: 'Binary' },
      },
    });
    expect(record!.receiptHandle).not.toBe('');
    expect(record!.attributes).toMatchObject({ ApproximateReceiveCount: '1', SenderId: '000000000000' });
    expect(Number(record!.attributes.SentTimestamp)).toBeGreaterThan(Date.now() - 10_000);
    expect(Number(record!.attributes.ApproximateFirstReceiveTimestamp)).toBeGreaterThanOrEqual(Number(record!.attributes.SentTimestamp));
  });

  it('gathers messages for the batching window into one invocation', async () => {
    const invocations: Array<{ at: number; count: number }> = [];
    const firstSent = clock.now();
    await send('one', 'batch');
    poll({
      mapping: mapping({ maximumBatchingWindowSeconds: 1 }, 'batch'),
      invoke: async (event) => void invocations.push({ at: clock.now(), count: event.Records.length }),
    });
    // The window opens with the first record; the others arrive while it is open.
    await until(() => receivedCount('batch') === 1);
    await send('two', 'batch');
    await send('three', 'batch');
    await until(() => receivedCount('batch') === 3);
    // The window runs from the first record: no invocation before it closes, however long that took.
    expect(invocations).toEqual([]);
    clock.advance(1000);
    await until(() => invocations.length > 0);
    expect(invocations).toEqual([{ at: firstSent + 1000, count: 3 }]);
    // The successful batch is deleted, not left to come back.
    await until(() => endpoint.sqs.peekMessages('batch').length === 0);
    expect(await depth('batch')).toBe(0);
  });

  it('invokes with what it has when topping up a batch fails, instead of stranding those messages in flight', async () => {
    const invocations: string[][] = [];
    await send('one', 'batch');
    poll({
      mapping: mapping({ maximumBatchingWindowSeconds: 1 }, 'batch'),
      invoke: async (event) => void invocations.push(event.Records.map((record) => record.body)),
    });
    await until(() => receivedCount('batch') === 1);
    // The window stays open on the manual clock: only the failed top-up can end it.
    endpoint.faults.add({ service: 'sqs', operation: 'ReceiveMessage', rate: 1, code: '500' });
    await until(() => invocations.length === 1);
    expect(invocations).toEqual([['one']]);
    expect(logs.join('\n')).toMatch(/topping up a batch from .* failed, invoking with 1: .*InternalError/);
    // Handled and deleted, not left in flight for the queue's 30 s visibility timeout.
    await until(() => endpoint.sqs.peekMessages('batch').length === 0);
  });

  it('deletes only the successes of a partial batch; failures return and are redriven after maxReceiveCount', async () => {
    await send('good');
    await send('bad');
    const seen: Array<{ body: string; receiveCount: string }> = [];
    // No batching window here: the queue's 1 s visibility timeout must outlast collection (as in AWS).
    poll({
      mapping: mapping(),
      invoke: async (event) => {
        for (const record of event.Records) seen.push({ body: record.body, receiveCount: record.attributes.ApproximateReceiveCount });
        return { batchItemFailures: event.Records.filter((record) => record.body === 'bad').map((record) => ({ itemIdentifier: record.messageId })) };
      },
    });
    await until(() => seen.length === 2);
    // The success is deleted; the failure stays in flight until its visibility timeout ends.
    await until(() => endpoint.sqs.peekMessages('work').length === 1);
    clock.advance(1000);
    await until(() => seen.some((entry) => entry.body === 'bad' && entry.receiveCount === '2'));
    clock.advance(1000);
    // maxReceiveCount 2: after the second failure the message moves to the DLQ instead of a third receive.
    await until(() => endpoint.sqs.peekMessages('dlq').length === 1);
    expect(endpoint.sqs.peekMessages('dlq')[0]!.body).toBe('bad');
    expect(seen.filter((entry) => entry.body === 'good')).toEqual([{ body: 'good', receiveCount: '1' }]);
    expect(seen.filter((entry) => entry.body === 'bad').map((entry) => entry.receiveCount)).toEqual(['1', '2']);
    expect(await depth('work')).toBe(0);
  });

  it('without ReportBatchItemFailures a function error returns the whole batch', async () => {
    await send('first');
    await send('second');
    const receiveCounts: string[] = [];
    let calls = 0;
    poll({
      mapping: mapping({ reportBatchItemFailures: false }),
      invoke: async (event) => {
        calls += 1;
        receiveCounts.push(...event.Records.map((record) => `${record.body}:${record.attributes.ApproximateReceiveCount}`));
        if (calls === 1) throw new Error('function failed');
        // A partial response is ignored without ReportBatchItemFailures: everything is deleted.
        return { batchItemFailures: [{ itemIdentifier: event.Records[0]!.messageId }] };
      },
    });
    await until(() => calls === 1);
    // The failed batch comes back once its visibility timeout ends.
    clock.advance(1000);
    await until(() => calls >= 2 && receiveCounts.length >= 4);
    expect(receiveCounts.sort()).toEqual(['first:1', 'first:2', 'second:1', 'second:2']);
    expect(logs).toContainEqual(expect.stringContaining('failed'));
    // stop() waits for the in-flight batch, its deletes included.
    await source!.stop();
    source = undefined;
    expect(await depth('work')).toBe(0);
    expect(endpoint.sqs.peekMessages('dlq')).toHaveLength(0);
  });

  it('keeps at most MaximumConcurrency invocations in flight', async () => {
    for (let index = 0; index < 12; index += 1) await send(`m${index}`);
    let inFlight = 0;
    let highest = 0;
    let started = 0;
    let done = 0;
    const held: Array<() => void> = [];
    poll({
      mapping: mapping({ batchSize: 1, maximumConcurrency: 2 }),
      invoke: async () => {
        inFlight += 1;
        started += 1;
        highest = Math.max(highest, inFlight);
        // Held until a second invocation runs beside it (however slowly messages are received),
        // so two are in flight at once; a third would have to start while they are.
        if (inFlight >= 2 || started === 12) held.splice(0).forEach((release) => release());
        else await new Promise<void>((release) => held.push(release));
        await new Promise((resolve) => setTimeout(resolve, 50));
        inFlight -= 1;
        done += 1;
      },
    });
    await until(() => done === 12);
    expect(highest).toBe(2);
  });

  it('stops promptly while a long poll is waiting', async () => {
    poll({ mapping: mapping(), invoke: async () => undefined });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await source!.stop();
    source = undefined;
    expect(Date.now() - started).toBeLessThan(1000);
    // Nothing was taken by the abandoned long poll: a message sent now is receivable at once.
    await send('after stop');
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl(), WaitTimeSeconds: 0 }));
    expect(Messages?.map((message) => message.Body)).toEqual(['after stop']);
  });
});

describe('toSqsRecord', () => {
  it('keeps extra system attributes such as DeadLetterQueueSourceArn after the standard four', () => {
    const record = toSqsRecord(
      {
        MessageId: 'id',
        ReceiptHandle: 'rh',
        Body: 'b',
        MD5OfBody: 'md5',
        Attributes: { ApproximateReceiveCount: '3', SentTimestamp: '1', SenderId: 'x', ApproximateFirstReceiveTimestamp: '2', DeadLetterQueueSourceArn: 'arn:src' },
      },
      'arn:q',
      'eu-west-1',
    );
    expect(Object.keys(record.attributes)).toEqual(['ApproximateReceiveCount', 'SentTimestamp', 'SenderId', 'ApproximateFirstReceiveTimestamp', 'DeadLetterQueueSourceArn']);
    expect(record.messageAttributes).toEqual({});
    expect(record).not.toHaveProperty('md5OfMessageAttributes');
    expect(record.awsRegion).toBe('eu-west-1');
  });
});
