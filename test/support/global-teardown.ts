// Stops the DynamoDB Local that global-setup started (jest runs both in the same process).
import { GLOBAL_HANDLE_KEY, type DynamoDbLocal } from './dynamodb-local';

export default async function globalTeardown(): Promise<void> {
  const handle = (globalThis as Record<string, unknown>)[GLOBAL_HANDLE_KEY] as DynamoDbLocal | undefined;
  if (!handle) return;
  await handle.stop();
  delete (globalThis as Record<string, unknown>)[GLOBAL_HANDLE_KEY];
}
