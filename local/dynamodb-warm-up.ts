// DynamoDB Local is a JVM: its first few hundred requests run unoptimised code and take about
// twice as long as later ones (three at once: p50 12 ms over requests 60-300, 7 ms over 900-3,000
// on 2 cores), which DynamoDB itself never does. Runs that time the local run (the bench's end to
// end figures, the chaos run's latencies) send it these requests first, so what they time is the
// code, not the emulator's JIT.
import {
  BatchExecuteStatementCommand,
  BatchGetItemCommand,
  CreateTableCommand,
  DeleteTableCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';

/** Rounds of a batch's three DynamoDB requests at once (two reads, one insert of ten deliveries), on a table of its own; returns how long they took. */
export async function warmDynamoDbLocal(client: DynamoDBClient, rounds: number): Promise<number> {
  if (rounds <= 0) return 0;
  const TableName = `warm-up-${process.pid}`;
  const started = performance.now();
  try {
    await client.send(
      new CreateTableCommand({
        TableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
      }),
    );
    const key = (pk: string) => ({ pk: { S: pk }, sk: { S: 'ITEM' } });
    for (let round = 0; round < rounds; round += 1) {
      await Promise.all([
        client.send(new BatchGetItemCommand({ RequestItems: { [TableName]: { Keys: Array.from({ length: 10 }, (_, index) => key(`D${round}.${index}`)) } } })),
        client.send(new BatchGetItemCommand({ RequestItems: { [TableName]: { Keys: [key('ENDPOINT')], ConsistentRead: true } } })),
        client.send(
          new BatchExecuteStatementCommand({
            Statements: Array.from({ length: 10 }, (_, index) => ({
              Statement: `INSERT INTO "${TableName}" VALUE {'pk':?,'sk':?,'doc':?}`,
              Parameters: [{ S: `D${round}.${index}` }, { S: 'ITEM' }, { B: new Uint8Array(400).fill(round % 256) }],
            })),
          }),
        ),
      ]);
    }
    return performance.now() - started;
  } finally {
    await client.send(new DeleteTableCommand({ TableName })).catch(() => undefined);
    client.destroy();
  }
}
