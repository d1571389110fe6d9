// The small decisions around the local run: command-line flags, the variables passed on to the
// functions, template freshness, table schema checks for --persist, outputs.json, and emit's input.
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { eventDetail, parseEmitArgs, resolveTarget } from '../../../cli/emit';
import type { LocalTable } from '../../../local/local-stack';
import { type LocalOutputs, readLocalOutputs, writeLocalOutputs } from '../../../local/outputs';
import { functionOverridesFrom, parseStartArgs } from '../../../local/start';
import { templateIsFresh } from '../../../local/synth';
import { schemaDifference } from '../../../local/tables';

describe('npm start arguments and function overrides', () => {
  it('parses --persist (both forms), --no-synth and --verbose, and refuses the unknown', () => {
    expect(parseStartArgs(['--persist', '.data'])).toMatchObject({ persistDir: '.data', skipSynth: false });
    expect(parseStartArgs(['--persist=/tmp/x', '--no-synth', '--verbose'])).toMatchObject({ persistDir: '/tmp/x', skipSynth: true, verbose: true });
    expect(() => parseStartArgs(['--persist'])).toThrow('--persist needs a directory');
    expect(() => parseStartArgs(['--fast'])).toThrow('unknown argument --fast');
  });

  it('allows private endpoints by default and passes the retry schedule and timeout through', () => {
    expect(functionOverridesFrom({})).toEqual({ ALLOW_PRIVATE_ENDPOINTS: 'true' });
    expect(functionOverridesFrom({ ALLOW_PRIVATE_ENDPOINTS: 'false', RETRY_SCHEDULE_SECONDS: '1,2', DELIVERY_TIMEOUT_MS: '500' })).toEqual({
      ALLOW_PRIVATE_ENDPOINTS: 'false',
      RETRY_SCHEDULE_SECONDS: '1,2',
      DELIVERY_TIMEOUT_MS: '500',
    });
  });
});

describe('templateIsFresh', () => {
  let root: string;
  const at = (path: string, seconds: number) => utimesSync(join(root, path), seconds, seconds);

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'synth-fresh-'));
    for (const dir of ['bin', 'lib', 'lambdas/api', 'cdk.out']) mkdirSync(join(root, dir), { recursive: true });
    for (const file of ['bin/app.ts', 'lib/stack.ts', 'lambdas/api/handler.ts', 'cdk.json', 'cdk.out/Stack.template.json']) {
      writeFileSync(join(root, file), '{}');
    }
    for (const path of ['bin/app.ts', 'bin', 'lib/stack.ts', 'lib', 'lambdas/api/handler.ts', 'lambdas/api', 'lambdas', 'cdk.json']) at(path, 1_000);
    at('cdk.out/Stack.template.json', 2_000);
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('reuses a template newer than every source', () => {
    expect(templateIsFresh(root, join(root, 'cdk.out/Stack.template.json'))).toBe(true);
  });

  it('re-synthesizes when a nested handler, the CDK code or cdk.json changed, or there is no template', () => {
    at('lambdas/api/handler.ts', 3_000);
    expect(templateIsFresh(root, join(root, 'cdk.out/Stack.template.json'))).toBe(false);
    at('lambdas/api/handler.ts', 1_000);
    at('cdk.json', 3_000);
    expect(templateIsFresh(root, join(root, 'cdk.out/Stack.template.json'))).toBe(false);
    expect(templateIsFresh(root, join(root, 'cdk.out/Missing.template.json'))).toBe(false);
  });
});

describe('schemaDifference (reusing a persisted table)', () => {
  const keys = [
    { AttributeName: 'pk', KeyType: 'HASH' as const },
    { AttributeName: 'sk', KeyType: 'RANGE' as const },
  ];
  const gsi = { IndexName: 'gsi1', KeySchema: [{ AttributeName: 'g', KeyType: 'HASH' as const }], Projection: { ProjectionType: 'ALL' as const } };
  const table: LocalTable = {
    logicalId: 'Table',
    tableName: 't',
    createTable: { TableName: 't', KeySchema: keys, AttributeDefinitions: [], GlobalSecondaryIndexes: [gsi] },
  };

  it('accepts a table with the same keys and indexes', () => {
    expect(schemaDifference(table, { KeySchema: keys, GlobalSecondaryIndexes: [{ ...gsi, IndexStatus: 'ACTIVE' }] })).toBeUndefined();
  });

  it('names what differs', () => {
    expect(schemaDifference(table, { KeySchema: [keys[0]!], GlobalSecondaryIndexes: [gsi] })).toBe('key schema');
    expect(schemaDifference(table, { KeySchema: keys })).toBe('global secondary indexes');
    expect(schemaDifference(table, { KeySchema: keys, GlobalSecondaryIndexes: [{ ...gsi, Projection: { ProjectionType: 'KEYS_ONLY' } }] })).toBe(
      'global secondary indexes',
    );
  });
});

