// The audit trail: one structured log line (message `audit`) per change made through the API or
// the admin CLI, and per secret revealed: what was done, to which account and resource, with which
// kind of credential and which key (by its visible prefix). Never a secret, a key, a token, a
// header value, a URL or a body: a line names fields, not their values. The function's log group
// keeps the lines (CloudWatch Logs Insights: `filter message = "audit"`); docs/security.md says so.
import type { Log } from '../shared/logger';
import type { AdminAuth, AuthContext } from './router';

export const AUDIT_MESSAGE = 'audit';

export type AuditAction =
  | 'endpoint.create'
  | 'endpoint.update'
  | 'endpoint.delete'
  | 'endpoint.rotate_secret'
  | 'endpoint.reveal_secret'
  | 'endpoint.enable'
  | 'endpoint.recover'
  | 'endpoint.test'
  | 'delivery.redeliver'
  | 'portal_link.mint'
  | 'portal_links.revoke'
  | 'account.create'
  | 'api_key.create'
  | 'api_key.revoke'
  | 'admin_key.create'
  | 'admin_key.revoke';

/** The operator at the admin CLI: AWS credentials, not a key of ours. */
export interface CliActor {
  readonly kind: 'cli';
  /** The local user name, when the machine tells it. */
  readonly operator?: string;
}

/** Who acted: an API request's credential, or the admin CLI. */
export type AuditActor = AuthContext | AdminAuth | CliActor;

type DetailValue = string | number | boolean | readonly string[];

export interface AuditEntry {
  readonly action: AuditAction;
  /** The account the change is about (absent for admin keys, which belong to no account). */
  readonly accountId?: string;
  /** The endpoint, delivery or key (by its visible prefix) changed or revealed. */
  readonly resource?: string;
  /** Names and counts only, never values: a PATCH's field names, how many deliveries a recover queued. */
  readonly details?: Readonly<Record<string, DetailValue>>;
}

/** The line's `audit` field. */
export interface AuditRecord extends AuditEntry {
  readonly credential: AuditActor['kind'];
  /** The API or admin key used (its visible prefix, never the key). */
  readonly keyPrefix?: string;
  /** A portal link's scope and the admin key that minted it ('cli' for the CLI). */
  readonly portalScope?: string;
  readonly portalMintedBy?: string;
  readonly operator?: string;
}

export function auditRecord(actor: AuditActor, entry: AuditEntry): AuditRecord {
  const who = ((): Omit<AuditRecord, keyof AuditEntry> => {
    switch (actor.kind) {
      case 'apiKey':
      case 'admin':
        return { credential: actor.kind, keyPrefix: actor.keyPrefix };
      case 'portal':
        return { credential: 'portal', portalScope: actor.scope, portalMintedBy: actor.mintedBy };
      case 'cli':
        return { credential: 'cli', ...(actor.operator === undefined ? {} : { operator: actor.operator }) };
    }
  })();
  const accountId = entry.accountId ?? (actor.kind === 'apiKey' || actor.kind === 'portal' ? actor.account.accountId : undefined);
  return {
    action: entry.action,
    ...(accountId === undefined ? {} : { accountId }),
    ...(entry.resource === undefined ? {} : { resource: entry.resource }),
    ...who,
    ...(entry.details === undefined ? {} : { details: entry.details }),
  };
}

/** Records one change; routes call it after the change succeeded. */
export type Audit = (actor: AuditActor, entry: AuditEntry) => void;

export function createAudit(log: Pick<Log, 'info'>): Audit {
  return (actor, entry) => log.info(AUDIT_MESSAGE, { audit: auditRecord(actor, entry) });
}
