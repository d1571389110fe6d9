// A batch's slot requests: grouped per endpoint into one reservation, asked for from now plus the
// reservations' own round trip, so no slot has passed by the time the write answers.
import { ReservationLead, SendSlots, type LimitedEndpoint } from '../../../lambdas/delivery/send-slots';

const endpoint = (endpointId: string): LimitedEndpoint => ({
  accountId: 'acct',
  endpointId,
  url: 'https://example.com',
  events: ['*'],
  status: 'active',
  secret: 'whsec_x',
  consecutiveFailures: 0,
  rateLimit: 10,
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
});

it('makes one reservation per endpoint for the requests of one turn, in request order', async () => {
  const calls: { endpointId: string; count: number; from: number }[] = [];
  let now = 1_000;
  const slots = new SendSlots(
    async (limited, count, from) => {
      calls.push({ endpointId: limited.endpointId, count, from: from.getTime() });
      return Array.from({ length: count }, (_, index) => from.getTime() + index * 100);
    },
    new ReservationLead(0),
    () => now,
  );
  const taken = await Promise.all([slots.take(endpoint('a')), slots.take(endpoint('b')), slots.take(endpoint('a'))]);
  expect(calls).toEqual([
    { endpointId: 'a', count: 2, from: 1_000 },
    { endpointId: 'b', count: 1, from: 1_000 },
  ]);
  expect(taken).toEqual([1_000, 1_000, 1_100]);
  // A later turn is a new reservation.
  now = 2_000;
  expect(await slots.take(endpoint('a'))).toBe(2_000);
  expect(calls).toHaveLength(3);
});

it('asks for slots from now plus the recent round trip of a reservation', async () => {
  let now = 0;
  const lead = new ReservationLead(50);
  const froms: number[] = [];
  const slots = new SendSlots(
    async (_limited, count, from) => {
      froms.push(from.getTime() - now);
      now += 400; // a busy table: the write takes 400 ms
      return Array.from({ length: count }, () => from.getTime());
    },
    lead,
    () => now,
  );
  for (let round = 0; round < 6; round += 1) await slots.take(endpoint('a'));
  expect(froms[0]).toBe(50);
  // The estimate moves towards the 400 ms the writes take.
  expect(froms.at(-1)!).toBeGreaterThan(300);
  expect(lead.ms).toBeLessThanOrEqual(400);
});

it('hands a failed reservation to every request waiting on it', async () => {
  const slots = new SendSlots(async () => Promise.reject(new Error('throttled')), new ReservationLead(0), () => 0);
  await expect(Promise.all([slots.take(endpoint('a')), slots.take(endpoint('a'))])).rejects.toThrow('throttled');
});
