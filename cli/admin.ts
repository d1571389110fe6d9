// Admin commands (README.md, "Management API"): accounts with their entitlement, API keys, admin
// keys, portal links, and the producer events nobody will get (rejected by the dispatcher, or left
// in the bus rule's dead-letter queue by EventBridge). The commands are functions over a
// ManagementStore (and the table and that queue, for `rejected`), so tests and chaos call them
// directly (account creation is local/shared/accounts.ts's, which the local run uses too); the CLI
// at the bottom only parses arguments and finds the table.
//
//   npm run admin -- create-account --name NAME [--max-endpoints N] [--webhooks-disabled] [--json]
//   npm run admin -- create-key --account ID [--expires-in-days N] [--json]
//   npm run admin -- revoke-key --key-prefix P [--json]
//   npm run admin -- list-accounts [--json]
//   npm run admin -- rejected --day YYYY-MM-DD [--json]
//   npm run admin -- portal-link --account ID [--ttl-minutes N] [--scope read|manage] [--api-url URL] [--json]
//   npm run admin -- revoke-portal-links --account ID [--json]
//   npm run admin -- create-admin-key [--name LABEL] [--expires-in-days N] [--json]
//   npm run admin -- revoke-admin-key PREFIX [--json]
//   npm run admin -- list-admin-keys [--json]
// Table: the local run's outputs.json (default; in LOCAL_OUTPUT_DIR when set, as `npm start`
// writes it), or a deployed stack's TableName output (--stack NAME [--region R]), or a table named
// outright (--table NAME [--region R]). The API's base URL for portal links and the rule's
// dead-letter queue come from the same place (apiUrl and ruleDeadLetterQueueUrl, the stack's ApiUrl
// and RuleDeadLetterQueueUrl) or --api-url. Portal links are signed with keys derived from the
// stack's KMS signing key, as the API derives them: the local run's signingKeyArn, the stack's
// SigningKey resource (cli/stack-signing-key.ts), or --signing-key ARN.
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { SQSClient } from '@aws-sdk/client-sqs';
import { noEndpointSecrets } from '../lambdas/adapters/endpoint-items';
import { type Account, type AdminKeyRecord, type ApiKeyRecord, ManagementStore } from '../lambdas/adapters/management-store';
import { isExpired } from '../lambdas/adapters/management/api-key-store';
import { generateAdminKey, isAdminKeyPrefix, isKeyPrefix } from '../lambdas/api/api-keys';
import { type Audit, type CliActor, createAudit } from '../lambdas/api/audit';
import {
  DEFAULT_PORTAL_SCOPE,
  DEFAULT_PORTAL_TTL_MINUTES,
  MAX_PORTAL_TTL_MINUTES,
  MIN_PORTAL_TTL_MINUTES,
  MINTED_BY_CLI,
  PORTAL_SCOPES,
  type PortalScope,
  portalSigningKeys,
} from '../lambdas/api/portal-tokens';
import { mintPortalLink, type PortalLink } from '../lambdas/api/services/portal-links';
import { Logger } from '../lambdas/shared/logger';
import { localOutputDir, OUTPUTS_FILE } from '../local/outputs';
import { AdminError, createAccount, createKey, KEY_ATTEMPTS, MAX_NAME_LENGTH } from '../local/shared/accounts';
import { DEAD_LETTER_HOLD_SECONDS, isDay, listRejectedEventsOfDay, listRuleDeadLetters, type RejectedEventRecord } from './rejected-events';
import { readStackOutputs, StackOutputsError } from './stack-outputs';
import { stackSigningKeyId } from './stack-signing-key';

// Account and key creation live in local/shared/accounts.ts, shared with the local run (which imports nothing of cli/).
export { AdminError, createAccount, createKey } from '../local/shared/accounts';

/** The text listing shows this much of each excerpt; --json has all of it. */
const EXCERPT_PREVIEW_CHARACTERS = 160;
/** The longest --expires-in-days: ten years. */
const MAX_KEY_DAYS = 3650;

export interface AccountSummary extends Account {
  readonly keys: readonly ApiKeyRecord[];
}

