// The management API as the tests meet it: real HTTP through local/http-api.ts (the API Gateway
// stand-in), the real Lambda handler in-process, DynamoDB Local for the table and the local AWS
// endpoint for SQS and Scheduler (DynamoDB proxied through it, as in the local run).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { DynamoDbDeliveryStore } from '../../../lambdas/adapters/dynamodb-delivery-store';
import { ManagementStore } from '../../../lambdas/adapters/management-store';
import type { SecretSealer } from '../../../lambdas/adapters/secret-box';
import type { ApiHandler } from '../../../lambdas/api/app';
import { REQUEST_LIMITS_ENV } from '../../../lambdas/api/request-limit-settings';
import { createAccount, type CreatedKey } from '../../../local/shared/accounts';
import { type AwsEndpoint, startAwsEndpoint } from '../../../local/aws-endpoint';
import { type HttpApi, startHttpApi } from '../../../local/http-api';
import { dynamoDbEndpoint } from '../../support/dynamodb-local';
import { endpointSecretBox, TEST_SECRETS_KEY } from '../../support/local-kms';
import { localSigningKeys, TEST_SIGNING_KEY } from '../../support/local-signing-keys';
import { createTestTable, type TestTable } from '../../support/table';

/** The deployed API's route keys (lib/webhook-delivery.ts addRoutes). */
export const API_ROUTE_KEYS = [
  { routeKey: 'GET /v1/event-types' },
  { routeKey: 'GET /health' },
  { routeKey: 'ANY /v1/{proxy+}' },
  { routeKey: 'GET /portal' },
  { routeKey: 'GET /portal/{file}' },
];
export const RETRY_QUEUE = 'retry';
/** Limits no test reaches by accident (the defaults are request-limit-settings.ts's). */
export const GENEROUS_REQUEST_LIMITS: Record<string, string> = Object.fromEntries(Object.values(REQUEST_LIMITS_ENV).map((name) => [name, '100000']));
export const SCHEDULE_GROUP = 'webhook-retries';

export interface Harness {
  readonly url: string;
  readonly table: TestTable;
  readonly aws: AwsEndpoint;
  /** The management side of the table, as the admin CLI uses it. */
  readonly store: ManagementStore;
  /** The dispatcher's side of the table, to seed deliveries as the dispatcher writes them. */
  readonly dispatcherStore: DynamoDbDeliveryStore;
  /** Seals and opens endpoint secrets with the local KMS, as the functions do. */
  readonly sealer: SecretSealer;
  newAccount(options?: { maxEndpoints?: number; webhooksEnabled?: boolean }): Promise<CreatedKey>;
  /** JSON request with `Authorization: Bearer <apiKey>` when given. */
  request(method: string, path: string, options?: RequestOptions): Promise<ApiAnswer>;
  /** Retry messages waiting on the dispatch queue. */
  retryMessages(): unknown[];
  close(): Promise<void>;
}

export interface RequestOptions {
  apiKey?: string;
  body?: unknown;
  /** Sent as is (no JSON encoding). */
  rawBody?: string | Buffer;
  headers?: Record<string, string>;
}

export interface ApiAnswer {
  status: number;
  headers: Headers;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read arbitrary answer shapes
}

const lambdaContext = {
  functionName: 'management-api',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:management-api',
  memoryLimitInMB: '256',
  awsRequestId: 'local',
  logGroupName: '/aws/lambda/management-api',
  logStreamName: 'local',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 30_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
} as Context;

/**
 * Starts everything. With `app` the given app answers (tests that need an injected DNS
 * lookup); otherwise lambdas/api/handler.ts is imported with `env` applied, as Lambda would load it.
 */
