// The delivery log's shard merge without DynamoDB: newest first across shards, ties, shards that
// run out, resuming at a cursor, and the page limit with where it stopped.
import { type LogPage, type LogPosition, mergeLogShards } from '../../../../lambdas/adapters/management/log-merge';

/** A shard's pages (newest first), and how many of them the merge has pulled. */
function shard(...pages: [position: string, entries: string[]][]) {
  const pulled = { count: 0 };
  async function* stream(): AsyncGenerator<LogPage<string>> {
    for (const [position, entries] of pages) {
      pulled.count += 1;
      yield { position, entries };
    }
  }
  return { stream: stream(), pulled };
}

async function readAll(shards: ReturnType<typeof shard>[], options: { start?: LogPosition; maxPages?: number } = {}) {
  const log = mergeLogShards(
    shards.map((one) => one.stream),
    { maxPages: options.maxPages ?? 100, ...(options.start ? { start: options.start } : {}) },
  );
  const read: string[] = [];
  for await (const placed of log.entries()) read.push(`${placed.shard}/${placed.position}/${placed.index}:${placed.entry}`);
  return { read, stoppedAt: log.stoppedAt() };
}

it('reads the pages newest first across shards, each page in its own order', async () => {
  const { read, stoppedAt } = await readAll([shard(['t3', ['a', 'b']], ['t1', ['c']]), shard(['t4', ['d']], ['t2', ['e', 'f']])]);
  expect(read).toEqual(['1/t4/0:d', '0/t3/0:a', '0/t3/1:b', '1/t2/0:e', '1/t2/1:f', '0/t1/0:c']);
  expect(stoppedAt).toBeUndefined();
});

it('takes the lower shard first when two pages share a position', async () => {
  const { read } = await readAll([shard(['t1', ['low-older']]), shard(['t2', ['mid']], ['t1', ['mid-older']]), shard(['t2', ['high']])]);
  expect(read).toEqual(['1/t2/0:mid', '2/t2/0:high', '0/t1/0:low-older', '1/t1/0:mid-older']);
});

it('goes on with the other shards when some are empty or run out first', async () => {
  const { read } = await readAll([shard(), shard(['t5', ['x']]), shard(), shard(['t6', ['y']], ['t4', ['z']], ['t3', []], ['t1', ['w']])]);
  expect(read).toEqual(['3/t6/0:y', '1/t5/0:x', '3/t4/0:z', '3/t1/0:w']);
  expect((await readAll([shard(), shard()])).read).toEqual([]);
});

it("resumes a cursor's page at its index, in its own shard only", async () => {
  const start = { shard: 1, position: 't2', index: 2 };
  const { read } = await readAll([shard(['t2', ['a0', 'a1', 'a2']]), shard(['t2', ['b0', 'b1', 'b2', 'b3']], ['t1', ['b4']])], { start });
  expect(read).toEqual(['0/t2/0:a0', '0/t2/1:a1', '0/t2/2:a2', '1/t2/2:b2', '1/t2/3:b3', '1/t1/0:b4']);
});

it('reads a page the cursor has finished as empty', async () => {
  const { read } = await readAll([shard(['t2', ['a0', 'a1']], ['t1', ['a2']])], { start: { shard: 0, position: 't2', index: 2 } });
  expect(read).toEqual(['0/t1/0:a2']);
});

it('takes at most maxPages pages, and stops at the next page with index 0 to resume there', async () => {
  const shards = [shard(['t4', ['a']], ['t1', ['b']], ['t0', ['z']]), shard(['t3', ['c', 'd']], ['t2', ['e']])];
  const { read, stoppedAt } = await readAll(shards, { maxPages: 2 });
  expect(read).toEqual(['0/t4/0:a', '1/t3/0:c', '1/t3/1:d']);
  expect(stoppedAt).toEqual({ shard: 1, position: 't2', index: 0 });
  // A shard's next page is read only once its current one is taken.
  expect([shards[0]?.pulled.count, shards[1]?.pulled.count]).toEqual([2, 2]);
});

it('says nothing of a stop when the log ends at the page limit, or the caller stops first', async () => {
  expect((await readAll([shard(['t2', ['a']]), shard(['t1', ['b']])], { maxPages: 2 })).stoppedAt).toBeUndefined();

  const log = mergeLogShards([shard(['t2', ['a', 'b']], ['t1', ['c']]).stream], { maxPages: 1 });
  for await (const placed of log.entries()) if (placed.entry === 'a') break;
  expect(log.stoppedAt()).toBeUndefined();
});
