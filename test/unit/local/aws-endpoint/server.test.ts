import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { CreateScheduleCommand } from '@aws-sdk/client-scheduler';
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AwsEndpointConfig, startAwsEndpoint } from '../../../../local/aws-endpoint/server';
import { rejectionOf, sdkClients } from '../../../support/sdk-clients';

const baseConfig: AwsEndpointConfig = { port: 0, queues: [{ name: 'dispatch' }], buses: [], scheduleGroups: [] };

interface SeenRequest {
  method: string;
  url: string;
  rawHeaders: string[];
  body: string;
}

/** A stand-in for DynamoDB Local that records the request and answers like ListTables. */
async function startFakeDynamoDb(): Promise<{ url: string; seen: SeenRequest[]; close(): Promise<void> }> {
  const seen: SeenRequest[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      seen.push({ method: request.method!, url: request.url!, rawHeaders: request.rawHeaders, body: Buffer.concat(chunks).toString() });
      response.writeHead(200, { 'Content-Type': 'application/x-amz-json-1.0', 'X-Upstream': 'dynamodb-local' });
      response.end(JSON.stringify({ TableNames: ['georedir-webhooks'] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A raw HTTP request, to see status and headers exactly as sent. */
function rawRequest(url: string, options: { method: string; headers?: Record<string, string>; body?: string }) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const request = http.request(url, { method: options.method, headers: options.headers, agent: false }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body }));
    });
    request.on('error', reject);
    request.end(options.body);
  });
}

