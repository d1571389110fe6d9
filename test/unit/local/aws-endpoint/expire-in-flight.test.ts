import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { ManualClock } from '../../../../local/aws-endpoint/clock';
import { type AwsEndpoint, startAwsEndpoint } from '../../../../local/aws-endpoint/server';
import { sdkClients, type SdkClients } from '../../../support/sdk-clients';

describe('POST /_local/sqs/expire-in-flight', () => {
  let endpoint: AwsEndpoint;
  let clients: SdkClients;
  const clock = new ManualClock(Date.parse('2026-11-28T00:00:00Z'));

  beforeAll(async () => {
    endpoint = await startAwsEndpoint({ port: 0, queues: [{ name: 'dispatch', visibilityTimeout: 360 }], buses: [], scheduleGroups: [], clock });
    clients = sdkClients(endpoint.url);
  });
  afterAll(async () => {
    clients.destroy();
    await endpoint.close();
  });

  it('makes messages received before the given time visible again, and only those', async () => {
    const QueueUrl = endpoint.sqs.queueUrl('dispatch');
    await clients.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'held by a killed consumer' }));
    await clients.sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
    const killedAt = clock.now() + 1000;
    clock.advance(2000);
    await clients.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'held by a live consumer' }));
    await clients.sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
    await clients.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'never received', DelaySeconds: 5 }));

    const response = await fetch(`${endpoint.url}/_local/sqs/expire-in-flight`, {
      method: 'POST',
      body: JSON.stringify({ queue: 'dispatch', receivedBefore: new Date(killedAt).toISOString() }),
    });
    expect(await response.json()).toEqual({ released: 1 });
    const again = await clients.sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
    expect(again.Messages?.map((message) => message.Body)).toEqual(['held by a killed consumer']);

    const refused = await fetch(`${endpoint.url}/_local/sqs/expire-in-flight`, { method: 'POST', body: JSON.stringify({ queue: 'nope', receivedBefore: 'x' }) });
    expect(refused.status).toBe(400);
  });
});
