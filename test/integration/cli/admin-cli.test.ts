// The admin commands against DynamoDB Local: as functions, and as the CLI a person runs (reading
// the local run's .local/outputs.json, or a deployed stack's outputs from a CloudFormation fake),
// with the keys they print tried against the API.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { AdminError, parseArgs, resolveTable, runAdminCommand } from '../../../cli/admin';
import { hashApiKey } from '../../../lambdas/api/api-keys';
import { type FakeCloudFormation, startFakeCloudFormation } from '../../support/cloudformation-fake';
import { TEST_SIGNING_KEY } from '../../support/local-signing-keys';
import { type Harness, startHarness } from '../api/harness';

let h: Harness;
let workDir: string;
let cloudFormation: FakeCloudFormation;

beforeAll(async () => {
  h = await startHarness();
  cloudFormation = await startFakeCloudFormation();
  workDir = mkdtempSync(join(tmpdir(), 'admin-cli-'));
});
afterAll(async () => {
  rmSync(workDir, { recursive: true, force: true });
  await cloudFormation.close();
  await h.close();
});

const run = (...argv: string[]) => runAdminCommand(parseArgs(argv), h.store);

it('create-account --json prints exactly accountId and apiKey, and the key works', async () => {
  const output = JSON.parse(await run('create-account', '--name', 'Acme Inc', '--max-endpoints', '3', '--json'));
  expect(Object.keys(output)).toEqual(['accountId', 'apiKey']);
  expect(output.accountId).toMatch(/^acct_[0-9a-z]{26}$/);
  expect(output.apiKey).toMatch(/^grw_[A-Za-z0-9_-]{43}$/);
  expect(await h.store.accounts.getAccount(output.accountId)).toMatchObject({ name: 'Acme Inc', maxEndpoints: 3, webhooksEnabled: true, endpointCount: 0 });
  expect((await h.request('GET', '/v1/endpoints', { apiKey: output.apiKey })).status).toBe(200);
  // Only the hash is stored (and, once the key was used, when).
  expect(await h.store.apiKeys.findApiKey(hashApiKey(output.apiKey))).toEqual({
    accountId: output.accountId,
    keyPrefix: output.apiKey.slice(0, 12),
    createdAt: expect.any(String),
    lastUsedAt: expect.any(String),
  });
});

it('create-key adds a second working key; revoke-key shuts one out and leaves the other', async () => {
  const first = JSON.parse(await run('create-account', '--name', 'Two keys', '--json'));
  const second = JSON.parse(await run('create-key', '--account', first.accountId, '--json'));
  expect(second.accountId).toBe(first.accountId);
  expect(second.apiKey).not.toBe(first.apiKey);

  const revoked = JSON.parse(await run('revoke-key', '--key-prefix', first.apiKey.slice(0, 12), '--json'));
  expect(revoked).toMatchObject({ accountId: first.accountId, keyPrefix: first.apiKey.slice(0, 12), revokedAt: expect.any(String) });
  expect((await h.request('GET', '/v1/endpoints', { apiKey: first.apiKey })).status).toBe(401);
  expect((await h.request('GET', '/v1/endpoints', { apiKey: second.apiKey })).status).toBe(200);
});

it('refuses unknown accounts and prefixes, bad numbers and missing names', async () => {
  await expect(run('create-key', '--account', 'acct_nope', '--json')).rejects.toThrow(new AdminError('no account acct_nope'));
  await expect(run('revoke-key', '--key-prefix', 'grw_zzzzzzzz')).rejects.toThrow('no key with prefix grw_zzzzzzzz');
  await expect(run('revoke-key', '--key-prefix', 'grw_')).rejects.toThrow(AdminError);
  await expect(run('create-account', '--name', 'X', '--max-endpoints', 'many')).rejects.toThrow('--max-endpoints must be a whole number');
  await expect(run('create-account')).rejects.toThrow('--name is required');
  await expect(run('delete-everything')).rejects.toThrow(/^unknown command "delete-everything"\nusage: admin/);
});

it('list-accounts shows entitlements and key prefixes, never keys', async () => {
  const created = JSON.parse(await run('create-account', '--name', 'Listed', '--max-endpoints', '7', '--webhooks-disabled', '--json'));
  const text = await run('list-accounts');
  expect(text).toContain(`${created.accountId}  Listed  webhooks off  endpoints 0/7  keys ${created.apiKey.slice(0, 12)}`);
  const listed = JSON.parse(await run('list-accounts', '--json')) as { accountId: string; keys: unknown[] }[];
  const entry = listed.find((account) => account.accountId === created.accountId);
  expect(entry).toMatchObject({ name: 'Listed', webhooksEnabled: false, maxEndpoints: 7, keys: [{ keyPrefix: created.apiKey.slice(0, 12) }] });
  const json = JSON.stringify(listed);
  expect(json).not.toContain(created.apiKey);
  expect(json).not.toContain(hashApiKey(created.apiKey));
});

const repository = resolve(__dirname, '../../..');

/** Runs cli/admin.ts as `npm run admin` does and returns its stdout. */
function runCli(argv: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise<string>((done, fail) =>
    execFile(
      process.execPath,
      ['--import', 'tsx', join(repository, 'cli/admin.ts'), ...argv],
      { cwd: repository, env: { ...process.env, AWS_ACCESS_KEY_ID: 'unused', AWS_SECRET_ACCESS_KEY: 'unused', ...env } },
      (error, out, err) => (error ? fail(new Error(`${error.message}\n${err}`)) : done(out)),
    ),
  );
}

