// Paging cursors: opaque to clients and signed, so an edited or foreign cursor is refused (400)
// instead of steering a query. The signing key is random, made on first use and kept in the
// table, so deployments need no secret of their own.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { conditionHeld, type Table } from '../dynamodb-table';
import { keys, PK } from '../table-keys';

/** A paging cursor that is malformed, edited, or belongs to another list. */
export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
  constructor() {
    super('cursor is not valid for this list');
  }
}

export class CursorCodec {
  private key: Promise<Buffer> | undefined;

  constructor(private readonly table: Table) {}

  /** `scope` names the list (account and filters): a cursor only opens the list it came from. */
  async encode(position: Record<string, unknown>, scope: string): Promise<string> {
    const payload = Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
    return `${payload}.${await this.sign(payload, scope)}`;
  }

  async decode(cursor: string, scope: string): Promise<Record<string, unknown>> {
    const [payload, signature, ...rest] = cursor.split('.');
    if (!payload || !signature || rest.length > 0) throw new InvalidCursorError();
    const expected = Buffer.from(await this.sign(payload, scope), 'base64url');
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new InvalidCursorError();
    const position: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (typeof position !== 'object' || position === null || Array.isArray(position)) throw new InvalidCursorError();
    return position as Record<string, unknown>;
  }

  private async sign(payload: string, scope: string): Promise<string> {
    return createHmac('sha256', await this.signingKey())
      .update(`${scope}\n${payload}`, 'utf8')
      .digest('base64url');
  }

  private signingKey(): Promise<Buffer> {
    this.key ??= this.loadKey().catch((error: unknown) => {
      this.key = undefined;
      throw error;
    });
    return this.key;
  }

  private async loadKey(): Promise<Buffer> {
    for (let tries = 0; tries < 3; tries += 1) {
      const { Item } = await this.table.documents.send(new GetCommand({ TableName: this.table.name, Key: keys.cursorKey(), ConsistentRead: true }));
      if (Item?.key instanceof Uint8Array) return Buffer.from(Item.key);
      await conditionHeld(
        this.table.documents.send(
          new PutCommand({
            TableName: this.table.name,
            Item: { ...keys.cursorKey(), key: randomBytes(32) },
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: { '#pk': PK },
          }),
        ),
      );
    }
    throw new Error('could not read or create the cursor signing key');
  }
}
