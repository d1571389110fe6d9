// The roles' table grants (lib/table-access.ts) against the code: the key builders of table-keys.ts
// each store uses give exactly the prefixes its role is granted, and no role reaches what is not its
// own. The integration tests check every key a broad run touches (test/support/table-access-recorder.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { keys } from '../../lambdas/adapters/table-keys';
import {
  CLI_ONLY_KEY_BUILDERS,
  COUNTS_TABLE_GRANTS,
  DISPATCHER_TABLE_GRANTS,
  grantPatterns,
  type KeyBuilder,
  leadingKeyPattern,
  MANAGEMENT_TABLE_GRANTS,
  type TableGrant,
} from '../../lib/table-access';
import { accessesOf, allowedBy, TableAccessRecorder } from '../support/table-access-recorder';

const root = join(__dirname, '..', '..');
const BUILDERS = new Set(Object.keys(keys) as KeyBuilder[]);

type Role = 'dispatcher' | 'management' | 'counts';

/**
 * Which role runs each file that builds table keys. A new file that builds keys fails the test
 * until it is placed here, so no store can reach the table unseen.
 */
const FILE_ROLES: Readonly<Record<string, readonly Role[]>> = {
  'lambdas/adapters/dynamodb-delivery-store.ts': ['dispatcher'],
  // Delivery items are read and written by both: the dispatcher's records, the API's redeliveries and test sends.
  'lambdas/adapters/delivery-items.ts': ['dispatcher', 'management'],
  'lambdas/adapters/dynamodb-hourly-counts-store.ts': ['counts'],
};
const MANAGEMENT_FOLDER = 'lambdas/adapters/management/';
/** Builders a role reaches through another role's file: test sends write their log line with the dispatcher's putLogPage. */
const BORROWED: Readonly<Record<Role, readonly KeyBuilder[]>> = { dispatcher: [], management: ['logPage'], counts: [] };

function sourceFiles(folder: string): string[] {
  return readdirSync(join(root, folder), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(folder, entry.name)) : entry.name.endsWith('.ts') ? [join(folder, entry.name)] : [],
  );
}

/** The table-keys builders a file calls (`keys.delivery(...)`, `keys.accountsIndex`). */
function buildersIn(file: string): KeyBuilder[] {
  const source = readFileSync(join(root, file), 'utf8');
  return [...source.matchAll(/\bkeys\.([A-Za-z]+)\b/g)].map((match) => match[1] as KeyBuilder).filter((name) => BUILDERS.has(name));
}

function rolesOf(file: string): readonly Role[] | undefined {
  if (file.startsWith(MANAGEMENT_FOLDER) || file === 'lambdas/adapters/management-store.ts') return ['management'];
  return FILE_ROLES[file];
}

function buildersByRole(): Record<Role, Set<KeyBuilder>> {
  const byRole: Record<Role, Set<KeyBuilder>> = { dispatcher: new Set(), management: new Set(), counts: new Set() };
  for (const file of sourceFiles('lambdas').map((path) => relative(root, join(root, path)))) {
    if (file === 'lambdas/adapters/table-keys.ts') continue;
    const builders = buildersIn(file);
    if (builders.length === 0) continue;
    const roles = rolesOf(file);
    if (!roles) throw new Error(`${file} builds table keys (${builders.join(', ')}): name its role in FILE_ROLES`);
    for (const role of roles) for (const builder of builders) byRole[role].add(builder);
  }
  for (const role of Object.keys(BORROWED) as Role[]) for (const builder of BORROWED[role]) byRole[role].add(builder);
  return byRole;
}

const patternsOf = (grants: readonly TableGrant[]) => new Set(grants.flatMap(grantPatterns));
const sorted = (values: Iterable<string>) => [...values].sort();