it('runs as a command against the table named in .local/outputs.json', async () => {
  const outputs = join(workDir, 'outputs.json');
  writeFileSync(outputs, JSON.stringify({ tableName: h.table.tableName, awsEndpoint: h.aws.url, region: 'us-east-1' }));
  const stdout = await runCli(['create-account', '--name', 'From the CLI', '--json', '--outputs', outputs]);
  const printed = JSON.parse(stdout.trim().split('\n').pop() ?? '');
  expect((await h.store.accounts.getAccount(printed.accountId))?.name).toBe('From the CLI');
  expect((await h.request('GET', '/v1/endpoints', { apiKey: printed.apiKey })).status).toBe(200);
});

it('runs against the local run started with LOCAL_OUTPUT_DIR, as npm run emit does, without --outputs', async () => {
  const outputDir = join(workDir, 'run-elsewhere');
  mkdirSync(outputDir);
  writeFileSync(join(outputDir, 'outputs.json'), JSON.stringify({ tableName: h.table.tableName, awsEndpoint: h.aws.url, region: 'us-east-1' }));
  const stdout = await runCli(['create-account', '--name', 'Via LOCAL_OUTPUT_DIR', '--json'], { LOCAL_OUTPUT_DIR: outputDir });
  const printed = JSON.parse(stdout.trim().split('\n').pop() ?? '');
  expect((await h.store.accounts.getAccount(printed.accountId))?.name).toBe('Via LOCAL_OUTPUT_DIR');
  // The command README gives for portal links, in such a run: the API URL and signing key come from the same file.
  writeFileSync(
    join(outputDir, 'outputs.json'),
    JSON.stringify({ tableName: h.table.tableName, awsEndpoint: h.aws.url, region: 'us-east-1', apiUrl: 'http://127.0.0.1:3999', signingKeyArn: TEST_SIGNING_KEY.arn }),
  );
  const link = JSON.parse(await runCli(['portal-link', '--account', printed.accountId, '--json'], { LOCAL_OUTPUT_DIR: outputDir }));
  expect(link.url).toMatch(/^http:\/\/127\.0\.0\.1:3999\/portal#token=grp_/);
});

it("runs as a command against a deployed stack's table, found through its CloudFormation outputs", async () => {
  cloudFormation.putStack('GeoRedirWebhooks', { outputs: { TableName: h.table.tableName, EventBusName: 'georedir-webhooks' } });
  const before = cloudFormation.requests.length;
  // CloudFormation is the fake and DynamoDB the local endpoint (--endpoint): nothing reaches AWS.
  const stdout = await runCli(
    ['create-account', '--name', 'From the stack', '--json', '--stack', 'GeoRedirWebhooks', '--region', 'eu-west-1', '--endpoint', h.aws.url],
    { AWS_ENDPOINT_URL: cloudFormation.url, AWS_ENDPOINT_URL_CLOUDFORMATION: cloudFormation.url },
  );
  const printed = JSON.parse(stdout.trim().split('\n').pop() ?? '');
  expect((await h.store.accounts.getAccount(printed.accountId))?.name).toBe('From the stack');
  expect((await h.request('GET', '/v1/endpoints', { apiKey: printed.apiKey })).status).toBe(200);
  const [request] = cloudFormation.requests.slice(before);
  expect(request?.params).toMatchObject({ Action: 'DescribeStacks', StackName: 'GeoRedirWebhooks' });
  expect(request?.headers.authorization).toContain('/eu-west-1/cloudformation/aws4_request');
});

describe('resolveTable', () => {
  let client: CloudFormationClient;
  beforeAll(() => {
    client = new CloudFormationClient({ endpoint: cloudFormation.url, region: 'eu-west-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
  });
  afterAll(() => client.destroy());
  const resolveWith = (...argv: string[]) => resolveTable(parseArgs(['list-accounts', ...argv]), { cloudFormation: client });

  it("takes --stack's TableName output, --table as given", async () => {
    cloudFormation.putStack('Deployed', { outputs: { TableName: 'Deployed-Table-1' } });
    for (const [argv, tableName] of [
      [['--stack', 'Deployed'], 'Deployed-Table-1'],
      [['--table', 'Named-Table', '--region', 'eu-west-1'], 'Named-Table'],
    ] as const) {
      const target = await resolveWith(...argv);
      target.client.destroy();
      expect(target.tableName).toBe(tableName);
    }
  });

  it('turns stack faults into AdminErrors and refuses conflicting sources', async () => {
    await expect(resolveWith('--stack', 'Missing')).rejects.toThrow(new AdminError('no stack Missing in eu-west-1: check --stack and --region'));
    cloudFormation.putStack('NotOurs', { outputs: { BucketName: 'b' } });
    await expect(resolveWith('--stack', 'NotOurs')).rejects.toThrow(AdminError);
    await expect(resolveWith('--stack', 'NotOurs')).rejects.toThrow('stack NotOurs has no output TableName');
    await expect(resolveWith('--stack', 'Deployed', '--table', 'T')).rejects.toThrow(new AdminError('choose one of --stack, --table'));
    await expect(resolveWith('--outputs', 'x.json', '--stack', 'Deployed')).rejects.toThrow('choose one of --stack, --outputs');
    await expect(resolveWith('--region', 'eu-west-1')).rejects.toThrow('--region and --endpoint go with --stack or --table');
  });
});
