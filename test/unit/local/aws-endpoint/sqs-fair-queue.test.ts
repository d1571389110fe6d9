// The local SQS as an SQS fair queue: a standard queue takes MessageGroupId (the tenant) on
// SendMessage and SendMessageBatch, and receives serve quiet tenants' messages before a noisy
// tenant's, by the rules of "How Amazon SQS fair queues work". The ordering rules run on the engine
// with a manual clock, so in-flight counts and processing times are exact.
import { ReceiveMessageCommand, SendMessageBatchCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { ManualClock } from '../../../../local/aws-endpoint/clock';
import { FAIR_QUEUE_RULES } from '../../../../local/aws-endpoint/fair-queue';
import { type AwsEndpoint, startAwsEndpoint } from '../../../../local/aws-endpoint/server';
import { type ReceivedMessage, SqsEngine } from '../../../../local/aws-endpoint/sqs';
import { rejectionOf, type SdkClients, sdkClients } from '../../../support/sdk-clients';

const START = Date.UTC(2026, 1, 25, 14, 30, 0);

describe('local SQS takes MessageGroupId on a standard queue, through the AWS SDK', () => {
  let endpoint: AwsEndpoint;
  let clients: SdkClients;
  let queueUrl: string;

  beforeEach(async () => {
    endpoint = await startAwsEndpoint({ port: 0, clock: new ManualClock(START), queues: [{ name: 'dispatch' }], buses: [], scheduleGroups: [] });
    clients = sdkClients(endpoint.url);
    queueUrl = endpoint.sqs.queueUrl('dispatch');
  });

  afterEach(async () => {
    clients.destroy();
    await endpoint.close();
  });

  it('keeps the group of SendMessage and of each SendMessageBatch entry, and returns it as the MessageGroupId attribute', async () => {
    await clients.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'one', MessageGroupId: 'acct_1' }));
    const batch = await clients.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: [
          { Id: 'a', MessageBody: 'two', MessageGroupId: 'acct_2' },
          { Id: 'b', MessageBody: 'three' },
        ],
      }),
    );
    expect(batch.Failed ?? []).toEqual([]);
    expect(endpoint.sqs.peekMessages('dispatch').map((message) => [message.body, message.messageGroupId])).toEqual([
      ['one', 'acct_1'],
      ['two', 'acct_2'],
      ['three', undefined],
    ]);
    const { Messages } = await clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'] }));
    expect(Messages!.map((message) => [message.Body, message.Attributes?.MessageGroupId])).toEqual([
      ['one', 'acct_1'],
      ['two', 'acct_2'],
      ['three', undefined],
    ]);
  });

  it('refuses a group id SQS refuses: empty, over 128 characters, or with a space; in a batch only that entry fails', async () => {
    for (const groupId of ['', 'x'.repeat(129), 'acct 1', 'acct_é']) {
      const error = await rejectionOf(clients.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'x', MessageGroupId: groupId })));
      expect({ groupId, name: error.name }).toEqual({ groupId, name: 'InvalidParameterValue' });
    }
    await clients.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'x', MessageGroupId: `${'x'.repeat(120)}!#$:.-_~` }));
    const batch = await clients.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: [
          { Id: 'bad', MessageBody: 'x', MessageGroupId: 'has space' },
          { Id: 'good', MessageBody: 'y', MessageGroupId: 'acct_1' },
        ],
      }),
    );
    expect(batch.Failed).toEqual([expect.objectContaining({ Id: 'bad', Code: 'InvalidParameterValue', SenderFault: true })]);
    expect(batch.Successful?.map((entry) => entry.Id)).toEqual(['good']);
  });
});