describe('the prefixes granted are those the stores build', () => {
  const byRole = buildersByRole();

  test('each builder has a prefix of its own kind of item: none starts another', () => {
    const patterns = [...BUILDERS].map((builder) => ({ builder, pattern: leadingKeyPattern(builder) }));
    for (const builder of BUILDERS) {
      const built = keys[builder];
      const value = typeof built === 'function' ? (built as (...args: string[]) => unknown)('acct', '3', 'ep', '2026-01-01T00') : built;
      const partitionKey = typeof value === 'string' ? value : (value as Record<string, string>).pk!;
      const matching = patterns.filter(({ pattern }) => (pattern.endsWith('*') ? partitionKey.startsWith(pattern.slice(0, -1)) : partitionKey === pattern));
      // Builders of one partition (logShard and logPage, rejectedDay and rejected) share a pattern; no other does.
      expect(new Set(matching.map(({ pattern }) => pattern))).toEqual(new Set([leadingKeyPattern(builder)]));
    }
  });

  test('the dispatcher: exactly what dynamodb-delivery-store.ts builds', () => {
    expect(sorted(patternsOf(DISPATCHER_TABLE_GRANTS))).toEqual(sorted(new Set([...byRole.dispatcher].map(leadingKeyPattern))));
    expect(sorted(patternsOf(DISPATCHER_TABLE_GRANTS))).toEqual([
      'ACCOUNT#*',
      'ACCOUNTENDPOINTS#*',
      'DELIVERY#*',
      'ENDPOINT#*',
      'LOG#*',
      'PILOT#*',
      'REJECTED#*',
      'SENDSLOTS#*',
    ]);
  });

  test('the management API: what its stores build, less what only the admin CLI does', () => {
    const used = new Set([...byRole.management].filter((builder) => !CLI_ONLY_KEY_BUILDERS.includes(builder)).map(leadingKeyPattern));
    expect(sorted(patternsOf(MANAGEMENT_TABLE_GRANTS))).toEqual(sorted(used));
    // The CLI-only builders are in use (else the list is stale) and granted to no role.
    for (const builder of CLI_ONLY_KEY_BUILDERS) {
      expect(byRole.management.has(builder)).toBe(true);
      for (const grants of [DISPATCHER_TABLE_GRANTS, MANAGEMENT_TABLE_GRANTS, COUNTS_TABLE_GRANTS]) expect(patternsOf(grants).has(leadingKeyPattern(builder))).toBe(false);
    }
  });

  test('the counts aggregator: its counts items only', () => {
    expect(sorted(patternsOf(COUNTS_TABLE_GRANTS))).toEqual(sorted(new Set([...byRole.counts].map(leadingKeyPattern))));
    expect(sorted(patternsOf(COUNTS_TABLE_GRANTS))).toEqual(['COUNTS#*']);
  });

  test('the dispatcher reaches no credential, key, idempotency record or rate window', () => {
    const dispatcher = patternsOf(DISPATCHER_TABLE_GRANTS);
    for (const builder of ['apiKey', 'apiKeyPrefix', 'adminKey', 'adminKeyPrefix', 'accountKeys', 'adminKeysIndex', 'accountsIndex', 'idempotency', 'rateWindow'] as const) {
      expect(dispatcher.has(leadingKeyPattern(builder))).toBe(false);
    }
  });

  test('the management API writes no key of its own accord: key items only in their last-use stamp, prefix items never', () => {
    const writes = MANAGEMENT_TABLE_GRANTS.filter((grant) => grant.actions.some((action) => action !== 'dynamodb:GetItem' && action !== 'dynamodb:BatchGetItem' && action !== 'dynamodb:Query'));
    for (const grant of writes) {
      const patterns = grantPatterns(grant);
      if (patterns.includes('APIKEY#*') || patterns.includes('ADMINKEY#*')) {
        expect(grant).toEqual({ actions: ['dynamodb:UpdateItem'], keys: ['apiKey', 'adminKey'], attributes: ['pk', 'sk', 'lastUsedAt'] });
      }
      expect(patterns).not.toContain('APIKEYPREFIX#*');
      expect(patterns).not.toContain('ADMINKEYPREFIX#*');
    }
  });
});

