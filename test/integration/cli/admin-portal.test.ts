// The admin CLI's portal links and admin keys against DynamoDB Local: as functions, and as the
// command a person runs (local .local/outputs.json, or a deployed stack's outputs and resources
// from a CloudFormation fake, its signing key in the local KMS), with the links and keys they print
// tried against the API: scoped links, and revoke-portal-links ending them.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AdminError, parseArgs, resolveTable, runAdminCommand } from '../../../cli/admin';
import { hashApiKey } from '../../../lambdas/api/api-keys';
import { type FakeCloudFormation, startFakeCloudFormation } from '../../support/cloudformation-fake';
import { TEST_SIGNING_KEY } from '../../support/local-signing-keys';
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

  it('--scope read makes a link that may only read; manage is the default and the only other scope', async () => {
    const text = await run('portal-link', '--account', account.accountId, '--scope', 'read');
    const [url = '', note = ''] = text.split('\n');
    expect(note).toMatch(new RegExp(`whoever holds the link can read account ${account.accountId} until then$`));
    const token = tokenOf(url);
    expect((await h.request('GET', '/v1/endpoints', { apiKey: token })).status).toBe(200);
    const patched = await h.request('POST', '/v1/endpoints', { apiKey: token, body: { url: 'http://127.0.0.1:9/x', events: ['click'] } });
    expect({ status: patched.status, code: patched.json.error.code }).toEqual({ status: 403, code: 'read_only_link' });
    const manage = tokenOf(JSON.parse(await run('portal-link', '--account', account.accountId, '--scope', 'manage', '--json')).url);
    expect(JSON.parse(Buffer.from(manage.slice(4).split('.')[0]!, 'base64url').toString('utf8'))).toMatchObject({ s: 'manage', m: 'cli' });
    await expect(run('portal-link', '--account', account.accountId, '--scope', 'admin')).rejects.toThrow(new AdminError('--scope must be one of read, manage'));
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

describe('revoke-portal-links', () => {
  it("ends the account's links at once, whoever minted them; new links and other accounts' links work", async () => {
    const own = await h.newAccount();
    const other = await h.newAccount();
    const adminKey = JSON.parse(await run('create-admin-key', '--json')).adminKey as string;
    const links = [
      tokenOf(JSON.parse(await run('portal-link', '--account', own.accountId, '--json')).url),
      tokenOf(JSON.parse(await run('portal-link', '--account', own.accountId, '--scope', 'read', '--json')).url),
      tokenOf((await h.request('POST', '/v1/admin/portal-links', { apiKey: adminKey, body: { accountId: own.accountId } })).json.url),
    ];
    const othersLink = tokenOf(JSON.parse(await run('portal-link', '--account', other.accountId, '--json')).url);
    const revoked = JSON.parse(await run('revoke-portal-links', '--account', own.accountId, '--json'));
    expect(revoked).toEqual({ accountId: own.accountId, portalLinksValidAfter: expect.any(String) });
    expect((await h.store.accounts.getAccount(own.accountId))?.portalLinksValidAfter).toBe(revoked.portalLinksValidAfter);
    for (const token of links) {
      const answer = await h.request('GET', '/v1/endpoints', { apiKey: token });
      expect({ status: answer.status, code: answer.json.error.code }).toEqual({ status: 401, code: 'portal_link_revoked' });
    }
    expect((await h.request('GET', '/v1/endpoints', { apiKey: othersLink })).status).toBe(200);
    const fresh = tokenOf(JSON.parse(await run('portal-link', '--account', own.accountId, '--json')).url);
    expect((await h.request('GET', '/v1/endpoints', { apiKey: fresh })).status).toBe(200);
    expect(await run('revoke-portal-links', '--account', own.accountId)).toMatch(
      new RegExp(`^portal links of account ${own.accountId} issued before \\S+ no longer work; new links do$`),
    );
  });

  it('refuses an unknown account and a missing --account', async () => {
    await expect(run('revoke-portal-links', '--account', 'acct_nope')).rejects.toThrow(new AdminError('no account acct_nope'));
    await expect(run('revoke-portal-links')).rejects.toThrow('--account is required');
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

it("prints a working link for the local run, with its outputs.json's apiUrl and signing key", async () => {
  const outputs = join(workDir, 'outputs.json');
  writeFileSync(outputs, JSON.stringify({ tableName: h.table.tableName, awsEndpoint: h.aws.url, region: 'us-east-1', apiUrl: h.url, signingKeyArn: TEST_SIGNING_KEY.arn }));
  const stdout = await runCli(['portal-link', '--account', account.accountId, '--ttl-minutes', '2', '--scope', 'read', '--json', '--outputs', outputs]);
  const printed = JSON.parse(stdout.trim().split('\n').pop() ?? '');
  expect(printed.url.startsWith(`${h.url}/portal#token=grp_`)).toBe(true);
  expect((await h.request('GET', '/v1/endpoints', { apiKey: tokenOf(printed.url) })).status).toBe(200);
  expect((await h.request('DELETE', '/v1/endpoints/ep_x', { apiKey: tokenOf(printed.url) })).status).toBe(403);
  // The command revokes as well.
  await runCli(['revoke-portal-links', '--account', account.accountId, '--json', '--outputs', outputs]);
  expect((await h.request('GET', '/v1/endpoints', { apiKey: tokenOf(printed.url) })).status).toBe(401);
});

it('says how to get a signing key when the local outputs have none (a run started before they had one)', async () => {
  const outputs = join(workDir, 'outputs-old.json');
  writeFileSync(outputs, JSON.stringify({ tableName: h.table.tableName, awsEndpoint: h.aws.url, region: 'us-east-1', apiUrl: h.url }));
  await expect(runCli(['portal-link', '--account', account.accountId, '--outputs', outputs])).rejects.toThrow(/names no signingKeyArn: restart the local run/);
});

describe('--stack', () => {
  const stackCli = (stack: string) =>
    runCli(['portal-link', '--account', account.accountId, '--json', '--stack', stack, '--region', 'eu-west-1', '--endpoint', h.aws.url], {
      AWS_ENDPOINT_URL: cloudFormation.url,
      AWS_ENDPOINT_URL_CLOUDFORMATION: cloudFormation.url,
      // The stack's signing key lives in the local KMS, as the API's does.
      AWS_ENDPOINT_URL_KMS: h.aws.url,
    });
  const outputs = () => ({ TableName: h.table.tableName, ApiUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com/' });

  it("prints a link on a deployed stack's ApiUrl, signed with the stack's SigningKey found among its resources", async () => {
    cloudFormation.putStack('GeoRedirWebhooks', {
      outputs: outputs(),
      resources: [
        { logicalId: 'WebhooksSecretsKeyD4A9E2B1', type: 'AWS::KMS::Key', physicalId: '55555555-5555-4555-8555-555555555555' },
        { logicalId: 'WebhooksSigningKeyE942A5B4', type: 'AWS::KMS::Key', physicalId: TEST_SIGNING_KEY.keyId },
      ],
    });
    const before = cloudFormation.requests.length;
    const printed = JSON.parse((await stackCli('GeoRedirWebhooks')).trim().split('\n').pop() ?? '');
    expect(printed.url).toMatch(/^https:\/\/abc123\.execute-api\.eu-west-1\.amazonaws\.com\/portal#token=grp_/);
    // The stack's KMS key: the token works on any API of that stack.
    expect((await h.request('GET', '/v1/endpoints', { apiKey: tokenOf(printed.url) })).status).toBe(200);
    expect(cloudFormation.requests.slice(before).map((request) => request.params.Action)).toEqual(['DescribeStacks', 'ListStackResources']);
  });

  it('takes a SigningKeyArn output when the stack has one, without listing its resources', async () => {
    cloudFormation.putStack('WithOutput', { outputs: { ...outputs(), SigningKeyArn: TEST_SIGNING_KEY.arn } });
    const before = cloudFormation.requests.length;
    const printed = JSON.parse((await stackCli('WithOutput')).trim().split('\n').pop() ?? '');
    expect((await h.request('GET', '/v1/endpoints', { apiKey: tokenOf(printed.url) })).status).toBe(200);
    expect(cloudFormation.requests.slice(before).map((request) => request.params.Action)).toEqual(['DescribeStacks']);
  });

  it('says so when the stack has no signing key (deployed before it had one)', async () => {
    cloudFormation.putStack('OldStack', { outputs: outputs(), resources: [{ logicalId: 'WebhooksSecretsKeyD4A9E2B1', type: 'AWS::KMS::Key', physicalId: 'x' }] });
    await expect(stackCli('OldStack')).rejects.toThrow(/stack OldStack has no KMS signing key: deploy this version of the stack first/);
  });
});

it('--table takes the signing key from --signing-key, and says how to name it otherwise', async () => {
  const named = await resolveTable(parseArgs(['portal-link', '--table', 'T', '--region', 'eu-west-1', '--signing-key', TEST_SIGNING_KEY.arn]));
  expect(named.signingKey?.keyId).toBe(TEST_SIGNING_KEY.arn);
  const unnamed = await resolveTable(parseArgs(['portal-link', '--table', 'T', '--region', 'eu-west-1']));
  expect(unnamed.signingKey).toBeUndefined();
  expect(unnamed.signingKeyNote).toMatch(/--signing-key ARN/);
  for (const target of [named, unnamed]) {
    target.client.destroy();
    target.signingKey?.client.destroy();
  }
});
