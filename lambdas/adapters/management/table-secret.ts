// A random 32-byte signing key kept in the table (CONFIG / <name>), made on first use, so a
// deployment needs no secret of its own. Paging cursors and portal tokens each have one.
import { randomBytes } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { conditionHeld, type Table } from '../dynamodb-table';
import { type ItemKey, PK } from '../table-keys';

export class TableSecret {
  private key: Promise<Buffer> | undefined;

  constructor(
    private readonly table: Table,
    private readonly itemKey: ItemKey,
    /** Names the key in the error when it can be neither read nor made. */
    private readonly label: string,
  ) {}

  /** The key, read once per instance; a failed read is tried again on the next call. */
  get(): Promise<Buffer> {
    this.key ??= this.load().catch((error: unknown) => {
      this.key = undefined;
      throw error;
    });
    return this.key;
  }

  private async load(): Promise<Buffer> {
    // Two instances may make one at once: the conditional put lets one win, and both read the winner.
    for (let tries = 0; tries < 3; tries += 1) {
      const { Item } = await this.table.documents.send(new GetCommand({ TableName: this.table.name, Key: this.itemKey, ConsistentRead: true }));
      if (Item?.key instanceof Uint8Array) return Buffer.from(Item.key);
      await conditionHeld(
        this.table.documents.send(
          new PutCommand({
            TableName: this.table.name,
            Item: { ...this.itemKey, key: randomBytes(32) },
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: { '#pk': PK },
          }),
        ),
      );
    }
    throw new Error(`could not read or create the ${this.label}`);
  }
}