export async function revokeKey(store: ManagementStore, keyPrefix: string, now: Date = new Date()): Promise<ApiKeyRecord> {
  if (!isKeyPrefix(keyPrefix)) throw new AdminError('--key-prefix must be the 12-character visible prefix of a key, e.g. grw_AbCd1234');
  const revoked = await store.apiKeys.revokeApiKey(keyPrefix, now.toISOString());
  if (!revoked) throw new AdminError(`no key with prefix ${keyPrefix}`);
  return revoked;
}

export async function listAccounts(store: ManagementStore): Promise<AccountSummary[]> {
  const accounts = await store.accounts.listAccounts();
  return Promise.all(accounts.map(async (account) => ({ ...account, keys: await store.apiKeys.listApiKeys(account.accountId) })));
}

export interface CreatedAdminKey {
  readonly adminKey: string;
  readonly keyPrefix: string;
}

export async function createAdminKey(store: ManagementStore, input: { name?: string; validUntil?: string } = {}, now: Date = new Date()): Promise<CreatedAdminKey> {
  const name = input.name?.trim();
  if (name !== undefined && (name === '' || name.length > MAX_NAME_LENGTH)) throw new AdminError(`--name must be 1 to ${MAX_NAME_LENGTH} characters`);
  for (let attempt = 0; attempt < KEY_ATTEMPTS; attempt += 1) {
    const key = generateAdminKey();
    const result = await store.adminKeys.createAdminKey({
      keyHash: key.keyHash,
      keyPrefix: key.keyPrefix,
      ...(name === undefined ? {} : { name }),
      createdAt: now.toISOString(),
      ...(input.validUntil === undefined ? {} : { validUntil: input.validUntil }),
    });
    if (result === 'created') return { adminKey: key.key, keyPrefix: key.keyPrefix };
  }
  throw new AdminError('could not create a unique key; try again');
}

export async function revokeAdminKey(store: ManagementStore, keyPrefix: string, now: Date = new Date()): Promise<AdminKeyRecord> {
  if (!isAdminKeyPrefix(keyPrefix)) throw new AdminError('the prefix must be the 12-character visible prefix of an admin key, e.g. gra_AbCd1234');
  const revoked = await store.adminKeys.revokeAdminKey(keyPrefix, now.toISOString());
  if (!revoked) throw new AdminError(`no admin key with prefix ${keyPrefix}`);
  return revoked;
}

/**
 * A portal link for the account, on the API at `apiUrl` (the same token code as POST
 * /v1/admin/portal-links, minted by 'cli'); `store` must have been made with the portal signing keys.
 */
