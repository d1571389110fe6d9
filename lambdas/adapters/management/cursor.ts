// Paging cursors: opaque to clients and signed, so an edited or foreign cursor is refused (400)
// instead of steering a query. Format: <base64url JSON position>.<key id>.<base64url HMAC-SHA256>,
// signed with the day's key derived from the stack's KMS HMAC key (kms-signing-keys.ts): nothing
// kept in the table can sign one, and a cursor from a few days back no longer opens anything.
import type { KMSClient } from '@aws-sdk/client-kms';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { KmsSigningKeys, type SigningKeys } from '../kms-signing-keys';

/** A paging session is minutes long; two days back covers one that crosses midnight, with room. */
const CURSOR_KEY_ACCEPTED_DAYS = 2;

/** The signing keys of paging cursors (the management API's composition makes them). */
export function cursorSigningKeys(kms: Pick<KMSClient, 'send'>, keyArn: string): SigningKeys {
  return new KmsSigningKeys(kms, keyArn, 'cursor', CURSOR_KEY_ACCEPTED_DAYS);
}

/** A paging cursor that is malformed, edited, too old, or belongs to another list. */
export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
  constructor() {
    super('cursor is not valid for this list');
  }
}

const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

export class CursorCodec {
  constructor(
    /** Undefined for a store that pages no lists (the admin CLI's, the local run's): using it then is a bug. */
    private readonly keys: SigningKeys | undefined,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** `scope` names the list (account and filters): a cursor only opens the list it came from. */
  async encode(position: Record<string, unknown>, scope: string): Promise<string> {
    const payload = Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
    const { id, key } = await this.signingKeys().current(this.now());
    return `${payload}.${id}.${sign(key, id, payload, scope)}`;
  }

  async decode(cursor: string, scope: string): Promise<Record<string, unknown>> {
    const [payload, keyId, signature, ...rest] = cursor.split('.');
    if (!payload || !keyId || !signature || rest.length > 0 || !KEY_ID_PATTERN.test(keyId)) throw new InvalidCursorError();
    const key = await this.signingKeys().byId(keyId, this.now());
    if (!key) throw new InvalidCursorError();
    const expected = Buffer.from(sign(key, keyId, payload, scope), 'base64url');
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new InvalidCursorError();
    const position: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (typeof position !== 'object' || position === null || Array.isArray(position)) throw new InvalidCursorError();
    return position as Record<string, unknown>;
  }

  private signingKeys(): SigningKeys {
    if (!this.keys) throw new Error('this management store was made without cursor signing keys: it cannot page lists');
    return this.keys;
  }
}

function sign(key: Buffer, keyId: string, payload: string, scope: string): string {
  return createHmac('sha256', key).update(`${scope}\n${keyId}\n${payload}`, 'utf8').digest('base64url');
}
