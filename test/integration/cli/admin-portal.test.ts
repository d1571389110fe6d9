// The admin CLI's portal links and admin keys against DynamoDB Local: as functions, and as the
// command a person runs (local .local/outputs.json, or a deployed stack's outputs from a
// CloudFormation fake), with the links and keys they print tried against the API.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AdminError, parseArgs, runAdminCommand } from '../../../cli/admin';
import { hashApiKey } from '../../../lambdas/api/api-keys';
import { type FakeCloudFormation, startFakeCloudFormation } from '../../support/cloudformation-fake';
import { type Harness, startHarness } from '../api/harness';

let h: Harness;
let workDir: string;
let cloudFormation: FakeCloudFormation;
let account: { accountId: string; apiKey: string };

beforeAll(async () => {
  h = await startHarness();
  cloudFormation = await startFakeCloudFormation();
  workDir = mkdtempSync(join(tmpdir(), 'admin-portal-'));
  account = await h.newAccount();
});
afterAll(async () => {
  rmSync(workDir, { recursive: true, force: true });
  await cloudFormation.close();
  await h.close();
});

const run = (...argv: string[]) => runAdminCommand(parseArgs(argv), h.store, { tableName: h.table.tableName, client: h.table.client, apiUrl: h.url });
const tokenOf = (url: string) => new URL(url).hash.replace(/^#token=/, '');

describe('portal-link', () => {
  it('--json prints exactly url and expiresAt; the link opens the account for the default 60 minutes', async () => {
    const before = Date.now();
    const output = JSON.parse(await run('portal-link', '--account', account.accountId, '--json'));
    expect(Object.keys(output)).toEqual(['url', 'expiresAt']);
    expect(output.url).toMatch(new RegExp(`^${h.url}/portal#token=grp_`));
    expect(Date.parse(output.expiresAt) - Math.floor(before / 1000) * 1000).toBeGreaterThanOrEqual(3_600_000);
    expect(Date.parse(output.expiresAt) - Date.now()).toBeLessThanOrEqual(3_600_000);
    expect((await h.request('GET', '/v1/endpoints', { apiKey: tokenOf(output.url) })).status).toBe(200);
  });

  it('takes --ttl-minutes and --api-url, and prints the link on its own line as text', async () => {
    const text = await run('portal-link', '--account', account.accountId, '--ttl-minutes', '5', '--api-url', 'https://hooks.example.com/');
    const [url = '', note = ''] = text.split('\n');
    expect(url).toMatch(/^https:\/\/hooks\.example\.com\/portal#token=grp_[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(note).toMatch(new RegExp(`^expires \\S+; whoever holds the link can manage account ${account.accountId} until then$`));
    const expiresAt = Date.parse(note.split(' ')[1]!.replace(/;$/, ''));
    expect(expiresAt - Date.now()).toBeLessThanOrEqual(5 * 60_000);
    expect(expiresAt - Date.now()).toBeGreaterThan(4 * 60_000);
  });

  it('refuses an unknown account, bad durations and a missing API URL', async () => {
    await expect(run('portal-link', '--account', 'acct_nope')).rejects.toThrow(new AdminError('no account acct_nope'));
    for (const ttl of ['0', '1441', 'soon', '-5']) {
      await expect(run('portal-link', '--account', account.accountId, '--ttl-minutes', ttl)).rejects.toThrow('--ttl-minutes must be a whole number from 1 to 1440');
    }
    await expect(run('portal-link')).rejects.toThrow('--account is required');
    await expect(run('portal-link', '--account', account.accountId, '--api-url', 'ftp://x')).rejects.toThrow(AdminError);
    await expect(runAdminCommand(parseArgs(['portal-link', '--account', account.accountId]), h.store)).rejects.toThrow(
      'no API URL for the link: name it with --api-url URL',
    );
  });
});

describe('admin keys', () => {
  it('create-admin-key --json prints a gra_ key that works on the admin route only; only its hash is stored', async () => {
    const created = JSON.parse(await run('create-admin-key', '--name', 'dashboard', '--json'));
    expect(Object.keys(created)).toEqual(['adminKey', 'keyPrefix']);
    expect(created.adminKey).toMatch(/^gra_[A-Za-z0-9_-]{43}$/);
    expect(created.keyPrefix).toBe(created.adminKey.slice(0, 12));
    expect(await h.store.adminKeys.findAdminKey(hashApiKey(created.adminKey))).toEqual({ keyPrefix: created.keyPrefix, name: 'dashboard', createdAt: expect.any(String) });
    const minted = await h.request('POST', '/v1/admin/portal-links', { apiKey: created.adminKey, body: { accountId: account.accountId } });
    expect(minted.status).toBe(201);
    expect((await h.request('GET', '/v1/endpoints', { apiKey: created.adminKey })).status).toBe(401);
  });

  it('list-admin-keys shows prefixes and names, never keys; revoke-admin-key PREFIX shuts one out', async () => {
    const created = JSON.parse(await run('create-admin-key', '--json'));
    const listed = await run('list-admin-keys');
    expect(listed).toMatch(new RegExp(`^${created.keyPrefix}  -  created \\S+  active$`, 'm'));
    expect(listed).not.toContain(created.adminKey);
    const json = JSON.parse(await run('list-admin-keys', '--json')) as { keyPrefix: string }[];
    expect(json.map((key) => key.keyPrefix)).toContain(created.keyPrefix);
    expect(JSON.stringify(json)).not.toContain(hashApiKey(created.adminKey));

    const revoked = JSON.parse(await run('revoke-admin-key', created.keyPrefix, '--json'));
    expect(revoked).toMatchObject({ keyPrefix: created.keyPrefix, revokedAt: expect.any(String) });
    expect(await run('list-admin-keys')).toMatch(new RegExp(`^${created.keyPrefix}  -  created \\S+  revoked \\S+$`, 'm'));
    const refused = await h.request('POST', '/v1/admin/portal-links', { apiKey: created.adminKey, body: { accountId: account.accountId } });
    expect(refused.status).toBe(401);
  });

  it('refuses unknown and malformed prefixes, and customer key prefixes', async () => {
    await expect(run('revoke-admin-key', 'gra_zzzzzzzz')).rejects.toThrow(new AdminError('no admin key with prefix gra_zzzzzzzz'));
    await expect(run('revoke-admin-key', account.apiKey.slice(0, 12))).rejects.toThrow(/12-character visible prefix of an admin key/);
    await expect(run('revoke-admin-key')).rejects.toThrow('name the key: revoke-admin-key PREFIX');
    expect(() => parseArgs(['revoke-admin-key', 'gra_aaaaaaaa', 'gra_bbbbbbbb'])).toThrow('unexpected argument gra_bbbbbbbb');
  });
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

it("prints a working link for the local run, with its outputs.json's apiUrl", async () => {
  const outputs = join(workDir, 'outputs.json');
  writeFileSync(outputs, JSON.stringify({ tableName: h.table.tableName, awsEndpoint: h.aws.url, region: 'us-east-1', apiUrl: h.url }));
  const stdout = await runCli(['portal-link', '--account', account.accountId, '--ttl-minutes', '2', '--json', '--outputs', outputs]);
  const printed = JSON.parse(stdout.trim().split('\n').pop() ?? '');
  expect(printed.url.startsWith(`${h.url}/portal#token=grp_`)).toBe(true);
  expect((await h.request('GET', '/v1/endpoints', { apiKey: tokenOf(printed.url) })).status).toBe(200);
});

it("prints a link on a deployed stack's ApiUrl with --stack", async () => {
  cloudFormation.putStack('GeoRedirWebhooks', {
    outputs: { TableName: h.table.tableName, ApiUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com/' },
  });
  const stdout = await runCli(
    ['portal-link', '--account', account.accountId, '--json', '--stack', 'GeoRedirWebhooks', '--region', 'eu-west-1', '--endpoint', h.aws.url],
    { AWS_ENDPOINT_URL: cloudFormation.url, AWS_ENDPOINT_URL_CLOUDFORMATION: cloudFormation.url },
  );
  const printed = JSON.parse(stdout.trim().split('\n').pop() ?? '');
  expect(printed.url).toMatch(/^https:\/\/abc123\.execute-api\.eu-west-1\.amazonaws\.com\/portal#token=grp_/);
  // The same table's signing key: the token works on any API in front of it.
  expect((await h.request('GET', '/v1/endpoints', { apiKey: tokenOf(printed.url) })).status).toBe(200);
});