export async function portalLink(
  store: ManagementStore,
  input: { accountId: string; ttlMinutes?: number; scope?: PortalScope; apiUrl: string },
  now: Date = new Date(),
): Promise<PortalLink> {
  const ttlMinutes = input.ttlMinutes ?? DEFAULT_PORTAL_TTL_MINUTES;
  if (!Number.isInteger(ttlMinutes) || ttlMinutes < MIN_PORTAL_TTL_MINUTES || ttlMinutes > MAX_PORTAL_TTL_MINUTES) {
    throw new AdminError(`--ttl-minutes must be a whole number from ${MIN_PORTAL_TTL_MINUTES} to ${MAX_PORTAL_TTL_MINUTES}`);
  }
  if (!/^https?:\/\/[^\s#?]+$/.test(input.apiUrl)) throw new AdminError(`the API URL must be an http(s) URL without query or fragment, got ${input.apiUrl}`);
  const link = await mintPortalLink(store, {
    accountId: input.accountId,
    ttlMinutes,
    scope: input.scope ?? DEFAULT_PORTAL_SCOPE,
    mintedBy: MINTED_BY_CLI,
    apiBaseUrl: input.apiUrl,
    now,
  });
  if (!link) throw new AdminError(`no account ${input.accountId}`);
  return link;
}

/** Ends every portal link of the account issued until `now` (the same as POST /v1/admin/accounts/{accountId}/revoke-portal-links). */
export async function revokePortalLinks(store: ManagementStore, accountId: string, now: Date = new Date()): Promise<{ accountId: string; portalLinksValidAfter: string }> {
  const account = await store.accounts.revokePortalLinks(accountId, now.toISOString());
  if (!account?.portalLinksValidAfter) throw new AdminError(`no account ${accountId}`);
  return { accountId, portalLinksValidAfter: account.portalLinksValidAfter };
}

export interface RejectedEvent extends RejectedEventRecord {
  /** Who refused it: the dispatcher (its REJECTED# record) or EventBridge (the rule target's dead-letter queue). */
  readonly origin: 'dispatcher' | 'rule-dead-letter-queue';
}

export interface RejectedListing {
  readonly day: string;
  /** The dispatcher's records of the day, then every event in the rule's dead-letter queue (any day). */
  readonly events: RejectedEvent[];
  /** Why the dead-letter queue was not read, when it was not. */
  readonly deadLetterQueueNote?: string;
  readonly deadLetterQueueTruncated?: boolean;
}

export async function listRejected(table: TableTarget, day: string): Promise<RejectedListing> {
  if (!isDay(day)) throw new AdminError(`--day must be a date written YYYY-MM-DD, got ${day}`);
  const rejected = await listRejectedEventsOfDay(table.client, table.tableName, day);
  const events: RejectedEvent[] = rejected.map((event) => ({ origin: 'dispatcher', ...event }));
  const queue = table.ruleDeadLetterQueue;
  if (!queue) return { day, events, deadLetterQueueNote: table.ruleDeadLetterQueueNote ?? "the rule's dead-letter queue is unknown here" };
  let deadLetters: Awaited<ReturnType<typeof listRuleDeadLetters>>;
  try {
    deadLetters = await listRuleDeadLetters(queue.client, queue.url);
  } catch (error) {
    throw new AdminError(`cannot read the rule's dead-letter queue ${queue.url}: ${(error as Error).message}`);
  }
  events.push(...deadLetters.events.map((event): RejectedEvent => ({ origin: 'rule-dead-letter-queue', ...event })));
  return { day, events, ...(deadLetters.truncated ? { deadLetterQueueTruncated: true } : {}) };
}

// --- command line ----------------------------------------------------------------------------

interface ParsedArgs {
  readonly command: string | undefined;
  readonly flags: ReadonlyMap<string, string | true>;
  /** Arguments after the command that are not options (only commands in OPERAND_COMMANDS take one). */
  readonly operands: readonly string[];
}

const VALUE_FLAGS = new Set([
  'name',
  'max-endpoints',
  'account',
  'key-prefix',
  'day',
  'stack',
  'table',
  'region',
  'endpoint',
  'outputs',
  'ttl-minutes',
  'api-url',
  'scope',
  'signing-key',
  'expires-in-days',
]);
const SWITCHES = new Set(['json', 'webhooks-disabled', 'help']);
/** Commands that take one plain argument after their name. */
const OPERAND_COMMANDS = new Set(['revoke-admin-key']);

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const flags = new Map<string, string | true>();
  const operands: string[] = [];
  let command: string | undefined;
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index] ?? '';
    if (!arg.startsWith('--')) {
      if (command === undefined) command = arg;
      else if (OPERAND_COMMANDS.has(command) && operands.length === 0) operands.push(arg);
      else throw new AdminError(`unexpected argument ${arg}`);
      continue;
    }
    const [name = '', inline] = arg.slice(2).split(/=(.*)/s, 2);
    if (SWITCHES.has(name)) flags.set(name, true);
    else if (VALUE_FLAGS.has(name)) {
      const value = inline ?? argv[(index += 1)];
      if (value === undefined) throw new AdminError(`--${name} needs a value`);
      flags.set(name, value);
    } else throw new AdminError(`unknown option --${name}`);
  }
  return { command, flags, operands };
}

function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const value = args.flags.get(name);
  return typeof value === 'string' ? value : undefined;
}

function requiredFlag(args: ParsedArgs, name: string): string {
  const value = stringFlag(args, name);
  if (value === undefined) throw new AdminError(`--${name} is required`);
  return value;
}

