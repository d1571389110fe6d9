import { type AwsEndpoint, startAwsEndpoint } from '../../local/aws-endpoint';
import { dynamoDbEndpoint } from './dynamodb-local';
import { TEST_SECRETS_KEY } from './local-kms';
// A dispatcher environment with every required variable, for tests that load its config without AWS.
export const DISPATCHER_TEST_ENV = {
  TABLE_NAME: 't',
  RETRY_QUEUE_URL: 'https://sqs.example/retry',
  SCHEDULE_GROUP_NAME: 'g',
  RETRY_QUEUE_ARN: 'arn:aws:sqs:eu-west-1:000000000000:retry',
  SCHEDULER_ROLE_ARN: 'arn:aws:iam::000000000000:role/r',
  SCHEDULER_DEAD_LETTER_QUEUE_ARN: 'arn:aws:sqs:eu-west-1:000000000000:dlq',
  EVENT_BUS_NAME: 'b',
  SECRETS_KEY_ARN: 'arn:aws:kms:eu-west-1:000000000000:key/k',
} as const;

/**
 * The environment of a dispatcher running against a local AWS endpoint (its retry queue, the
 * test table, the test secrets key) with real AWS SDK clients; `extra` adds or overrides.
 */
export function localDispatcherEnv(
  aws: { url: string; sqs: { queueUrl(name: string): string; queueArn(name: string): string } },
  settings: { tableName: string; retryQueue: string; secretsKeyArn: string; busName?: string },
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: aws.url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    TABLE_NAME: settings.tableName,
    RETRY_QUEUE_URL: aws.sqs.queueUrl(settings.retryQueue),
    RETRY_QUEUE_ARN: aws.sqs.queueArn(settings.retryQueue),
    SCHEDULER_ROLE_ARN: 'arn:aws:iam::000000000000:role/webhook-retry-scheduler',
    SCHEDULER_DEAD_LETTER_QUEUE_ARN: aws.sqs.queueArn('scheduler-dlq'),
    SCHEDULE_GROUP_NAME: 'webhook-retries',
    EVENT_BUS_NAME: settings.busName ?? 'georedir-webhooks',
    EVENT_SOURCE: 'georedir',
    ALLOW_PRIVATE_ENDPOINTS: 'true',
    SECRETS_KEY_ARN: settings.secretsKeyArn,
    ...extra,
  };
}

/** The local AWS endpoint a dispatcher test runs against: DynamoDB Local, its retry queue, a bus, the secrets key. */
export function startDispatcherAws(retryQueue: string, busName = 'georedir-webhooks'): Promise<AwsEndpoint> {
  return startAwsEndpoint({
    port: 0,
    dynamoDbEndpoint: dynamoDbEndpoint(),
    queues: [{ name: retryQueue, visibilityTimeout: 60 }],
    buses: [{ busName, rules: [] }],
    scheduleGroups: ['webhook-retries'],
    kmsKeys: [TEST_SECRETS_KEY],
  });
}