describe('local SQS fair-queue order', () => {
  let clock: ManualClock;
  let sqs: SqsEngine;

  beforeEach(() => {
    clock = new ManualClock(START);
    // A long visibility timeout: messages stay in flight until a test deletes them or moves the clock far.
    sqs = new SqsEngine({ endpointUrl: 'http://127.0.0.1:4566', clock });
    sqs.createQueue({ name: 'dispatch', visibilityTimeout: 3_600 });
  });

  afterEach(() => sqs.close());

  const send = (tenant: string | undefined, count = 1, label = tenant ?? 'none') =>
    Array.from({ length: count }, (_, index) => sqs.sendMessage('dispatch', `${label}-${index}`, tenant === undefined ? {} : { messageGroupId: tenant }).messageId);
  const receive = (max = 10) => sqs.receiveMessages('dispatch', { maxNumberOfMessages: max });
  const receiveTimes = async (times: number, max = 10) => {
    const all: ReceivedMessage[] = [];
    for (let index = 0; index < times; index += 1) all.push(...(await receive(max)));
    return all;
  };
  const tenantsOf = (messages: ReceivedMessage[]) => messages.map((message) => message.body.replace(/-\d+$/, ''));
  const remove = (messages: ReceivedMessage[]) => messages.forEach((message) => sqs.deleteMessage('dispatch', message.receiptHandle));

  it("serves a quiet tenant's message before a flood's backlog once the flooding tenant holds 30 in flight and over 10% of them", async () => {
    send('A', 100);
    send('B', 1);
    // Below 30 in flight A is quiet: plain queue order, B waits behind A's backlog.
    expect(tenantsOf(await receiveTimes(2))).toEqual(Array(20).fill('A'));
    expect(tenantsOf(await receive())).toEqual(Array(10).fill('A'));
    expect(sqs.noisyTenants('dispatch')).toEqual([]);
    // 30 of A in flight (all of them): A is noisy, B's message comes first, A's fill the rest.
    expect(tenantsOf(await receive())).toEqual(['B', ...Array(9).fill('A')]);
    expect(sqs.noisyTenants('dispatch')).toEqual(['A']);
    // A later B message does not wait for A's 61 left either; none of A's is dropped.
    send('B', 1, 'B-later');
    expect(tenantsOf(await receive(1))).toEqual(['B-later']);
    const rest = await receiveTimes(10);
    expect(rest).toHaveLength(61);
    expect(new Set(tenantsOf(rest))).toEqual(new Set(['A']));
  });

  it('does not count 30 in flight as noisy while that is 10% of the queue, only above it', async () => {
    send('M', 270);
    await receiveTimes(27); // M alone: noisy, but with nothing else waiting it gets every receive
    send('A', 40);
    await receiveTimes(3);
    send('B', 1);
    // A: 30 of 300 in flight, exactly 10%: quiet, queue order.
    expect(tenantsOf(await receive())).toEqual(Array(10).fill('A'));
    expect(sqs.noisyTenants('dispatch')).toEqual([]);
    // A: 40 of 310 now; its next message waits behind B's.
    send('A', 1, 'A-more');
    send('B', 1, 'B-more');
    expect(tenantsOf(await receive())).toEqual(['B', 'B-more', 'A-more']);
  });

  it('marks a tenant noisy by processing time: over 10% of recent receive-to-delete time, with nothing in flight', async () => {
    send('S', 1);
    const slow = await receive();
    clock.advance(10_000);
    remove(slow);
    send('Q', 1);
    remove(await receive()); // Q's consumer is fast: 0 ms
    send('S', 3, 'S-more');
    send('Q', 1, 'Q-late');
    expect(tenantsOf(await receive(1))).toEqual(['Q-late']);
    expect(sqs.noisyTenants('dispatch')).toEqual(['S']);
    expect(tenantsOf(await receive())).toEqual(['S-more', 'S-more', 'S-more']);
  });

  it('counts the time so far of messages in flight as processing time', async () => {
    send('S', 2);
    await receive(); // held, not deleted
    clock.advance(20_000);
    send('T', 1);
    remove(await receive());
    send('S', 1, 'S-more');
    send('T', 1, 'T-more');
    expect(tenantsOf(await receive())).toEqual(['T-more', 'S-more']);
  });

  it('forgets processing times older than the window', async () => {
    send('S', 1);
    const slow = await receive();
    clock.advance(20_000);
    remove(slow);
    send('T', 1);
    remove(await receive());
    clock.advance(FAIR_QUEUE_RULES.processingWindowMs + 1);
    send('S', 1, 'S-again');
    send('T', 1, 'T-again');
    expect(tenantsOf(await receive())).toEqual(['S-again', 'T-again']);
    expect(sqs.noisyTenants('dispatch')).toEqual([]);
  });

  it('among noisy tenants serves the one with the fewest in flight first', async () => {
    send('A', 60);
    send('C', 60);
    await receiveTimes(3); // 30 of A in flight: A noisy
    const ofC = await receiveTimes(3);
    expect(tenantsOf(ofC)).toEqual(Array(30).fill('C')); // C is quiet, so first
    expect(tenantsOf(await receive(1))).toEqual(['A']); // C is noisy too now: 30 each, the older message wins
    expect(sqs.noisyTenants('dispatch').sort()).toEqual(['A', 'C']);
    // C's consumer finishes 10: C has 20 in flight to A's 31, so C's come first until C passes A.
    remove(ofC.slice(0, 10));
    expect(tenantsOf(await receive())).toEqual(Array(10).fill('C'));
    expect(tenantsOf(await receive(4))).toEqual(['C', 'A', 'C', 'A']);
  });

  it('keeps a noisy tenant noisy while it has a backlog, and quiet again once a receive drains it', async () => {
    send('A', 40);
    const held = await receiveTimes(3);
    send('B', 1);
    expect(tenantsOf(await receive(1))).toEqual(['B']);
    // 25 of A's finish: 5 in flight is no longer noisy by itself, but A still has a backlog.
    remove(held.slice(0, 25));
    send('B', 1, 'B2');
    expect(tenantsOf(await receive(1))).toEqual(['B2']);
    expect(tenantsOf(await receive())).toEqual(Array(10).fill('A')); // A's backlog, to the last one
    expect(sqs.noisyTenants('dispatch')).toEqual([]);
    send('A', 1, 'A-again');
    send('B', 1, 'B3');
    expect(tenantsOf(await receive())).toEqual(['A-again', 'B3']);
  });

  it('makes a noisy tenant quiet once it sent nothing for 5 minutes, whatever it still holds', async () => {
    send('A', 40);
    await receiveTimes(3);
    send('B', 1);
    remove(await receive(1));
    clock.advance(FAIR_QUEUE_RULES.idleMs - 1);
    send('B', 1, 'B2');
    expect(tenantsOf(await receive(1))).toEqual(['B2']);
    expect(sqs.noisyTenants('dispatch')).toEqual(['A']);
    clock.advance(1);
    send('B', 1, 'B3');
    expect(tenantsOf(await receive(1))).toEqual(['A']);
    expect(sqs.noisyTenants('dispatch')).toEqual([]);
  });

  it('treats each message without a group as a tenant of its own: never noisy by count, and served before a noisy tenant', async () => {
    send(undefined, 50);
    await receiveTimes(4); // 40 in flight, one per tenant
    send('B', 1);
    expect(tenantsOf(await receive())).toEqual(Array(10).fill('none'));
    expect(tenantsOf(await receive())).toEqual(['B']);
    send('A', 40);
    await receiveTimes(3);
    send(undefined, 1, 'lone');
    expect(tenantsOf(await receive(1))).toEqual(['lone']);
  });

  it('keeps the group across a restart of the local run (persisted with the message)', () => {
    send('A', 1);
    const restored = new SqsEngine({ endpointUrl: 'http://127.0.0.1:4566', clock });
    restored.restore(sqs.snapshot());
    expect(restored.peekMessages('dispatch').map((message) => message.messageGroupId)).toEqual(['A']);
    restored.close();
  });
});
