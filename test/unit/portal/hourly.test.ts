import { hourlySeries, hourStarts, stacked, totals } from '../../../portal/src/hourly';

const count = (endpointId: string, hour: string, succeeded: number, failed = 0, skipped = 0) => ({ endpointId, hour, succeeded, failed, failedAttempts: failed, skipped, filtered: 0 });

test("hourStarts counts the window's hours from its start", () => {
  expect(hourStarts('2026-11-28T10:00:00Z', 3)).toEqual([Date.parse('2026-11-28T10:00:00Z') / 1000, Date.parse('2026-11-28T11:00:00Z') / 1000, Date.parse('2026-11-28T12:00:00Z') / 1000]);
});

test('hourlySeries places each count in its hour and endpoint, zeros elsewhere, and ignores the rest', () => {
  const series = hourlySeries(
    {
      from: '2026-11-28T10:00:00Z',
      hours: 3,
      data: [
        count('ep_a', '2026-11-28T10:00:00Z', 5, 1),
        count('ep_a', '2026-11-28T12:00:00.000Z', 2, 0, 4),
        count('ep_b', '2026-11-28T11:00:00Z', 7),
        count('ep_other', '2026-11-28T11:00:00Z', 9),
        count('ep_a', '2026-11-28T09:00:00Z', 100),
      ],
    },
    ['ep_a', 'ep_b', 'ep_none'],
  );
  expect([...series.keys()]).toEqual(['ep_a', 'ep_b', 'ep_none']);
  expect(series.get('ep_a')).toMatchObject({ succeeded: [5, 0, 2], failed: [1, 0, 0], skipped: [0, 0, 4] });
  expect(series.get('ep_b')?.succeeded).toEqual([0, 7, 0]);
  expect(totals(series.get('ep_none')!)).toEqual({ succeeded: 0, failed: 0, skipped: 0 });
});

test('stacked gives each layer its top edge, succeeded at the bottom', () => {
  expect(stacked({ hours: [0, 3600], succeeded: [5, 0], failed: [1, 2], skipped: [0, 4] })).toEqual({ succeeded: [5, 0], failed: [6, 2], skipped: [6, 6] });
});
