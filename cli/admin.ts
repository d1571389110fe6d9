// Admin commands (README.md, "Management API"): accounts with their entitlement, API keys, admin
// keys, portal links, and the producer events nobody will get (rejected by the dispatcher, or left
// in the bus rule's dead-letter queue by EventBridge). The commands are functions over a
// ManagementStore (and the table and that queue, for `rejected`), so tests and the local run call
// them directly; the CLI at the bottom only parses arguments and finds the table.
//
//   npm run admin -- create-account --name NAME [--max-endpoints N] [--webhooks-disabled] [--json]
//   npm run admin -- create-key --account ID [--json]
//   npm run admin -- revoke-key --key-prefix P [--json]
//   npm run admin -- list-accounts [--json]
//   npm run admin -- rejected --day YYYY-MM-DD [--json]
//   npm run admin -- portal-link --account ID [--ttl-minutes N] [--api-url URL] [--json]
//   npm run admin -- create-admin-key [--name LABEL] [--json]
//   npm run admin -- revoke-admin-key PREFIX [--json]
//   npm run admin -- list-admin-keys [--json]
// Table: the local run's outputs.json (default; in LOCAL_OUTPUT_DIR when set, as `npm start`
// writes it), or a deployed stack's TableName output (--stack NAME [--region R]), or a table named
// outright (--table NAME [--region R]). The API's base URL for portal links and the rule's
// dead-letter queue come from the same place (apiUrl and ruleDeadLetterQueueUrl, the stack's ApiUrl
// and RuleDeadLetterQueueUrl) or --api-url.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { type Account, type AdminKeyRecord, type ApiKeyRecord, ManagementStore } from '../lambdas/adapters/management-store';
import { generateAdminKey, generateApiKey, isAdminKeyPrefix, isKeyPrefix } from '../lambdas/api/api-keys';
import { DEFAULT_PORTAL_TTL_MINUTES, MAX_PORTAL_TTL_MINUTES, MIN_PORTAL_TTL_MINUTES } from '../lambdas/api/portal-tokens';
import { mintPortalLink, type PortalLink } from '../lambdas/api/services/portal-links';
import { newAccountId } from '../lambdas/domain/ids';
import { localOutputDir, OUTPUTS_FILE } from '../local/outputs';
import { DEAD_LETTER_HOLD_SECONDS, isDay, listRejectedEventsOfDay, listRuleDeadLetters, type RejectedEventRecord } from './rejected-events';
import { readStackOutputs, StackOutputsError } from './stack-outputs';

export const DEFAULT_MAX_ENDPOINTS = 10;
const MAX_NAME_LENGTH = 200;
/** The text listing shows this much of each excerpt; --json has all of it. */
const EXCERPT_PREVIEW_CHARACTERS = 160;
const KEY_ATTEMPTS = 3;

export class AdminError extends Error {
  override readonly name = 'AdminError';
}

export interface CreatedKey {
  readonly accountId: string;
  readonly apiKey: string;
  readonly keyPrefix: string;
}

export interface AccountSummary extends Account {
  readonly keys: readonly ApiKeyRecord[];
}

export async function createAccount(
  store: ManagementStore,
  input: { name: string; maxEndpoints?: number; webhooksEnabled?: boolean },
  now: Date = new Date(),
): Promise<CreatedKey> {
  const name = input.name.trim();
  if (name === '' || name.length > MAX_NAME_LENGTH) throw new AdminError(`--name must be 1 to ${MAX_NAME_LENGTH} characters`);
  const maxEndpoints = input.maxEndpoints ?? DEFAULT_MAX_ENDPOINTS;
  if (!Number.isSafeInteger(maxEndpoints) || maxEndpoints < 0) throw new AdminError('--max-endpoints must be a whole number, 0 or more');
  const account = await store.accounts.createAccount({
    accountId: newAccountId(),
    name,
    webhooksEnabled: input.webhooksEnabled ?? true,
    maxEndpoints,
    createdAt: now.toISOString(),
  });
  return createKey(store, account.accountId, now);
}

