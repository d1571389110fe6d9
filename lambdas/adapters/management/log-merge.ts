// The account's delivery log is written to LOG_SHARDS shards (one random shard per batch, so a busy
// account's writes spread); reading it newest first means merging the shards' pages by position.
// The merge is kept apart from the Queries that feed it, so its ordering, limits and cursor rules
// are tested without DynamoDB (test/unit/adapters/management/log-merge.test.ts).

/** One log page as its shard yields it: its shard's pages come newest first. */
export interface LogPage<E> {
  /** The page's sort key, `<time>#<random>`: a later page sorts after an earlier one. */
  readonly position: string;
  readonly entries: readonly E[];
}

/** A place in the merged log: entry `index` of the page at `position` in shard `shard`. */
export interface LogPosition {
  readonly shard: number;
  readonly position: string;
  readonly index: number;
}

/** An entry with where it stands, so a cursor can resume at it. */
export interface PlacedEntry<E> extends LogPosition {
  readonly entry: E;
}

export interface MergedLog<E> {
  /** The entries, newest page first; a page's entries in the order it holds them. */
  entries(): AsyncGenerator<PlacedEntry<E>>;
  /** Where the read stopped at `maxPages` with pages left; undefined when the log ran out, or the caller stopped first. */
  stoppedAt(): LogPosition | undefined;
}

/**
 * Merges the shards' page streams (stream i is shard i) newest first; two pages at one position
 * go lower shard first. Reads a stream's next page only once its current one has been taken, and
 * takes at most `maxPages` pages. With `start` (a cursor's position) the page at that shard and
 * position resumes at its index; the streams are expected to begin at or below it already.
 */
export function mergeLogShards<E>(shards: readonly AsyncIterator<LogPage<E>>[], options: { start?: LogPosition; maxPages: number }): MergedLog<E> {
  const { start, maxPages } = options;
  let stoppedAt: LogPosition | undefined;
  return {
    stoppedAt: () => stoppedAt,
    async *entries() {
      const heads = await Promise.all(shards.map((stream) => stream.next()));
      for (let pagesRead = 0; ; pagesRead += 1) {
        const shard = newestHead(heads);
        const head = shard === undefined ? undefined : heads[shard];
        if (shard === undefined || !head || head.done) return;
        const page = head.value;
        if (pagesRead >= maxPages) {
          stoppedAt = { shard, position: page.position, index: 0 };
          return;
        }
        const from = start && start.shard === shard && start.position === page.position ? start.index : 0;
        for (let index = from; index < page.entries.length; index += 1) {
          yield { entry: page.entries[index] as E, shard, position: page.position, index };
        }
        heads[shard] = await (shards[shard] as AsyncIterator<LogPage<E>>).next();
      }
    },
  };
}

/** The shard whose current page is newest (the lowest such shard on a tie); undefined when all are done. */
function newestHead<E>(heads: readonly IteratorResult<LogPage<E>>[]): number | undefined {
  let newest: { shard: number; position: string } | undefined;
  for (const [shard, head] of heads.entries()) {
    if (!head.done && (newest === undefined || head.value.position > newest.position)) newest = { shard, position: head.value.position };
  }
  return newest?.shard;
}
