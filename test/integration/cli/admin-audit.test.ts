// The admin CLI's audit trail and key expiry: each change it makes writes one audit line (the
// API's shape, credential `cli`) naming keys by prefix only; create-key and create-admin-key take
// --expires-in-days, after which the API refuses the key.
import { AdminError, parseArgs, runAdminCommand } from '../../../cli/admin';
import type { Audit, AuditActor, AuditEntry } from '../../../lambdas/api/audit';
import { type Harness, startHarness } from '../api/harness';

let h: Harness;
const written: { actor: AuditActor; entry: AuditEntry }[] = [];
const audit: Audit = (actor, entry) => written.push({ actor, entry });

beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());

const run = (...argv: string[]) => runAdminCommand(parseArgs(argv), h.store, undefined, audit);

/** The audit entries `argv` wrote. */
async function auditOf(...argv: string[]): Promise<{ output: string; entries: AuditEntry[] }> {
  const from = written.length;
  const output = await run(...argv);
  const lines = written.slice(from);
  for (const { actor } of lines) expect(actor.kind).toBe('cli');
  return { output, entries: lines.map(({ entry }) => entry) };
}

test('every key operation writes its line, with the key\'s prefix and never the key', async () => {
  const account = await auditOf('create-account', '--name', 'Audited', '--json');
  const { accountId, apiKey } = JSON.parse(account.output) as { accountId: string; apiKey: string };
  expect(account.entries).toEqual([
    { action: 'account.create', accountId },
    { action: 'api_key.create', accountId, resource: apiKey.slice(0, 12) },
  ]);

  const key = await auditOf('create-key', '--account', accountId, '--expires-in-days', '30', '--json');
  const second = (JSON.parse(key.output) as { apiKey: string }).apiKey;
  expect(key.entries).toEqual([{ action: 'api_key.create', accountId, resource: second.slice(0, 12), details: { validUntil: expect.any(String) } }]);
  const validUntil = Date.parse(String(key.entries[0]!.details?.validUntil));
  expect(validUntil - Date.now()).toBeGreaterThan(29.9 * 86_400_000);
  expect(validUntil - Date.now()).toBeLessThanOrEqual(30 * 86_400_000);

  expect((await auditOf('revoke-key', '--key-prefix', second.slice(0, 12))).entries).toEqual([{ action: 'api_key.revoke', accountId, resource: second.slice(0, 12) }]);

  const admin = await auditOf('create-admin-key', '--name', 'ops', '--expires-in-days', '7', '--json');
  const { adminKey, keyPrefix } = JSON.parse(admin.output) as { adminKey: string; keyPrefix: string };
  expect(admin.entries).toEqual([{ action: 'admin_key.create', resource: keyPrefix, details: { validUntil: expect.any(String) } }]);
  expect(await run('list-admin-keys')).toMatch(new RegExp(`^${keyPrefix}  ops  created \\S+  active until \\S+$`, 'm'));
  expect((await auditOf('revoke-admin-key', keyPrefix)).entries).toEqual([{ action: 'admin_key.revoke', resource: keyPrefix }]);

  expect((await auditOf('revoke-portal-links', '--account', accountId)).entries).toEqual([{ action: 'portal_links.revoke', accountId }]);
  // Listing changes nothing.
  expect((await auditOf('list-accounts')).entries).toEqual([]);

  const everything = JSON.stringify(written);
  for (const secret of [apiKey, second, adminKey]) expect(everything).not.toContain(secret);
});

test('the default audit writes JSON lines in the API\'s shape to stderr, stdout keeping the answer', async () => {
  const lines: string[] = [];
  const { cliAudit } = await import('../../../cli/admin');
  cliAudit((line) => lines.push(line))({ kind: 'cli', operator: 'ops' }, { action: 'admin_key.revoke', resource: 'gra_AbCd1234' });
  expect(lines).toHaveLength(1);
  expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'INFO', message: 'audit', audit: { action: 'admin_key.revoke', resource: 'gra_AbCd1234', credential: 'cli', operator: 'ops' } });
});

test.each(['0', '-1', '1.5', 'ten', '3651'])('--expires-in-days %p is refused and creates nothing', async (days) => {
  const { accountId } = await h.newAccount();
  const before = written.length;
  await expect(run('create-key', '--account', accountId, '--expires-in-days', days)).rejects.toThrow(new AdminError('--expires-in-days must be a whole number from 1 to 3650'));
  expect(written.length).toBe(before);
  expect((await h.store.apiKeys.listApiKeys(accountId)).length).toBe(1);
});
