// Starts one DynamoDB Local for the whole integration project; workers inherit its endpoint.
import { DYNAMODB_LOCAL_CLIENT_DEFAULTS, GLOBAL_HANDLE_KEY, startDynamoDbLocal } from './dynamodb-local';

export default async function globalSetup(): Promise<void> {
  // The SDK needs credentials and a region; never real ones in tests.
  process.env.AWS_ACCESS_KEY_ID ??= DYNAMODB_LOCAL_CLIENT_DEFAULTS.credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY ??= DYNAMODB_LOCAL_CLIENT_DEFAULTS.credentials.secretAccessKey;
  process.env.AWS_REGION ??= DYNAMODB_LOCAL_CLIENT_DEFAULTS.region;

  const dynamoDb = await startDynamoDbLocal();
  process.env.DYNAMODB_ENDPOINT = dynamoDb.endpoint;
  (globalThis as Record<string, unknown>)[GLOBAL_HANDLE_KEY] = dynamoDb;
  if (process.env.DEBUG_DYNAMODB_LOCAL) console.log(`\nDynamoDB Local ready at ${dynamoDb.endpoint} in ${dynamoDb.startupMs} ms`);
}