export async function startHarness(
  options: {
    env?: Record<string, string>;
    app?: (settings: { table: TestTable; queueUrl: string; sealer: SecretSealer }) => ApiHandler;
    /** The table with its stream, as deployed (for tests that read what the stream carries). */
    stream?: boolean;
  } = {},
): Promise<Harness> {
  const table = await createTestTable({ stream: options.stream ?? false });
  const aws = await startAwsEndpoint({
    port: 0,
    queues: [{ name: RETRY_QUEUE }],
    buses: [],
    scheduleGroups: [SCHEDULE_GROUP],
    dynamoDbEndpoint: dynamoDbEndpoint(),
    kmsKeys: [TEST_SECRETS_KEY, TEST_SIGNING_KEY],
  });
  const queueUrl = aws.sqs.queueUrl(RETRY_QUEUE);
  const { box: sealer, kms } = endpointSecretBox(aws.url);
  Object.assign(process.env, {
    TABLE_NAME: table.tableName,
    RETRY_QUEUE_URL: queueUrl,
    SCHEDULE_GROUP_NAME: SCHEDULE_GROUP,
    ALLOW_PRIVATE_ENDPOINTS: 'true',
    AWS_ENDPOINT_URL: aws.url,
    SECRETS_KEY_ARN: TEST_SECRETS_KEY.arn,
    SIGNING_KEY_ARN: TEST_SIGNING_KEY.arn,
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    // Tests fire requests faster than any customer may (request-limits.ts); those that test the limits set their own.
    ...GENEROUS_REQUEST_LIMITS,
    ...options.env,
  });
  let invoke: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
  if (options.app) {
    invoke = options.app({ table, queueUrl, sealer });
  } else {
    const { handler } = await import('../../../lambdas/api/handler');
    invoke = (event) => handler(event, lambdaContext);
  }
  const api: HttpApi = await startHttpApi({ port: 0, routes: API_ROUTE_KEYS, invoke });
  // The API's own signing keys (the same local KMS key): links the CLI functions mint work on it.
  const store = new ManagementStore(table.client, table.tableName, 30, sealer, localSigningKeys(kms));
  const dispatcherStore = new DynamoDbDeliveryStore(store.table, sealer);

  return {
    url: api.url,
    table,
    aws,
    store,
    dispatcherStore,
    sealer,
    newAccount: (accountOptions = {}) => createAccount(store, { name: 'Test account', ...accountOptions }),
    async request(method, path, requestOptions = {}) {
      const headers: Record<string, string> = { ...requestOptions.headers };
      if (requestOptions.apiKey) headers.authorization = `Bearer ${requestOptions.apiKey}`;
      let body: string | Buffer | undefined = requestOptions.rawBody;
      if (requestOptions.body !== undefined) {
        body = JSON.stringify(requestOptions.body);
        headers['content-type'] ??= 'application/json';
      }
      const response = await fetch(`${api.url}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
      const text = await response.text();
      let json: unknown;
      try {
        json = text === '' ? undefined : JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: response.status, headers: response.headers, text, json };
    },
    retryMessages: () => aws.sqs.peekMessages(RETRY_QUEUE).map((message) => JSON.parse(message.body) as unknown),
    async close() {
      await api.close();
      kms.destroy();
      await aws.close();
      await table.drop();
    },
  };
}

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface Receiver {
  url: string;
  requests: ReceivedRequest[];
  /** Changes the answer for later requests. */
  respondWith(status: number, body?: string): void;
  close(): Promise<void>;
}

/** A real webhook receiver on 127.0.0.1 that records every request. */
export async function startReceiver(status = 200, body = '{"received":true}'): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  let answer = { status, body };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks/georedir`,
    requests,
    respondWith(newStatus, newBody = '') {
      answer = { status: newStatus, body: newBody };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A harness and one account in it: what most API test files start with. */
export async function startHarnessWithAccount(options?: { maxEndpoints?: number }): Promise<{ h: Harness; apiKey: string; accountId: string }> {
  const h = await startHarness();
  const { apiKey, accountId } = await h.newAccount(options);
  return { h, apiKey, accountId };
}