export interface TableTarget {
  readonly tableName: string;
  readonly client: DynamoDBClient;
  /** The management API's base URL, where known (the local run's apiUrl, the stack's ApiUrl output). */
  readonly apiUrl?: string;
  /** Where EventBridge puts events it could not put on the dispatch queue, where known. */
  readonly ruleDeadLetterQueue?: { readonly url: string; readonly client: SQSClient };
  /** Why that queue is not known, for `rejected` to say. */
  readonly ruleDeadLetterQueueNote?: string;
  /** The KMS key portal tokens are signed with and a client for it, where known (portal-link needs it). */
  readonly signingKey?: { readonly keyId: string; readonly client: KMSClient };
  /** Why that key is not known, for portal-link to say. */
  readonly signingKeyNote?: string;
}

export interface ResolveTableOptions {
  readonly cwd?: string;
  /** LOCAL_OUTPUT_DIR is read from here (default process.env), as `npm start` and `emit` read it. */
  readonly env?: NodeJS.ProcessEnv;
  /** Asked for --stack instead of a client made for --region (tests point one at a fake). */
  readonly cloudFormation?: CloudFormationClient;
}

/**
 * The local run's table (via .local/outputs.json), a deployed stack's (its TableName output,
 * --stack), or one named outright (--table). --region and --endpoint apply to the last two.
 */
export async function resolveTable(args: ParsedArgs, options: ResolveTableOptions = {}): Promise<TableTarget> {
  const stack = stringFlag(args, 'stack');
  const table = stringFlag(args, 'table');
  const chosen = (['stack', 'table', 'outputs'] as const).filter((name) => stringFlag(args, name) !== undefined);
  if (chosen.length > 1) throw new AdminError(`choose one of ${chosen.map((name) => `--${name}`).join(', ')}`);
  const region = stringFlag(args, 'region');
  const endpoint = stringFlag(args, 'endpoint');
  const signingKeyFlag = stringFlag(args, 'signing-key');
  const awsClient = () => new DynamoDBClient({ ...(region ? { region } : {}), ...(endpoint ? { endpoint } : {}) });
  if (stack !== undefined) {
    let outputs: Record<string, string>;
    try {
      outputs = await readStackOutputs(stack, { region, client: options.cloudFormation, required: ['TableName'] });
    } catch (error) {
      throw error instanceof StackOutputsError ? new AdminError(error.message) : error;
    }
    // --endpoint is DynamoDB's; SQS is reached where the SDK's own settings say (AWS_ENDPOINT_URL_SQS).
    const ruleDeadLetterQueue = outputs.RuleDeadLetterQueueUrl
      ? { ruleDeadLetterQueue: { url: outputs.RuleDeadLetterQueueUrl, client: new SQSClient(region ? { region } : {}) } }
      : { ruleDeadLetterQueueNote: `stack ${stack} has no RuleDeadLetterQueueUrl output (deployed before it had one): deploy it again to list that queue here` };
    // Looked up only for the command that signs, so the others need no CloudFormation resource listing.
    let signingKeyId = signingKeyFlag;
    if (signingKeyId === undefined && args.command === 'portal-link') {
      try {
        signingKeyId = await stackSigningKeyId(stack, outputs, { region, client: options.cloudFormation });
      } catch (error) {
        throw error instanceof StackOutputsError ? new AdminError(error.message) : error;
      }
    }
    return {
      tableName: outputs.TableName as string,
      client: awsClient(),
      ...(outputs.ApiUrl ? { apiUrl: outputs.ApiUrl } : {}),
      ...ruleDeadLetterQueue,
      ...signingKeyTarget(signingKeyId, () => new KMSClient(region ? { region } : {}), `stack ${stack}'s signing key is looked up for portal-link only`),
    };
  }
  if (table !== undefined) {
    return {
      tableName: table,
      client: awsClient(),
      ruleDeadLetterQueueNote: "with --table the rule's dead-letter queue is not known: use --stack to list it too",
      ...signingKeyTarget(signingKeyFlag, () => new KMSClient(region ? { region } : {}), 'with --table the signing key is not known: name it with --signing-key ARN, or use --stack'),
    };
  }
  if (region !== undefined || endpoint !== undefined) throw new AdminError('--region and --endpoint go with --stack or --table');
  // The same file `npm start` writes and `npm run emit` reads (local/outputs.ts decides where).
  const cwd = options.cwd ?? process.cwd();
  const outputsFlag = stringFlag(args, 'outputs');
  const file = outputsFlag === undefined ? join(localOutputDir(cwd, options.env), OUTPUTS_FILE) : resolve(cwd, outputsFlag);
  let outputs: { tableName?: unknown; awsEndpoint?: unknown; region?: unknown; apiUrl?: unknown; ruleDeadLetterQueueUrl?: unknown; signingKeyArn?: unknown };
  try {
    outputs = JSON.parse(readFileSync(file, 'utf8')) as typeof outputs;
  } catch {
    throw new AdminError(`cannot read ${file}: start the local run (npm start) or name a deployed stack with --stack`);
  }
  if (typeof outputs.tableName !== 'string' || typeof outputs.awsEndpoint !== 'string') {
    throw new AdminError(`${file} has no tableName and awsEndpoint`);
  }
  // The local endpoint accepts any credentials; never send real ones to it.
  const local = {
    endpoint: outputs.awsEndpoint,
    region: typeof outputs.region === 'string' ? outputs.region : 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  };
  return {
    tableName: outputs.tableName,
    ...(typeof outputs.apiUrl === 'string' ? { apiUrl: outputs.apiUrl } : {}),
    client: new DynamoDBClient(local),
    ...(typeof outputs.ruleDeadLetterQueueUrl === 'string'
      ? { ruleDeadLetterQueue: { url: outputs.ruleDeadLetterQueueUrl, client: new SQSClient(local) } }
      : { ruleDeadLetterQueueNote: `${file} names no ruleDeadLetterQueueUrl: restart the local run to list that queue here` }),
    ...signingKeyTarget(
      signingKeyFlag ?? (typeof outputs.signingKeyArn === 'string' ? outputs.signingKeyArn : undefined),
      () => new KMSClient(local),
      `${file} names no signingKeyArn: restart the local run (npm start) to mint portal links`,
    ),
  };
}

