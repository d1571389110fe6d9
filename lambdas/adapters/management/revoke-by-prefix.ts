// Revoking a key by its visible prefix, the same for API keys and admin keys: the prefix item
// points to the key's hash, and the key item is stamped revokedAt (the first time is kept).
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { stripInternalAttributes, type Table } from '../dynamodb-table';
import { type ItemKey, PK } from '../table-keys';

/** The revoked key's record; undefined when no key has this prefix. */
export async function revokeByPrefix<T>(table: Table, prefixKey: ItemKey, keyOf: (keyHash: string) => ItemKey, at: string): Promise<T | undefined> {
  const { Item } = await table.documents.send(new GetCommand({ TableName: table.name, Key: prefixKey, ConsistentRead: true }));
  const keyHash = Item?.keyHash;
  if (typeof keyHash !== 'string') return undefined;
  const { Attributes } = await table.documents.send(
    new UpdateCommand({
      TableName: table.name,
      Key: keyOf(keyHash),
      UpdateExpression: 'SET revokedAt = if_not_exists(revokedAt, :at)',
      ConditionExpression: 'attribute_exists(#pk)',
      ExpressionAttributeNames: { '#pk': PK },
      ExpressionAttributeValues: { ':at': at },
      ReturnValues: 'ALL_NEW',
    }),
  );
  return stripInternalAttributes<T>(Attributes);
}
