// Paging cursors: opaque to clients and signed, so an edited or foreign cursor is refused (400)
// instead of steering a query. The signing key is random, made on first use and kept in the
// table, so deployments need no secret of their own.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Table } from '../dynamodb-table';
import { keys } from '../table-keys';
import { TableSecret } from './table-secret';

/** A paging cursor that is malformed, edited, or belongs to another list. */
export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
  constructor() {
    super('cursor is not valid for this list');
  }
}

export class CursorCodec {
  private readonly key: TableSecret;

  constructor(table: Table) {
    this.key = new TableSecret(table, keys.cursorKey(), 'cursor signing key');
  }

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
    return createHmac('sha256', await this.key.get())
      .update(`${scope}\n${payload}`, 'utf8')
      .digest('base64url');
  }
}
