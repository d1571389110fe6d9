// `npm run admin -- rejected --day D` against DynamoDB Local: as a function, and as the command a
// person runs against the local run's outputs.json or a deployed stack (CloudFormation fake).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { AdminError, parseArgs, runAdminCommand, type TableTarget } from '../../../cli/admin';
import { listRejectedEventsOfDay } from '../../../cli/rejected-events';
import { ManagementStore } from '../../../lambdas/adapters/management-store';
import { type FakeCloudFormation, startFakeCloudFormation } from '../../support/cloudformation-fake';
import { dynamoDbEndpoint } from '../../support/dynamodb-local';
import { createTestTable, type TestTable } from '../../support/table';

const DAY = '2026-11-27';
const EXCERPT = `{"version":"0","id":"env-2","detail-type":"refund.issued","source":"georedir","detail":{"account_id":"acct_1","data":{"note":"${'x'.repeat(300)}"}}}`;

let table: TestTable;
let target: TableTarget;
let store: ManagementStore;
let cloudFormation: FakeCloudFormation;
let workDir: string;

/** A rejected event exactly as the dispatcher lays it out (lambdas/adapters/table-design.ts). */
async function putRejected(receivedAt: string, envelopeId: string, reason: string, excerpt = '{}') {
  await DynamoDBDocumentClient.from(table.client).send(
    new PutCommand({
      TableName: table.tableName,
      Item: {
        pk: `REJECTED#${receivedAt.slice(0, 10)}`,
        sk: `${receivedAt}#${envelopeId}`,
        envelopeId,
        reason,
        receivedAt,
        excerpt,
        expiresAt: 1_900_000_000,
      },
    }),
  );
}

beforeAll(async () => {
  table = await createTestTable();
  target = { tableName: table.tableName, client: table.client };
  store = new ManagementStore(table.client, table.tableName, 30);
  cloudFormation = await startFakeCloudFormation();
  workDir = mkdtempSync(join(tmpdir(), 'admin-rejected-'));
  // Written out of order, on the day, the day before and the day after.
  await putRejected(`${DAY}T10:00:02.000Z`, 'env-2', 'unknown event type "refund.issued" (detail-type); expected one of click, ...', EXCERPT);
  await putRejected(`${DAY}T09:59:59.000Z`, 'env-1', 'detail.data is not a valid click payload: click_id is required');
  await putRejected('2026-11-26T23:59:59.999Z', 'env-0', 'the day before');
  await putRejected('2026-11-28T00:00:00.000Z', 'env-3', 'the day after');
});

afterAll(async () => {
  rmSync(workDir, { recursive: true, force: true });
  await cloudFormation.close();
  await table.drop();
});

const run = (...argv: string[]) => runAdminCommand(parseArgs(argv), store, target);

it('--json lists exactly that UTC day, oldest first, with the four documented fields', async () => {
  const listed = JSON.parse(await run('rejected', '--day', DAY, '--json'));
  expect(listed).toEqual([
    { envelopeId: 'env-1', reason: 'detail.data is not a valid click payload: click_id is required', receivedAt: `${DAY}T09:59:59.000Z`, excerpt: '{}' },
    { envelopeId: 'env-2', reason: expect.stringContaining('refund.issued'), receivedAt: `${DAY}T10:00:02.000Z`, excerpt: EXCERPT },
  ]);
});

it('prints one event per entry with time, id, reason and the start of the excerpt', async () => {
  const lines = (await run('rejected', '--day', DAY)).split('\n');
  expect(lines).toHaveLength(4);
  expect(lines[0]).toBe(`${DAY}T09:59:59.000Z  env-1  detail.data is not a valid click payload: click_id is required`);
  expect(lines[2]).toMatch(/^2026-11-27T10:00:02.000Z {2}env-2 {2}unknown event type "refund.issued"/);
  expect(lines[3]).toBe(`    ${EXCERPT.slice(0, 160)}...`);
  expect(await run('rejected', '--day', '2026-11-25')).toBe('no rejected events on 2026-11-25');
});

it('refuses a missing or malformed day', async () => {
  await expect(run('rejected')).rejects.toThrow(new AdminError('--day is required'));
  for (const day of ['27.11.2026', '2026-11-31', '2026-1-5', 'today']) {
    await expect(run('rejected', '--day', day)).rejects.toThrow(AdminError);
  }
});

it('follows DynamoDB pages to the end', async () => {
  const day = '2026-10-01';
  for (let index = 0; index < 5; index += 1) await putRejected(`${day}T00:00:0${index}.000Z`, `page-${index}`, 'paged');
  const listed = await listRejectedEventsOfDay(table.client, table.tableName, day, 2);
  expect(listed.map((event) => event.envelopeId)).toEqual(['page-0', 'page-1', 'page-2', 'page-3', 'page-4']);
});

/** Runs cli/admin.ts as `npm run admin` does and returns its stdout. */
function runCli(argv: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise<string>((done, fail) =>
    execFile(
      process.execPath,
      ['--import', 'tsx', join(resolve(__dirname, '../../..'), 'cli/admin.ts'), ...argv],
      { env: { ...process.env, AWS_ACCESS_KEY_ID: 'unused', AWS_SECRET_ACCESS_KEY: 'unused', ...env } },
      (error, out, err) => (error ? fail(new Error(`${error.message}\n${err}`)) : done(out)),
    ),
  );
}

it('runs as a command against the local run (outputs.json) and against a deployed stack (--stack)', async () => {
  const outputs = join(workDir, 'outputs.json');
  writeFileSync(outputs, JSON.stringify({ tableName: table.tableName, awsEndpoint: dynamoDbEndpoint(), region: 'us-east-1' }));
  const local = JSON.parse(await runCli(['rejected', '--day', DAY, '--json', '--outputs', outputs]));
  expect(local.map((event: { envelopeId: string }) => event.envelopeId)).toEqual(['env-1', 'env-2']);

  cloudFormation.putStack('GeoRedirWebhooks', { outputs: { TableName: table.tableName } });
  const deployed = await runCli(
    ['rejected', '--day', DAY, '--stack', 'GeoRedirWebhooks', '--region', 'eu-west-1', '--endpoint', dynamoDbEndpoint()],
    { AWS_ENDPOINT_URL_CLOUDFORMATION: cloudFormation.url },
  );
  expect(deployed).toContain(`${DAY}T10:00:02.000Z  env-2  unknown event type "refund.issued"`);
});
