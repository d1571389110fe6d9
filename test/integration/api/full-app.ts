// The management API with every real part a test may want to watch: its own DynamoDB client (to
// record what it touches), portal and cursor signing keys from a KMS in this process, the real
// retry scheduler on the harness's local SQS and Scheduler, test sends to 127.0.0.1, and the log
// the test gives (to read the audit lines). Pass to startHarness as `app`.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createHttpSender } from '../../../lambdas/adapters/http-sender';
import { cursorSigningKeys } from '../../../lambdas/adapters/management/cursor';
import { ManagementStore } from '../../../lambdas/adapters/management-store';
import { createRetryScheduler } from '../../../lambdas/adapters/retry-scheduler';
import type { SecretSealer } from '../../../lambdas/adapters/secret-box';
import { type ApiHandler, createManagementApi } from '../../../lambdas/api/app';
import { portalSigningKeys } from '../../../lambdas/api/portal-tokens';
import type { Log } from '../../../lambdas/shared/logger';
import { KmsEngine } from '../../../local/aws-endpoint/kms';
import { testApiDependencies } from '../../support/api-dependencies';
import { DYNAMODB_LOCAL_CLIENT_DEFAULTS, dynamoDbEndpoint } from '../../support/dynamodb-local';
import { inProcessKmsClient, TEST_SECRETS_KEY } from '../../support/local-kms';
import { localClientConfig } from '../../support/sdk-clients';
import type { TestTable } from '../../support/table';
import { type Harness, type Receiver, SCHEDULE_GROUP, startHarness, startReceiver } from './harness';

const SIGNING_KEY = { keyId: '66666666-6666-4666-8666-666666666666', arn: 'arn:aws:kms:us-east-1:000000000000:key/66666666-6666-4666-8666-666666666666', keySpec: 'HMAC_256' } as const;

export interface FullApp {
  /** The harness's `app` option. */
  readonly app: (settings: { table: TestTable; queueUrl: string; sealer: SecretSealer }) => ApiHandler;
  /** Destroys the clients the app made. */
  destroy(): void;
}

export interface FullAppOptions {
  /** Called with the app's DynamoDB client before its first use (attach recorders here). */
  readonly onClient?: (client: DynamoDBClient) => void;
  readonly log?: Log;
}

/** A harness around the full app, and a receiver for its endpoints; `close` ends all three. */
export async function startFullApp(options: FullAppOptions = {}): Promise<{ h: Harness; receiver: Receiver; close(): Promise<void> }> {
  const app = fullApp(options);
  const receiver = await startReceiver();
  const h = await startHarness({ app: app.app });
  return {
    h,
    receiver,
    close: async () => {
      await receiver.close();
      await h.close();
      app.destroy();
    },
  };
}

export function fullApp(options: FullAppOptions = {}): FullApp {
  const clients: { destroy(): void }[] = [];
  return {
    app: ({ table, queueUrl, sealer }) => {
      const aws = localClientConfig(process.env.AWS_ENDPOINT_URL!);
      const dynamodb = new DynamoDBClient({ ...DYNAMODB_LOCAL_CLIENT_DEFAULTS, endpoint: dynamoDbEndpoint() });
      options.onClient?.(dynamodb);
      const sqs = new SQSClient(aws);
      const scheduler = new SchedulerClient(aws);
      const kms = inProcessKmsClient(new KmsEngine([TEST_SECRETS_KEY, SIGNING_KEY]));
      clients.push(dynamodb, sqs, scheduler, kms);
      return createManagementApi(
        testApiDependencies({
          config: { allowPrivateEndpoints: true, retrySchedule: [60, 1800], testSendTimeoutMs: 2000, testSendsPerMinute: 100 },
          store: new ManagementStore(dynamodb, table.tableName, 1, sealer, {
            portalKeys: portalSigningKeys(kms, SIGNING_KEY.arn),
            cursorKeys: cursorSigningKeys(kms, SIGNING_KEY.arn),
          }),
          sender: createHttpSender({ allowPrivate: true, timeoutMs: 2000 }),
          retries: createRetryScheduler({ sqs, scheduler, queueUrl, scheduleGroupName: SCHEDULE_GROUP }),
          userAgent: 'GeoRedir-Webhooks/test',
          ...(options.log ? { log: options.log } : {}),
        }),
      );
    },
    destroy: () => clients.forEach((client) => client.destroy()),
  };
}