/** The signing key's part of a TableTarget: the key and a client for it, or why it is unknown. */
function signingKeyTarget(keyId: string | undefined, client: () => KMSClient, note: string): Pick<TableTarget, 'signingKey' | 'signingKeyNote'> {
  return keyId === undefined ? { signingKeyNote: note } : { signingKey: { keyId, client: client() } };
}

const USAGE = `usage: admin <command> [options]
  create-account --name NAME [--max-endpoints N] [--webhooks-disabled] [--json]
  create-key --account ID [--expires-in-days N] [--json]
                                        a key refused after N days (at most ${MAX_KEY_DAYS}); without it the key never expires
  revoke-key --key-prefix P [--json]
  list-accounts [--json]
  rejected --day YYYY-MM-DD [--json]    producer events nobody will get, with the reason: those the dispatcher
                                        refused that day (UTC), and every event now in the bus rule's dead-letter
                                        queue (EventBridge could not put it on the dispatch queue; any day).
                                        Listing leaves the queue as it was: each message read is hidden for at
                                        most ${DEAD_LETTER_HOLD_SECONDS} s, then made visible again, never deleted
  portal-link --account ID [--ttl-minutes N] [--scope read|manage] [--api-url URL] [--json]
                                        a link to the account's portal, valid N minutes (default ${DEFAULT_PORTAL_TTL_MINUTES}, at most ${MAX_PORTAL_TTL_MINUTES});
                                        --scope read: it may only read (default ${DEFAULT_PORTAL_SCOPE}: it may change endpoints too)
  revoke-portal-links --account ID [--json]
                                        ends every portal link of the account issued until now, whoever minted it
  create-admin-key [--name LABEL] [--expires-in-days N] [--json]
                                        a key for the admin routes (POST /v1/admin/portal-links), shown once
  revoke-admin-key PREFIX [--json]      PREFIX: the 12-character prefix list-admin-keys shows
  list-admin-keys [--json]
table: .local/outputs.json (the local run; $LOCAL_OUTPUT_DIR/outputs.json when set; --outputs FILE to choose another),
       or --stack NAME [--region R] for a deployed stack (its TableName and RuleDeadLetterQueueUrl outputs, via CloudFormation),
       or --table NAME [--region R] [--endpoint URL] to name the table outright
api url (portal-link): the local run's apiUrl, the stack's ApiUrl output, or --api-url URL
signing key (portal-link): the local run's signingKeyArn, the stack's SigningKey (kms:GenerateMac on it), or --signing-key ARN`;

