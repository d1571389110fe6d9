// Paging cursors signed with the day's key derived from the local KMS: one opens only its own
// list, keeps working across midnight (a rotated day) for two days, and nothing edited, foreign or
// older opens anything.
import { CursorCodec, InvalidCursorError } from '../../../../lambdas/adapters/management/cursor';
import { localSigningKeys } from '../../../support/local-signing-keys';

const DAY = 86_400_000;
const { cursorKeys, portalKeys } = localSigningKeys();
const at = (iso: string) => new Date(iso);

/** A codec whose clock the test moves. */
function codecAt(start: Date) {
  const clock = { now: start };
  return { clock, codec: new CursorCodec(cursorKeys, () => clock.now) };
}

it('round-trips a position for the same list, as <payload>.<key id>.<signature>', async () => {
  const { codec } = codecAt(at('2026-12-06T23:59:00Z'));
  const cursor = await codec.encode({ shard: 3, position: '2026-12-06T23:58:00.000Z#abc', index: 2 }, 'acct_1|all');
  expect(cursor).toMatch(/^[A-Za-z0-9_-]+\.2026-12-06\.[A-Za-z0-9_-]{43}$/);
  expect(await codec.decode(cursor, 'acct_1|all')).toEqual({ shard: 3, position: '2026-12-06T23:58:00.000Z#abc', index: 2 });
});

it("opens a cursor made before midnight the next day and the day after (a rotated day's key), not later", async () => {
  const { clock, codec } = codecAt(at('2026-12-06T23:59:59Z'));
  const cursor = await codec.encode({ index: 1 }, 'list');
  clock.now = at('2026-12-07T00:00:01Z');
  const afterMidnight = await codec.encode({ index: 1 }, 'list');
  expect(afterMidnight.split('.')[1]).toBe('2026-12-07');
  expect(afterMidnight).not.toBe(cursor);
  expect(await codec.decode(cursor, 'list')).toEqual({ index: 1 });
  clock.now = at('2026-12-08T23:00:00Z');
  expect(await codec.decode(cursor, 'list')).toEqual({ index: 1 });
  clock.now = new Date(at('2026-12-06T12:00:00Z').getTime() + 3 * DAY);
  await expect(codec.decode(cursor, 'list')).rejects.toThrow(InvalidCursorError);
});

it("refuses another list's cursor, an edited one, one naming another day, one signed with another purpose's key, and garbage", async () => {
  const { codec } = codecAt(at('2026-12-06T10:00:00Z'));
  const cursor = await codec.encode({ index: 1 }, 'acct_1|all');
  const [payload = '', keyId = '', signature = ''] = cursor.split('.');
  const portalKeySigned = await new CursorCodec(portalKeys, () => at('2026-12-06T10:00:00Z')).encode({ index: 1 }, 'acct_1|all');
  for (const candidate of [
    cursor,
    `${Buffer.from(JSON.stringify({ index: 99 })).toString('base64url')}.${keyId}.${signature}`,
    `${payload}.2026-12-05.${signature}`,
    `${payload}.2026-12-07.${signature}`,
    `${payload}.${signature}`,
    `${payload}.${keyId}.${signature}.x`,
    portalKeySigned,
    'garbage',
    '',
  ]) {
    const scope = candidate === cursor ? 'acct_2|all' : 'acct_1|all';
    await expect(codec.decode(candidate, scope)).rejects.toThrow(InvalidCursorError);
  }
});

it('made without keys, says so instead of signing with anything', async () => {
  await expect(new CursorCodec(undefined).encode({ index: 1 }, 'list')).rejects.toThrow('without cursor signing keys');
});
