// The data path's AWS clients: throttling retried with a short jittered backoff, 6 attempts in all.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { createAwsClients, dataPathBackoffMs, MAX_ATTEMPTS } from '../../../lambdas/shared/aws-clients';

describe('dataPathBackoffMs', () => {
  it('waits up to 50 ms x 2^attempt, at most 2 s, with full jitter', () => {
    expect([2, 3, 4, 5, 6, 7].map((attempt) => dataPathBackoffMs(attempt, () => 1))).toEqual([200, 400, 800, 1600, 2000, 2000]);
    expect(dataPathBackoffMs(5, () => 0)).toBe(0);
    expect(dataPathBackoffMs(3, () => 0.5)).toBe(200);
  });
});

describe('createAwsClients', () => {
  let server: Server;
  let throttles = 0;
  let requests = 0;
  const saved = { ...process.env };

  beforeAll(async () => {
    server = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        requests += 1;
        if (requests <= throttles) {
          response.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
          response.end(JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException', message: 'slow down' }));
          return;
        }
        response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
        response.end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    });
  });

  afterAll(async () => {
    process.env = saved;
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(() => {
    requests = 0;
  });

  const getItem = () => createAwsClients().dynamodb.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'a' } } }));

  it('retries a throttled DynamoDB call until it goes through', async () => {
    throttles = 2;
    await expect(getItem()).resolves.toBeDefined();
    expect(requests).toBe(3);
  });

  it(`gives up after ${MAX_ATTEMPTS} attempts`, async () => {
    throttles = 100;
    await expect(getItem()).rejects.toMatchObject({ name: 'ProvisionedThroughputExceededException' });
    expect(requests).toBe(MAX_ATTEMPTS);
  });
});