/** The commands runAdminCommand knows; anything else is refused before the table is looked up. */
export const ADMIN_COMMANDS: readonly string[] = [
  'create-account',
  'create-key',
  'revoke-key',
  'list-accounts',
  'rejected',
  'portal-link',
  'revoke-portal-links',
  'create-admin-key',
  'revoke-admin-key',
  'list-admin-keys',
];

/** When a key made now with --expires-in-days stops working; undefined without the option. */
function validUntilFlag(args: ParsedArgs, now: Date): string | undefined {
  const days = stringFlag(args, 'expires-in-days');
  if (days === undefined) return undefined;
  if (!/^\d+$/.test(days) || Number(days) < 1 || Number(days) > MAX_KEY_DAYS) throw new AdminError(`--expires-in-days must be a whole number from 1 to ${MAX_KEY_DAYS}`);
  return new Date(now.getTime() + Number(days) * 86_400_000).toISOString();
}

/** The operator at this machine, as the audit lines name the CLI's changes. */
function cliActor(): CliActor {
  try {
    return { kind: 'cli', operator: userInfo().username };
  } catch {
    return { kind: 'cli' };
  }
}

/**
 * The CLI's audit trail: one JSON line per change on stderr (stdout stays the answer, which scripts
 * parse), in the shape the API's lines have (lambdas/api/audit.ts), to keep or ship as the operator's
 * audit log. Never a key: its visible prefix only.
 */
export function cliAudit(write: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): Audit {
  // INFO whatever the environment says: a quieter level must not drop the audit trail.
  return createAudit(new Logger({ serviceName: 'webhook-admin-cli', level: 'INFO', write }));
}

