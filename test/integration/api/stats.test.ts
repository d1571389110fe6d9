// GET /v1/stats/hourly: the dispatcher's hourly count shards (written here as it writes them, and
// item by item into every shard) summed per endpoint and hour, zeros filled, with the success rate;
// events endpoints' filters left out are counted beside the deliveries, outside the rate.
import { DynamoDbHourlyCountsStore } from '../../../lambdas/adapters/dynamodb-hourly-counts-store';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../../lambdas/adapters/table-keys';
import { type Harness, startHarness } from './harness';

let h: Harness;
let apiKey: string;
let accountId: string;
let first: string;
let second: string;

const HOUR = 3_600_000;
const hourStart = (hoursAgo: number) => new Date(Math.floor(Date.now() / HOUR) * HOUR - hoursAgo * HOUR);
const hourKey = (time: Date) => time.toISOString().slice(0, 13);

/** One item in one shard, as the dispatcher's ADD leaves it (absent counters mean 0). */
async function putShard(account: string, endpoint: string, shard: number, hour: Date, counts: Record<string, number>) {
  await h.store.table.documents.send(
    new PutCommand({ TableName: h.table.tableName, Item: { ...keys.hourlyCounts(account, endpoint, shard, hourKey(hour)), ...counts, expiresAt: 4_000_000_000 } }),
  );
}

let seededHour: Date;

beforeAll(async () => {
  h = await startHarness();
  ({ apiKey, accountId } = await h.newAccount());
  first = (await h.request('POST', '/v1/endpoints', { apiKey, body: { url: 'http://127.0.0.1:9/first', events: ['*'] } })).json.id;
  second = (await h.request('POST', '/v1/endpoints', { apiKey, body: { url: 'http://127.0.0.1:9/second', events: ['click'] } })).json.id;
  seededHour = hourStart(2);
  // Every shard of one hour of the first endpoint holds a part.
  for (let shard = 0; shard < 8; shard += 1) {
    if (shard !== 3) await putShard(accountId, first, shard, seededHour, { succeeded: 10, failedAttempts: shard % 2 });
  }
  await putShard(accountId, first, 3, seededHour, { succeeded: 20, failed: 2, failedAttempts: 4, skipped: 1, filtered: 6 });
  // The counts aggregator's own writes: random shards, summed per stream batch.
  const inHour = new Date(hourStart(5).getTime() + 1234);
  const counts = new DynamoDbHourlyCountsStore(h.store.table);
  await counts.addHourlyCounts(accountId, second, inHour, { succeeded: 3, failed: 0, failedAttempts: 1, skipped: 0, filtered: 0 });
  await counts.addHourlyCounts(accountId, second, inHour, { succeeded: 1, failed: 1, failedAttempts: 1, skipped: 2, filtered: 0 });
  // A batch whose events the second endpoint's filter all left out: only `filtered` is added.
  await counts.addHourlyCounts(accountId, second, inHour, { succeeded: 0, failed: 0, failedAttempts: 0, skipped: 0, filtered: 5 });
  // Outside the default window.
  await putShard(accountId, first, 0, hourStart(30), { succeeded: 1000 });
});
afterAll(() => h.close());

const stats = (query = '', key = apiKey) => h.request('GET', `/v1/stats/hourly${query}`, { apiKey: key });