describe('outputs.json and emit', () => {
  let dir: string;
  const outputs: LocalOutputs = {
    apiUrl: 'http://127.0.0.1:3000',
    awsEndpoint: 'http://127.0.0.1:4566',
    eventBusName: 'bus',
    eventSource: 'georedir',
    region: 'us-east-1',
    accountId: 'acct_1',
    apiKey: 'grw_x',
    tableName: 'table',
    dispatchQueueUrl: 'http://127.0.0.1:4566/000000000000/q',
    stackName: 'Stack',
    awsAccountId: '000000000000',
    pid: 1,
    startedAt: '2026-01-01T00:00:00.000Z',
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'outputs-'));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips outputs.json and says how to get one when it is missing', () => {
    writeLocalOutputs(dir, outputs);
    expect(readLocalOutputs(dir)).toEqual(outputs);
    expect(() => readLocalOutputs(join(dir, 'none'))).toThrow(/not found.*npm start/);
  });

  it('builds the Detail of DESIGN §2 from --account, --data (inline or @file), --id and --timestamp', () => {
    writeFileSync(join(dir, 'data.json'), '{"link_id": 42}');
    const args = parseEmitArgs(['link.created', '--account', 'acct_1', '--data', '@data.json', '--id', 'evt-1', '--timestamp=2026-02-25T10:00:00Z'], dir);
    expect(args.eventType).toBe('link.created');
    expect(JSON.parse(eventDetail(args))).toEqual({ account_id: 'acct_1', data: { link_id: 42 }, id: 'evt-1', timestamp: '2026-02-25T10:00:00Z' });
    expect(Object.keys(JSON.parse(eventDetail(parseEmitArgs(['click', '--account', 'a', '--data', '{}']))))).toEqual(['account_id', 'data']);
  });

  it('refuses incomplete or invalid input', () => {
    expect(() => parseEmitArgs(['--account', 'a', '--data', '{}'])).toThrow('the event TYPE is required');
    expect(() => parseEmitArgs(['click', '--data', '{}'])).toThrow('--account is required');
    expect(() => parseEmitArgs(['click', '--account', 'a', '--data', '{nope'])).toThrow('--data is not valid JSON');
    expect(() => parseEmitArgs(['click', '--account', 'a', '--data', '{}', '--timestamp', 'yesterday'])).toThrow('not an ISO-8601 time');
  });

  it('targets the local run from outputs.json', async () => {
    writeLocalOutputs(dir, outputs);
    const args = parseEmitArgs(['click', '--account', 'a', '--data', '{}', '--outputs', join(dir, 'outputs.json')]);
    await expect(resolveTarget(args, '/nowhere')).resolves.toEqual({
      eventBusName: 'bus',
      eventSource: 'georedir',
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:4566',
    });
  });

  it('targets a deployed stack through its EventBusName and EventSource outputs, with no local endpoint', async () => {
    const asked: unknown[] = [];
    const cloudFormation = {
      send: async (command: { input: unknown }) => {
        asked.push(command.input);
        return {
          Stacks: [
            {
              StackStatus: 'UPDATE_COMPLETE',
              Outputs: [
                { OutputKey: 'EventBusName', OutputValue: 'deployed-bus' },
                { OutputKey: 'EventSource', OutputValue: 'georedir' },
              ],
            },
          ],
        };
      },
      config: { region: async () => 'eu-west-1' },
    } as unknown as CloudFormationClient;
    const args = parseEmitArgs(['click', '--account', 'a', '--data', '{}', '--stack', 'GeoRedirWebhooks', '--region', 'eu-west-1']);
    await expect(resolveTarget(args, '/nowhere', cloudFormation)).resolves.toEqual({ eventBusName: 'deployed-bus', eventSource: 'georedir', region: 'eu-west-1' });
    expect(asked).toEqual([{ StackName: 'GeoRedirWebhooks' }]);
    expect(() => parseEmitArgs(['click', '--account', 'a', '--data', '{}', '--stack', 'S', '--outputs', 'o.json'])).toThrow('choose one of --stack, --outputs');
    expect(() => parseEmitArgs(['click', '--account', 'a', '--data', '{}', '--region', 'eu-west-1'])).toThrow('--region goes with --stack');
  });
});