/** Runs one command and returns what to print; `rejected` reads `table` directly. Every change writes its audit line. */
export async function runAdminCommand(args: ParsedArgs, store: ManagementStore, table?: TableTarget, audit: Audit = cliAudit()): Promise<string> {
  const asJson = args.flags.get('json') === true;
  const actor = cliActor();
  switch (args.command) {
    case 'create-account': {
      const maxFlag = stringFlag(args, 'max-endpoints');
      if (maxFlag !== undefined && !/^\d+$/.test(maxFlag)) throw new AdminError('--max-endpoints must be a whole number, 0 or more');
      const created = await createAccount(store, {
        name: requiredFlag(args, 'name'),
        ...(maxFlag === undefined ? {} : { maxEndpoints: Number(maxFlag) }),
        webhooksEnabled: args.flags.get('webhooks-disabled') !== true,
      });
      audit(actor, { action: 'account.create', accountId: created.accountId });
      audit(actor, { action: 'api_key.create', accountId: created.accountId, resource: created.keyPrefix });
      return asJson
        ? JSON.stringify({ accountId: created.accountId, apiKey: created.apiKey })
        : `account ${created.accountId}\napi key ${created.apiKey} (shown once; prefix ${created.keyPrefix})`;
    }
    case 'create-key': {
      const now = new Date();
      const validUntil = validUntilFlag(args, now);
      const created = await createKey(store, requiredFlag(args, 'account'), now, validUntil === undefined ? {} : { validUntil });
      audit(actor, { action: 'api_key.create', accountId: created.accountId, resource: created.keyPrefix, ...(validUntil === undefined ? {} : { details: { validUntil } }) });
      return asJson
        ? JSON.stringify({ accountId: created.accountId, apiKey: created.apiKey })
        : `api key ${created.apiKey} (shown once; prefix ${created.keyPrefix})`;
    }
    case 'revoke-key': {
      const revoked = await revokeKey(store, requiredFlag(args, 'key-prefix'));
      audit(actor, { action: 'api_key.revoke', accountId: revoked.accountId, resource: revoked.keyPrefix });
      return asJson ? JSON.stringify(revoked) : `revoked ${revoked.keyPrefix} of account ${revoked.accountId} at ${revoked.revokedAt}`;
    }
    case 'list-accounts': {
      const accounts = await listAccounts(store);
      if (asJson) return JSON.stringify(accounts);
      if (accounts.length === 0) return 'no accounts';
      return accounts
        .map((account) => {
          const active = account.keys.filter((key) => key.revokedAt === undefined && !isExpired(key, new Date())).map((key) => key.keyPrefix);
          return (
            `${account.accountId}  ${account.name}  webhooks ${account.webhooksEnabled ? 'on' : 'off'}  ` +
            `endpoints ${account.endpointCount}/${account.maxEndpoints}  keys ${active.join(',') || '-'}`
          );
        })
        .join('\n');
    }
    case 'rejected': {
      if (!table) throw new AdminError('rejected needs the table');
      const listing = await listRejected(table, requiredFlag(args, 'day'));
      return asJson ? JSON.stringify(listing.events) : describeListing(listing);
    }
    case 'portal-link': {
      const ttlFlag = stringFlag(args, 'ttl-minutes');
      if (ttlFlag !== undefined && !/^\d+$/.test(ttlFlag)) {
        throw new AdminError(`--ttl-minutes must be a whole number from ${MIN_PORTAL_TTL_MINUTES} to ${MAX_PORTAL_TTL_MINUTES}`);
      }
      const apiUrl = stringFlag(args, 'api-url') ?? table?.apiUrl;
      if (apiUrl === undefined) throw new AdminError('no API URL for the link: name it with --api-url URL');
      const scope = stringFlag(args, 'scope') ?? DEFAULT_PORTAL_SCOPE;
      if (!(PORTAL_SCOPES as readonly string[]).includes(scope)) throw new AdminError(`--scope must be one of ${PORTAL_SCOPES.join(', ')}`);
      const accountId = requiredFlag(args, 'account');
      const link = await portalLink(store, { accountId, apiUrl, scope: scope as PortalScope, ...(ttlFlag === undefined ? {} : { ttlMinutes: Number(ttlFlag) }) });
      audit(actor, { action: 'portal_link.mint', accountId, details: { scope, expiresAt: link.expiresAt } });
      const may = scope === 'read' ? 'read' : 'manage';
      return asJson ? JSON.stringify({ url: link.url, expiresAt: link.expiresAt }) : `${link.url}\nexpires ${link.expiresAt}; whoever holds the link can ${may} account ${accountId} until then`;
    }
    case 'revoke-portal-links': {
      const revoked = await revokePortalLinks(store, requiredFlag(args, 'account'));
      audit(actor, { action: 'portal_links.revoke', accountId: revoked.accountId });
      return asJson
        ? JSON.stringify(revoked)
        : `portal links of account ${revoked.accountId} issued before ${revoked.portalLinksValidAfter} no longer work; new links do`;
    }
    case 'create-admin-key': {
      const name = stringFlag(args, 'name');
      const now = new Date();
      const validUntil = validUntilFlag(args, now);
      const created = await createAdminKey(store, { ...(name === undefined ? {} : { name }), ...(validUntil === undefined ? {} : { validUntil }) }, now);
      audit(actor, { action: 'admin_key.create', resource: created.keyPrefix, ...(validUntil === undefined ? {} : { details: { validUntil } }) });
      return asJson
        ? JSON.stringify({ adminKey: created.adminKey, keyPrefix: created.keyPrefix })
        : `admin key ${created.adminKey} (shown once; prefix ${created.keyPrefix})`;
    }
    case 'revoke-admin-key': {
      const prefix = args.operands[0] ?? stringFlag(args, 'key-prefix');
      if (prefix === undefined) throw new AdminError('name the key: revoke-admin-key PREFIX');
      const revoked = await revokeAdminKey(store, prefix);
      audit(actor, { action: 'admin_key.revoke', resource: revoked.keyPrefix });
      return asJson ? JSON.stringify(revoked) : `revoked admin key ${revoked.keyPrefix} at ${revoked.revokedAt}`;
    }
    case 'list-admin-keys': {
      const keys = await store.adminKeys.listAdminKeys();
      if (asJson) return JSON.stringify(keys);
      if (keys.length === 0) return 'no admin keys';
      return keys
        .map((key) => {
          // --json has the rest (lastUsedAt among it).
          const validity = isExpired(key, new Date()) ? `expired ${key.validUntil}` : key.validUntil ? `active until ${key.validUntil}` : 'active';
          return `${key.keyPrefix}  ${key.name ?? '-'}  created ${key.createdAt}  ${key.revokedAt ? `revoked ${key.revokedAt}` : validity}`;
        })
        .join('\n');
    }
    default:
      throw new AdminError(`unknown command "${args.command}"\n${USAGE}`);
  }
}

