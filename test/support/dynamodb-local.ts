// Test-side access to the one DynamoDB Local that global-setup starts for the integration project.
export { startDynamoDbLocal, DYNAMODB_LOCAL_CLIENT_DEFAULTS } from '../../local/dynamodb-local';
export type { DynamoDbLocal, DynamoDbLocalOptions } from '../../local/dynamodb-local';

/** The handle global-setup leaves on globalThis for global-teardown (same process). */
export const GLOBAL_HANDLE_KEY = '__georedirDynamoDbLocal';

export function dynamoDbEndpoint(): string {
  const endpoint = process.env.DYNAMODB_ENDPOINT;
  if (!endpoint) throw new Error('DYNAMODB_ENDPOINT is not set: run integration tests through jest (global-setup starts DynamoDB Local)');
  return endpoint;
}
