// DynamoDB Local as the tests and the local run use it: the table design, and no Java left behind.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DescribeTableCommand,
  GetItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { isAlive, repositoryRoot } from '../../e2e/support/local-run-process';
import { createTestTable, type TestTable } from '../../support/table';

describe('DynamoDB Local test table', () => {
  let table: TestTable;

  beforeAll(async () => {
    table = await createTestTable();
  });

  afterAll(async () => {
    await table.drop();
  });

  it('has the key schema and gsi1 of the deployed table', async () => {
    const { Table } = await table.client.send(new DescribeTableCommand({ TableName: table.tableName }));
    expect(Table?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(Table?.GlobalSecondaryIndexes?.map((index) => [index.IndexName, index.Projection?.ProjectionType])).toEqual([['gsi1', 'ALL']]);
  });

  it('applies a TransactWriteItems atomically and rejects it whole when a condition fails', async () => {
    const put = (pk: string, sk: string, extra: Record<string, { S: string }> = {}) => ({
      Put: {
        TableName: table.tableName,
        Item: { pk: { S: pk }, sk: { S: sk }, ...extra },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    });
    await table.client.send(
      new TransactWriteItemsCommand({
        TransactItems: [put('DELIVERY#d1', 'DELIVERY'), put('DELIVERY#d1', 'ATTEMPT#000001', { gsi1pk: { S: 'ENDPOINT#e1' }, gsi1sk: { S: '2026-01-01T00:00:00Z' } })],
      }),
    );

    const byEndpoint = await table.client.send(
      new QueryCommand({
        TableName: table.tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: 'ENDPOINT#e1' } },
      }),
    );
    expect(byEndpoint.Items?.map((item) => item.sk?.S)).toEqual(['ATTEMPT#000001']);

    // The second put collides with an existing item, so the first must not be written either.
    const collision = table.client.send(
      new TransactWriteItemsCommand({ TransactItems: [put('DELIVERY#d2', 'DELIVERY'), put('DELIVERY#d1', 'DELIVERY')] }),
    );
    await expect(collision).rejects.toBeInstanceOf(TransactionCanceledException);
    const untouched = await table.client.send(
      new GetItemCommand({ TableName: table.tableName, Key: { pk: { S: 'DELIVERY#d2' }, sk: { S: 'DELIVERY' } } }),
    );
    expect(untouched.Item).toBeUndefined();
  });
});

describe('DynamoDB Local process', () => {
  it('does not outlive a parent killed with SIGKILL', async () => {
    // A parent that starts DynamoDB Local and reports Java's pid, then idles until killed.
    const script = `
      const { startDynamoDbLocal } = require(${JSON.stringify(join(repositoryRoot, 'local', 'dynamodb-local.ts'))});
      startDynamoDbLocal().then((db) => { console.log('java pid ' + db.pid); setInterval(() => undefined, 60_000); });
    `;
    const parent = spawn(process.execPath, ['--import', 'tsx', '-e', script], { cwd: repositoryRoot, stdio: ['ignore', 'pipe', 'inherit'] });
    let javaPid: number | undefined;
    try {
      javaPid = await new Promise<number>((resolve, reject) => {
        let output = '';
        parent.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString('utf8');
          const match = /java pid (\d+)/.exec(output);
          if (match) resolve(Number(match[1]));
        });
        parent.once('exit', (code) => reject(new Error(`parent exited with ${code} before DynamoDB Local was ready: ${output}`)));
      });
      expect(isAlive(javaPid)).toBe(true);
      expect(readFileSync(`/proc/${javaPid}/cmdline`, 'utf8')).toContain('DynamoDBLocal.jar');

      const parentGone = new Promise((resolve) => parent.once('exit', resolve));
      parent.kill('SIGKILL');
      await parentGone;
      // The watchdog reacts to the closed pipe at once; seconds leave room for a loaded machine.
      const deadline = Date.now() + 5_000;
      while (isAlive(javaPid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(isAlive(javaPid)).toBe(false);
    } finally {
      if (parent.exitCode === null && parent.signalCode === null) parent.kill('SIGKILL');
      // Never leave Java behind, even when the assertion above failed.
      if (javaPid !== undefined && isAlive(javaPid)) process.kill(javaPid, 'SIGKILL');
    }
  });
});