function describeListing(listing: RejectedListing): string {
  const byDispatcher = listing.events.filter((event) => event.origin === 'dispatcher');
  const deadLettered = listing.events.filter((event) => event.origin === 'rule-dead-letter-queue');
  const lines = [byDispatcher.length === 0 ? `no rejected events on ${listing.day}` : byDispatcher.map(describeRejected).join('\n')];
  if (listing.deadLetterQueueNote !== undefined) lines.push(`note: ${listing.deadLetterQueueNote}`);
  else if (deadLettered.length === 0) lines.push("the rule's dead-letter queue is empty");
  else {
    const count = `${deadLettered.length}${listing.deadLetterQueueTruncated ? ' (the first; there are more)' : ''}`;
    lines.push(`in the rule's dead-letter queue, whatever their day (${count}): EventBridge could not put them on the dispatch queue`);
    lines.push(...deadLettered.map(describeRejected));
  }
  return lines.join('\n');
}

function describeRejected(event: RejectedEventRecord): string {
  const excerpt = event.excerpt.replace(/\s+/g, ' ');
  const preview = excerpt.length > EXCERPT_PREVIEW_CHARACTERS ? `${excerpt.slice(0, EXCERPT_PREVIEW_CHARACTERS)}...` : excerpt;
  return `${event.receivedAt}  ${event.envelopeId}  ${event.reason}\n    ${preview}`;
}

async function main(argv: readonly string[]): Promise<number> {
  // Only the answer belongs on the terminal (`--json` output is parsed by scripts), not the SDK's
  // note about this machine's Node version.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  let args: ParsedArgs;
  try {
    args = parseArgs(argv);
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args.flags.get('help') === true || args.command === undefined) {
    console.log(USAGE);
    return args.command === undefined && args.flags.get('help') !== true ? 2 : 0;
  }
  if (!ADMIN_COMMANDS.includes(args.command)) {
    console.error(`unknown command "${args.command}"\n${USAGE}`);
    return 2;
  }
  let target: TableTarget | undefined;
  try {
    target = await resolveTable(args);
    // Accounts, keys, links and rejected events only: the CLI is never given the secrets key, nor needs it.
    if (args.command === 'portal-link' && !target.signingKey) throw new AdminError(`portal-link: ${target.signingKeyNote ?? 'the signing key is not known'}`);
    const signing = target.signingKey;
    const store = new ManagementStore(target.client, target.tableName, 30, noEndpointSecrets('the admin CLI'), {
      ...(signing ? { portalKeys: portalSigningKeys(signing.client, signing.keyId) } : {}),
    });
    console.log(await runAdminCommand(args, store, target));
    return 0;
  } catch (error) {
    console.error(error instanceof AdminError ? error.message : `failed: ${(error as Error).message}`);
    return 1;
  } finally {
    target?.client.destroy();
    target?.ruleDeadLetterQueue?.client.destroy();
    target?.signingKey?.client.destroy();
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