describe('the access checker the integration tests use', () => {
  test('reads a raw and a document command alike, and finds a query\'s partition', () => {
    expect(accessesOf('GetItemCommand', { Key: { pk: { S: 'ACCOUNT#a' }, sk: { S: 'ACCOUNT' } } })).toMatchObject([{ action: 'dynamodb:GetItem', leadingKeys: ['ACCOUNT#a'] }]);
    expect(
      accessesOf('QueryCommand', { IndexName: 'gsi1', KeyConditionExpression: '#pk = :pk', ExpressionAttributeNames: { '#pk': 'gsi1pk' }, ExpressionAttributeValues: { ':pk': 'ACCOUNTENDPOINTS#a' } }),
    ).toMatchObject([{ action: 'dynamodb:Query', index: true, leadingKeys: ['ACCOUNTENDPOINTS#a'] }]);
    expect(
      accessesOf('BatchExecuteStatementCommand', { Statements: [{ Statement: `INSERT INTO "t" VALUE {'pk':?,'sk':?}`, Parameters: [{ S: 'DELIVERY#d' }, { S: 'DELIVERY' }] }] }),
    ).toMatchObject([{ action: 'dynamodb:PartiQLInsert', leadingKeys: ['DELIVERY#d'] }]);
    expect(
      accessesOf('TransactWriteItemsCommand', { TransactItems: [{ Update: { Key: { pk: 'ACCOUNT#a', sk: 'ACCOUNT' } } }, { Delete: { Key: { pk: 'ENDPOINT#a#e', sk: 'ENDPOINT' } } }] }).map((access) => access.action),
    ).toEqual(['dynamodb:UpdateItem', 'dynamodb:DeleteItem']);
  });

  test('refuses what the grants do not name: another prefix, another action, an attribute past a restricted grant', () => {
    const get = (pk: string) => accessesOf('GetItemCommand', { Key: { pk, sk: 'x' } })[0]!;
    expect(allowedBy(DISPATCHER_TABLE_GRANTS, get('ACCOUNT#a'))).toBe(true);
    expect(allowedBy(DISPATCHER_TABLE_GRANTS, get('APIKEY#abc'))).toBe(false);
    expect(allowedBy(DISPATCHER_TABLE_GRANTS, accessesOf('ScanCommand', {})[0]!)).toBe(false);
    const stamp = (expression: string, returnValues?: string) =>
      accessesOf('UpdateItemCommand', {
        Key: { pk: 'ADMINKEY#h', sk: 'ADMINKEY' },
        UpdateExpression: expression,
        ConditionExpression: 'attribute_exists(#pk)',
        ExpressionAttributeNames: { '#pk': 'pk', '#used': 'lastUsedAt' },
        ...(returnValues ? { ReturnValues: returnValues } : {}),
      })[0]!;
    expect(allowedBy(MANAGEMENT_TABLE_GRANTS, stamp('SET #used = :now'))).toBe(true);
    expect(allowedBy(MANAGEMENT_TABLE_GRANTS, stamp('SET #used = :now REMOVE revokedAt'))).toBe(false);
    expect(allowedBy(MANAGEMENT_TABLE_GRANTS, stamp('SET #used = :now', 'ALL_NEW'))).toBe(false);
    expect(allowedBy(DISPATCHER_TABLE_GRANTS, stamp('SET #used = :now'))).toBe(false);
  });

  test('names the grants a run left unused', () => {
    const recorder = new TableAccessRecorder();
    expect(recorder.unused(COUNTS_TABLE_GRANTS)).toEqual(['dynamodb:UpdateItem COUNTS#*']);
    recorder.accesses.push(...accessesOf('UpdateItemCommand', { Key: { pk: 'COUNTS#a#e#3', sk: '2026-01-01T00' }, UpdateExpression: 'ADD succeeded :n' }));
    expect(recorder.unused(COUNTS_TABLE_GRANTS)).toEqual([]);
    expect(recorder.refused(COUNTS_TABLE_GRANTS)).toEqual([]);
  });
});
