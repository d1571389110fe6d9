import { AUDIT_MESSAGE, auditRecord, createAudit } from '../../../lambdas/api/audit';
import type { AuthContext } from '../../../lambdas/api/router';
import type { Account } from '../../../lambdas/domain/model';

const account = { accountId: 'acct_1', name: 'A', webhooksEnabled: true, maxEndpoints: 10, endpointCount: 1 } as unknown as Account;

describe('audit records', () => {
  test('an API key names its account and key prefix', () => {
    expect(auditRecord({ kind: 'apiKey', account, keyPrefix: 'grw_AbCd1234' }, { action: 'endpoint.update', resource: 'ep_1', details: { fields: ['url'] } })).toEqual({
      action: 'endpoint.update',
      accountId: 'acct_1',
      resource: 'ep_1',
      credential: 'apiKey',
      keyPrefix: 'grw_AbCd1234',
      details: { fields: ['url'] },
    });
  });

  test('a portal link names its scope and minter, never a token', () => {
    const portal = { kind: 'portal', account, expiresAt: '2026-01-01T00:00:00.000Z', scope: 'manage', mintedBy: 'gra_AbCd1234' } as AuthContext;
    expect(auditRecord(portal, { action: 'endpoint.delete', resource: 'ep_1' })).toEqual({
      action: 'endpoint.delete',
      accountId: 'acct_1',
      resource: 'ep_1',
      credential: 'portal',
      portalScope: 'manage',
      portalMintedBy: 'gra_AbCd1234',
    });
  });

  test('an admin key acts on the account the entry names; the CLI on its operator\'s behalf', () => {
    expect(auditRecord({ kind: 'admin', keyPrefix: 'gra_AbCd1234' }, { action: 'portal_link.mint', accountId: 'acct_2' })).toEqual({
      action: 'portal_link.mint',
      accountId: 'acct_2',
      credential: 'admin',
      keyPrefix: 'gra_AbCd1234',
    });
    expect(auditRecord({ kind: 'cli', operator: 'ops' }, { action: 'admin_key.revoke', resource: 'gra_AbCd1234' })).toEqual({
      action: 'admin_key.revoke',
      resource: 'gra_AbCd1234',
      credential: 'cli',
      operator: 'ops',
    });
  });

  test('one info line per change, message "audit"', () => {
    const lines: unknown[][] = [];
    const audit = createAudit({ info: (...args: unknown[]) => lines.push(args) });
    audit({ kind: 'admin', keyPrefix: 'gra_AbCd1234' }, { action: 'portal_links.revoke', accountId: 'acct_3' });
    expect(lines).toEqual([[AUDIT_MESSAGE, { audit: { action: 'portal_links.revoke', accountId: 'acct_3', credential: 'admin', keyPrefix: 'gra_AbCd1234' } }]]);
  });
});
