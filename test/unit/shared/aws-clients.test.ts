// The data path's AWS clients: throttling retried with a short jittered backoff, 6 attempts in all.
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { createAwsClients, dataPathBackoffMs, MAX_ATTEMPTS } from '../../../lambdas/shared/aws-clients';
import { startThrottlingServer, type ThrottlingServer } from '../../support/throttling-server';

describe('dataPathBackoffMs', () => {
  it('waits up to 50 ms x 2^attempt, at most 2 s, with full jitter', () => {
    expect([2, 3, 4, 5, 6, 7].map((attempt) => dataPathBackoffMs(attempt, () => 1))).toEqual([200, 400, 800, 1600, 2000, 2000]);
    expect(dataPathBackoffMs(5, () => 0)).toBe(0);
    expect(dataPathBackoffMs(3, () => 0.5)).toBe(200);
  });
});

describe('createAwsClients', () => {
  let server: ThrottlingServer;
  const saved = { ...process.env };

  beforeAll(async () => {
    server = await startThrottlingServer({
      throttle: { headers: {}, body: { __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException', message: 'slow down' } },
      okBody: '{}',
    });
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_DYNAMODB: server.url,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    });
  });

  afterAll(async () => {
    process.env = saved;
    await server.close();
  });

  const getItem = () => createAwsClients().dynamodb.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: 'a' } } }));

  it('retries a throttled DynamoDB call until it goes through', async () => {
    server.reset(2);
    await expect(getItem()).resolves.toBeDefined();
    expect(server.requests).toBe(3);
  });

  it(`gives up after ${MAX_ATTEMPTS} attempts`, async () => {
    server.reset(100);
    await expect(getItem()).rejects.toMatchObject({ name: 'ProvisionedThroughputExceededException' });
    expect(server.requests).toBe(MAX_ATTEMPTS);
  });
});
