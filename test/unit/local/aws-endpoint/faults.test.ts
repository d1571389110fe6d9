import { ListTablesCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { CreateScheduleCommand } from '@aws-sdk/client-scheduler';
import { GetQueueUrlCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { FaultInjector, parseFaultRule, schedulerOperation } from '../../../../local/aws-endpoint/faults';
import { type AwsEndpoint, startAwsEndpoint } from '../../../../local/aws-endpoint/server';
import { localClientConfig, rejectionOf, sdkClients, type SdkClients } from '../../../support/sdk-clients';

/** Random numbers from a list, so "a fraction of requests" is exact in a test. */
const sequence = (...values: number[]) => {
  let index = 0;
  return () => values[index++ % values.length]!;
};

describe('FaultInjector', () => {
  it('fails the given fraction of matching requests only, by service and operation', () => {
    const faults = new FaultInjector(sequence(0.1, 0.6, 0.3, 0.9));
    faults.add({ service: 'sqs', operation: 'SendMessage', rate: 0.5, code: 'throttle' });
    const outcomes = [1, 2, 3, 4].map(() => faults.check('sqs', 'SendMessage')?.code);
    expect(outcomes).toEqual(['RequestThrottled', undefined, 'RequestThrottled', undefined]);
    expect(faults.check('sqs', 'ReceiveMessage')).toBeUndefined();
    expect(faults.check('dynamodb', 'SendMessage')).toBeUndefined();
    expect(faults.state().injected).toEqual({ 'sqs.SendMessage.throttle': 2 });
  });

  it('drops a rule once its until time has passed', () => {
    let now = Date.parse('2026-11-28T00:00:00Z');
    const faults = new FaultInjector(() => 0, () => now);
    faults.add(parseFaultRule({ service: 'dynamodb', rate: 1, code: '500', until: '2026-11-28T00:01:00Z' }));
    expect(faults.check('dynamodb', 'PutItem')).toMatchObject({ code: 'InternalServerError', httpStatus: 500 });
    now += 60_000;
    expect(faults.check('dynamodb', 'PutItem')).toBeUndefined();
    expect(faults.state().rules).toEqual([]);
  });

  it('refuses malformed rules with a readable reason', () => {
    expect(() => parseFaultRule({ service: 'sqs', rate: 0, code: 'throttle' })).toThrow(/rate must be/);
    expect(() => parseFaultRule({ service: 's3', rate: 1, code: 'throttle' })).toThrow(/service must be one of/);
    expect(() => parseFaultRule({ service: 'sqs', rate: 1, code: '503' })).toThrow(/code must be/);
    expect(() => parseFaultRule({ service: 'sqs', rate: 1, code: '500', until: 'soon' })).toThrow(/until must be/);
  });

  it('names Scheduler operations from method and path', () => {
    expect(schedulerOperation('POST', '/schedules/retry-1')).toBe('CreateSchedule');
    expect(schedulerOperation('DELETE', '/schedules/retry-1')).toBe('DeleteSchedule');
    expect(schedulerOperation('GET', '/schedules')).toBe('ListSchedules');
  });
});

describe('/_local/faults on the local AWS endpoint', () => {
  let endpoint: AwsEndpoint;
  let upstream: http.Server;
  let clients: SdkClients;
  const control = async (method: string, body?: unknown) => {
    const response = await fetch(`${endpoint.url}/_local/faults`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  beforeEach(async () => {
    // Stands in for DynamoDB Local: every request it sees got past the injector.
    upstream = http.createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        response.writeHead(200, { 'Content-Type': 'application/x-amz-json-1.0' });
        response.end(JSON.stringify({ TableNames: ['t'] }));
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    endpoint = await startAwsEndpoint({
      port: 0,
      queues: [{ name: 'dispatch' }],
      buses: [{ busName: 'bus', rules: [] }],
      scheduleGroups: [],
      dynamoDbEndpoint: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
    });
    clients = sdkClients(endpoint.url);
  });

  afterEach(async () => {
    clients.destroy();
    await endpoint.close();
    await new Promise((resolve) => upstream.close(resolve));
  });

  it('answers each service with the error AWS sends, as the SDK names it', async () => {
    for (const service of ['sqs', 'dynamodb', 'scheduler', 'events']) {
      expect((await control('POST', { service, rate: 1, code: 'throttle' })).status).toBe(200);
    }
    const queueUrl = endpoint.sqs.queueUrl('dispatch');
    const sqsError = await rejectionOf(clients.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'x' })));
    expect(sqsError.name).toBe('RequestThrottled');
    expect(sqsError.$metadata).toMatchObject({ httpStatusCode: 400 });
    const dynamoError = await rejectionOf(clients.dynamodb.send(new ListTablesCommand({})));
    expect(dynamoError.name).toBe('ProvisionedThroughputExceededException');
    const scheduleError = await rejectionOf(
      clients.scheduler.send(
        new CreateScheduleCommand({
          Name: 'retry-1',
          ScheduleExpression: 'at(2030-01-01T00:00:00)',
          FlexibleTimeWindow: { Mode: 'OFF' },
          Target: { Arn: 'arn:aws:sqs:us-east-1:000000000000:dispatch', RoleArn: 'arn:aws:iam::000000000000:role/r', Input: '{}' },
        }),
      ),
    );
    expect(scheduleError.name).toBe('ThrottlingException');
    expect(scheduleError.$metadata).toMatchObject({ httpStatusCode: 429 });
    const eventsError = await rejectionOf(
      clients.events.send(new PutEventsCommand({ Entries: [{ EventBusName: 'bus', Source: 's', DetailType: 'd', Detail: '{}' }] })),
    );
    expect(eventsError.name).toBe('ThrottlingException');
    expect(endpoint.sqs.peekMessages('dispatch')).toHaveLength(0);

    await control('DELETE');
    await control('POST', { service: 'dynamodb', operation: 'ListTables', rate: 1, code: '500' });
    const serverError = await rejectionOf(clients.dynamodb.send(new ListTablesCommand({})));
    expect(serverError.name).toBe('InternalServerError');
    expect(serverError.$metadata).toMatchObject({ httpStatusCode: 500 });
    const state = await control('GET');
    expect(state.body.injected).toEqual({
      'dynamodb.ListTables.500': 1,
      'dynamodb.ListTables.throttle': 1,
      'events.PutEvents.throttle': 1,
      'scheduler.CreateSchedule.throttle': 1,
      'sqs.SendMessage.throttle': 1,
    });
  });

  it('lets the SDK retry through a partial fault, as it would against AWS', async () => {
    await control('POST', { service: 'sqs', operation: 'GetQueueUrl', rate: 1, code: '500', until: new Date(Date.now() + 300).toISOString() });
    await control('POST', { service: 'dynamodb', rate: 1, code: 'throttle', until: new Date(Date.now() + 300).toISOString() });
    const sqs = new SQSClient({ ...localClientConfig(endpoint.url), maxAttempts: 10 });
    const dynamodb = new DynamoDBClient({ ...localClientConfig(endpoint.url), maxAttempts: 10 });
    try {
      const [queue, tables] = await Promise.all([
        sqs.send(new GetQueueUrlCommand({ QueueName: 'dispatch' })),
        dynamodb.send(new ListTablesCommand({})),
      ]);
      expect(queue.QueueUrl).toBe(endpoint.sqs.queueUrl('dispatch'));
      expect(tables.TableNames).toEqual(['t']);
      expect(queue.$metadata.attempts).toBeGreaterThan(1);
      expect(tables.$metadata.attempts).toBeGreaterThan(1);
    } finally {
      sqs.destroy();
      dynamodb.destroy();
    }
  });

  it('refuses a malformed rule with a 400 naming the problem', async () => {
    const refused = await control('POST', { service: 'sqs', rate: 2, code: 'throttle' });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toMatch(/rate must be/);
  });
});