describe('GET /v1/stats/hourly', () => {
  it('answers one row per endpoint and hour for the last 24 hours, the shards summed and missing hours as zeros', async () => {
    const answer = await stats();
    expect(answer.status).toBe(200);
    const { hours, from, to, data, summary } = answer.json;
    expect(hours).toBe(24);
    expect(data).toHaveLength(48);
    const current = hourStart(0);
    expect(to).toBe(new Date(current.getTime() + HOUR).toISOString());
    expect(from).toBe(new Date(current.getTime() - 23 * HOUR).toISOString());
    // Endpoints oldest first, then hours oldest first.
    expect(data.slice(0, 24).every((row: { endpointId: string }) => row.endpointId === first)).toBe(true);
    expect(data[0].hour).toBe(from);
    expect(data[23].hour).toBe(current.toISOString());
    const row = (endpoint: string, hour: Date) => data.find((candidate: { endpointId: string; hour: string }) => candidate.endpointId === endpoint && candidate.hour === hour.toISOString());
    expect(row(first, seededHour)).toEqual({ endpointId: first, hour: seededHour.toISOString(), succeeded: 90, failed: 2, failedAttempts: 7, skipped: 1, filtered: 6 });
    expect(row(second, hourStart(5))).toEqual({ endpointId: second, hour: hourStart(5).toISOString(), succeeded: 4, failed: 1, failedAttempts: 2, skipped: 2, filtered: 5 });
    expect(row(first, hourStart(1))).toEqual({ endpointId: first, hour: hourStart(1).toISOString(), succeeded: 0, failed: 0, failedAttempts: 0, skipped: 0, filtered: 0 });
    expect(summary).toEqual([
      { endpointId: first, succeeded: 90, failed: 2, failedAttempts: 7, skipped: 1, filtered: 6, successRate: 0.9278 },
      { endpointId: second, succeeded: 4, failed: 1, failedAttempts: 2, skipped: 2, filtered: 5, successRate: 0.6667 },
    ]);
  });

  it('narrows to one endpoint and any window up to a week', async () => {
    const answer = await stats(`?endpoint=${first}&hours=3`);
    expect(answer.json.data.map((row: { endpointId: string; hour: string }) => [row.endpointId, row.hour])).toEqual(
      [2, 1, 0].map((ago) => [first, hourStart(ago).toISOString()]),
    );
    expect(answer.json.summary).toEqual([{ endpointId: first, succeeded: 90, failed: 2, failedAttempts: 7, skipped: 1, filtered: 6, successRate: 0.9278 }]);
    const week = await stats(`?endpoint=${first}&hours=168`);
    expect(week.json.data).toHaveLength(168);
    expect(week.json.summary[0].succeeded).toBe(1090);
    const quiet = await stats(`?endpoint=${second}&hours=1`);
    expect(quiet.json.summary).toEqual([{ endpointId: second, succeeded: 0, failed: 0, failedAttempts: 0, skipped: 0, filtered: 0, successRate: null }]);
  });

  it.each([['hours=0', 'hours'], ['hours=169', 'hours'], ['hours=day', 'hours'], ['endpoint=a%20b', 'endpoint'], ['days=1', 'days']])(
    'answers 400 naming the field for %s',
    async (query, field) => {
      const answer = await stats(`?${query}`);
      expect(answer.status).toBe(400);
      expect(answer.json.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ location: 'query', field })]));
    },
  );

  it("never shows another account's counts: its endpoint answers 404 as one that never existed", async () => {
    const other = await h.newAccount();
    const theirs = (await h.request('POST', '/v1/endpoints', { apiKey: other.apiKey, body: { url: 'http://127.0.0.1:9/theirs', events: ['*'] } })).json.id;
    await putShard(other.accountId, theirs, 0, seededHour, { succeeded: 777 });
    const answer = await stats(`?endpoint=${theirs}`);
    const never = await stats('?endpoint=ep_0000000000000000000000zzzz');
    expect(answer.status).toBe(404);
    expect(answer.json).toEqual(never.json);
    expect((await stats()).text).not.toContain(theirs);
    // Counts written under another account's id for one of ours are not ours either.
    await putShard(other.accountId, first, 1, seededHour, { succeeded: 555 });
    expect((await stats(`?endpoint=${first}`)).json.summary[0].succeeded).toBe(90);
    expect((await stats('', other.apiKey)).json.summary).toEqual([expect.objectContaining({ endpointId: theirs, succeeded: 777 })]);
  });

  it('needs a credential', async () => {
    expect((await h.request('GET', '/v1/stats/hourly')).status).toBe(401);
  });
});