export async function createKey(store: ManagementStore, accountId: string, now: Date = new Date()): Promise<CreatedKey> {
  // A prefix collision (48 random bits) is all but impossible; a fresh key settles it.
  for (let attempt = 0; attempt < KEY_ATTEMPTS; attempt += 1) {
    const key = generateApiKey();
    const result = await store.apiKeys.createApiKey({ keyHash: key.keyHash, keyPrefix: key.keyPrefix, accountId, createdAt: now.toISOString() });
    if (result === 'created') return { accountId, apiKey: key.apiKey, keyPrefix: key.keyPrefix };
    if (result === 'account_not_found') throw new AdminError(`no account ${accountId}`);
  }
  throw new AdminError('could not create a unique key; try again');
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

export async function createAdminKey(store: ManagementStore, input: { name?: string } = {}, now: Date = new Date()): Promise<CreatedAdminKey> {
  const name = input.name?.trim();
  if (name !== undefined && (name === '' || name.length > MAX_NAME_LENGTH)) throw new AdminError(`--name must be 1 to ${MAX_NAME_LENGTH} characters`);
  for (let attempt = 0; attempt < KEY_ATTEMPTS; attempt += 1) {
    const key = generateAdminKey();
    const result = await store.adminKeys.createAdminKey({
      keyHash: key.keyHash,
      keyPrefix: key.keyPrefix,
      ...(name === undefined ? {} : { name }),
      createdAt: now.toISOString(),
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

/** A portal link for the account, on the API at `apiUrl` (the same token code as POST /v1/admin/portal-links). */
export async function portalLink(
  store: ManagementStore,
  input: { accountId: string; ttlMinutes?: number; apiUrl: string },
  now: Date = new Date(),
): Promise<PortalLink> {
  const ttlMinutes = input.ttlMinutes ?? DEFAULT_PORTAL_TTL_MINUTES;
  if (!Number.isInteger(ttlMinutes) || ttlMinutes < MIN_PORTAL_TTL_MINUTES || ttlMinutes > MAX_PORTAL_TTL_MINUTES) {
    throw new AdminError(`--ttl-minutes must be a whole number from ${MIN_PORTAL_TTL_MINUTES} to ${MAX_PORTAL_TTL_MINUTES}`);
  }
  if (!/^https?:\/\/[^\s#?]+$/.test(input.apiUrl)) throw new AdminError(`the API URL must be an http(s) URL without query or fragment, got ${input.apiUrl}`);
  const link = await mintPortalLink(store, { accountId: input.accountId, ttlMinutes, apiBaseUrl: input.apiUrl, now });
  if (!link) throw new AdminError(`no account ${input.accountId}`);
  return link;
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
    return { tableName: outputs.TableName as string, client: awsClient(), ...(outputs.ApiUrl ? { apiUrl: outputs.ApiUrl } : {}), ...ruleDeadLetterQueue };
  }
  if (table !== undefined) {
    return { tableName: table, client: awsClient(), ruleDeadLetterQueueNote: "with --table the rule's dead-letter queue is not known: use --stack to list it too" };
  }
  if (region !== undefined || endpoint !== undefined) throw new AdminError('--region and --endpoint go with --stack or --table');
  // The same file `npm start` writes and `npm run emit` reads (local/outputs.ts decides where).
  const cwd = options.cwd ?? process.cwd();
  const outputsFlag = stringFlag(args, 'outputs');
  const file = outputsFlag === undefined ? join(localOutputDir(cwd, options.env), OUTPUTS_FILE) : resolve(cwd, outputsFlag);
  let outputs: { tableName?: unknown; awsEndpoint?: unknown; region?: unknown; apiUrl?: unknown; ruleDeadLetterQueueUrl?: unknown };
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
  };
}

const USAGE = `usage: admin <command> [options]
  create-account --name NAME [--max-endpoints N] [--webhooks-disabled] [--json]
  create-key --account ID [--json]
  revoke-key --key-prefix P [--json]
  list-accounts [--json]
  rejected --day YYYY-MM-DD [--json]    producer events nobody will get, with the reason: those the dispatcher
                                        refused that day (UTC), and every event now in the bus rule's dead-letter
                                        queue (EventBridge could not put it on the dispatch queue; any day).
                                        Listing leaves the queue as it was: each message read is hidden for at
                                        most ${DEAD_LETTER_HOLD_SECONDS} s, then made visible again, never deleted
  portal-link --account ID [--ttl-minutes N] [--api-url URL] [--json]
                                        a link to the account's portal, valid N minutes (default ${DEFAULT_PORTAL_TTL_MINUTES}, at most ${MAX_PORTAL_TTL_MINUTES})
  create-admin-key [--name LABEL] [--json]
                                        a key for the admin routes (POST /v1/admin/portal-links), shown once
  revoke-admin-key PREFIX [--json]      PREFIX: the 12-character prefix list-admin-keys shows
  list-admin-keys [--json]
table: .local/outputs.json (the local run; $LOCAL_OUTPUT_DIR/outputs.json when set; --outputs FILE to choose another),
       or --stack NAME [--region R] for a deployed stack (its TableName and RuleDeadLetterQueueUrl outputs, via CloudFormation),
       or --table NAME [--region R] [--endpoint URL] to name the table outright
api url (portal-link): the local run's apiUrl, the stack's ApiUrl output, or --api-url URL`;

/** The commands runAdminCommand knows; anything else is refused before the table is looked up. */
export const ADMIN_COMMANDS: readonly string[] = [
  'create-account',
  'create-key',
  'revoke-key',
  'list-accounts',
  'rejected',
  'portal-link',
  'create-admin-key',
  'revoke-admin-key',
  'list-admin-keys',
];

/** Runs one command and returns what to print; `rejected` reads `table` directly. */
export async function runAdminCommand(args: ParsedArgs, store: ManagementStore, table?: TableTarget): Promise<string> {
  const asJson = args.flags.get('json') === true;
  switch (args.command) {
    case 'create-account': {
      const maxFlag = stringFlag(args, 'max-endpoints');
      if (maxFlag !== undefined && !/^\d+$/.test(maxFlag)) throw new AdminError('--max-endpoints must be a whole number, 0 or more');
      const created = await createAccount(store, {
        name: requiredFlag(args, 'name'),
        ...(maxFlag === undefined ? {} : { maxEndpoints: Number(maxFlag) }),
        webhooksEnabled: args.flags.get('webhooks-disabled') !== true,
      });
      return asJson
        ? JSON.stringify({ accountId: created.accountId, apiKey: created.apiKey })
        : `account ${created.accountId}\napi key ${created.apiKey} (shown once; prefix ${created.keyPrefix})`;
    }
    case 'create-key': {
      const created = await createKey(store, requiredFlag(args, 'account'));
      return asJson
        ? JSON.stringify({ accountId: created.accountId, apiKey: created.apiKey })
        : `api key ${created.apiKey} (shown once; prefix ${created.keyPrefix})`;
    }
    case 'revoke-key': {
      const revoked = await revokeKey(store, requiredFlag(args, 'key-prefix'));
      return asJson ? JSON.stringify(revoked) : `revoked ${revoked.keyPrefix} of account ${revoked.accountId} at ${revoked.revokedAt}`;
    }
    case 'list-accounts': {
      const accounts = await listAccounts(store);
      if (asJson) return JSON.stringify(accounts);
      if (accounts.length === 0) return 'no accounts';
      return accounts
        .map((account) => {
          const active = account.keys.filter((key) => key.revokedAt === undefined).map((key) => key.keyPrefix);
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
      const accountId = requiredFlag(args, 'account');
      const link = await portalLink(store, { accountId, apiUrl, ...(ttlFlag === undefined ? {} : { ttlMinutes: Number(ttlFlag) }) });
      return asJson ? JSON.stringify({ url: link.url, expiresAt: link.expiresAt }) : `${link.url}\nexpires ${link.expiresAt}; whoever holds the link can manage account ${accountId} until then`;
    }
    case 'create-admin-key': {
      const name = stringFlag(args, 'name');
      const created = await createAdminKey(store, name === undefined ? {} : { name });
      return asJson
        ? JSON.stringify({ adminKey: created.adminKey, keyPrefix: created.keyPrefix })
        : `admin key ${created.adminKey} (shown once; prefix ${created.keyPrefix})`;
    }
    case 'revoke-admin-key': {
      const prefix = args.operands[0] ?? stringFlag(args, 'key-prefix');
      if (prefix === undefined) throw new AdminError('name the key: revoke-admin-key PREFIX');
      const revoked = await revokeAdminKey(store, prefix);
      return asJson ? JSON.stringify(revoked) : `revoked admin key ${revoked.keyPrefix} at ${revoked.revokedAt}`;
    }
    case 'list-admin-keys': {
      const keys = await store.adminKeys.listAdminKeys();
      if (asJson) return JSON.stringify(keys);
      if (keys.length === 0) return 'no admin keys';
      return keys
        .map((key) => `${key.keyPrefix}  ${key.name ?? '-'}  created ${key.createdAt}  ${key.revokedAt ? `revoked ${key.revokedAt}` : 'active'}`)
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
    console.log(await runAdminCommand(args, new ManagementStore(target.client, target.tableName, 30), target));
    return 0;
  } catch (error) {
    console.error(error instanceof AdminError ? error.message : `failed: ${(error as Error).message}`);
    return 1;
  } finally {
    target?.client.destroy();
    target?.ruleDeadLetterQueue?.client.destroy();
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