describe('local AWS endpoint server', () => {
  it('passes DynamoDB requests through to DynamoDB Local unchanged, and the answer back', async () => {
    const upstream = await startFakeDynamoDb();
    const endpoint = await startAwsEndpoint({ ...baseConfig, dynamoDbEndpoint: upstream.url });
    const clients = sdkClients(endpoint.url);
    try {
      const result = await clients.dynamodb.send(new ListTablesCommand({ Limit: 5 }));
      expect(result.TableNames).toEqual(['georedir-webhooks']);

      const [request] = upstream.seen;
      expect(request).toMatchObject({ method: 'POST', url: '/', body: '{"Limit":5}' });
      const headers = Object.fromEntries(
        Array.from({ length: request!.rawHeaders.length / 2 }, (_, i) => [request!.rawHeaders[2 * i]!.toLowerCase(), request!.rawHeaders[2 * i + 1]]),
      );
      expect(headers['x-amz-target']).toBe('DynamoDB_20120810.ListTables');
      expect(headers['authorization']).toMatch(/^AWS4-HMAC-SHA256 Credential=local\//);
      expect(headers['host']).toBe(new URL(endpoint.url).host);

      const raw = await rawRequest(endpoint.url, {
        method: 'POST',
        headers: { 'X-Amz-Target': 'DynamoDB_20120810.ListTables', 'Content-Type': 'application/x-amz-json-1.0' },
        body: '{}',
      });
      expect(raw).toMatchObject({ status: 200, body: '{"TableNames":["georedir-webhooks"]}' });
      expect(raw.headers['x-upstream']).toBe('dynamodb-local');
    } finally {
      clients.destroy();
      await endpoint.close();
      await upstream.close();
    }
  });

  it('refuses DynamoDB calls by name when no DynamoDB Local is configured', async () => {
    const endpoint = await startAwsEndpoint(baseConfig);
    const clients = sdkClients(endpoint.url);
    try {
      const error = await rejectionOf(clients.dynamodb.send(new ListTablesCommand({})));
      expect(error.name).toBe('UnknownOperationException');
      expect(error.message).toContain('local AWS endpoint does not implement DynamoDB.ListTables');
    } finally {
      clients.destroy();
      await endpoint.close();
    }
  });

  it('names unknown services, paths and protocols in the error', async () => {
    const endpoint = await startAwsEndpoint(baseConfig);
    try {
      const unknownService = await rawRequest(endpoint.url, {
        method: 'POST',
        headers: { 'X-Amz-Target': 'Kinesis_20131202.PutRecord', 'Content-Type': 'application/x-amz-json-1.1' },
        body: '{}',
      });
      expect(unknownService.status).toBe(400);
      expect(JSON.parse(unknownService.body)).toEqual({
        __type: 'UnknownOperationException',
        message: 'local AWS endpoint does not implement Kinesis_20131202.PutRecord',
      });

      const unknownPath = await rawRequest(`${endpoint.url}/2015-03-31/functions`, { method: 'GET' });
      expect(unknownPath.status).toBe(400);
      expect(JSON.parse(unknownPath.body).message).toBe('local AWS endpoint does not implement GET /2015-03-31/functions');

      const query = await rawRequest(endpoint.url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'Action=ListQueues&Version=2012-11-05',
      });
      expect(JSON.parse(query.body).message).toContain('query protocol');

      const badJson = await rawRequest(endpoint.url, {
        method: 'POST',
        headers: { 'X-Amz-Target': 'AmazonSQS.ListQueues', 'Content-Type': 'application/x-amz-json-1.0' },
        body: '{oops',
      });
      expect(badJson.status).toBe(400);
      expect(badJson.headers['x-amzn-query-error']).toBe('SerializationException;Sender');
    } finally {
      await endpoint.close();
    }
  });

  it('logs one line per request when asked to', async () => {
    const lines: string[] = [];
    const endpoint = await startAwsEndpoint({ ...baseConfig, log: (line) => lines.push(line) });
    const clients = sdkClients(endpoint.url);
    try {
      await clients.sqs.send(new SendMessageCommand({ QueueUrl: endpoint.sqs.queueUrl('dispatch'), MessageBody: 'x' }));
      expect(lines).toEqual([expect.stringMatching(/^SQS\.SendMessage 200 \d+ms$/)]);
    } finally {
      clients.destroy();
      await endpoint.close();
    }
  });

  it('closes promptly while a long poll is waiting, answering it with no messages', async () => {
    const endpoint = await startAwsEndpoint(baseConfig);
    const clients = sdkClients(endpoint.url);
    try {
      const polling = clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: endpoint.sqs.queueUrl('dispatch'), WaitTimeSeconds: 20 }));
      await new Promise((resolve) => setTimeout(resolve, 100));
      const started = Date.now();
      await endpoint.close();
      expect((await polling).Messages ?? []).toEqual([]);
      expect(Date.now() - started).toBeLessThan(1_000);
    } finally {
      clients.destroy();
    }
  });

  it('keeps queues, messages and schedules across a restart with persistFile', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'aws-endpoint-'));
    const persistFile = join(directory, 'aws-state.json');
    const fireAt = Date.now() + 3_600_000;
    try {
      const first = await startAwsEndpoint({ ...baseConfig, persistFile });
      const clients = sdkClients(first.url);
      first.sqs.createQueue({ name: 'created-later', visibilityTimeout: 7 });
      await clients.sqs.send(new SendMessageCommand({ QueueUrl: first.sqs.queueUrl('dispatch'), MessageBody: 'survives' }));
      await clients.scheduler.send(
        new CreateScheduleCommand({
          Name: 'pending',
          ScheduleExpression: `at(${new Date(fireAt).toISOString().slice(0, 19)})`,
          FlexibleTimeWindow: { Mode: 'OFF' },
          Target: { Arn: first.sqs.queueArn('dispatch'), RoleArn: 'arn:aws:iam::000000000000:role/r', Input: 'later' },
        }),
      );
      clients.destroy();
      await first.close();

      const second = await startAwsEndpoint({ ...baseConfig, persistFile });
      try {
        expect(second.sqs.peekMessages('dispatch').map((message) => message.body)).toEqual(['survives']);
        expect(second.sqs.getQueueConfig('created-later').visibilityTimeout).toBe(7);
        expect(second.scheduler.listSchedules().map((schedule) => schedule.name)).toEqual(['pending']);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
