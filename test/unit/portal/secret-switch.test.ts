import { isoToLocalInput } from '../../../portal/src/format';
import { defaultSwitchInput, MAX_SWITCH_AHEAD_HOURS, parseSwitchTime, switchInputBounds, switchPendingText } from '../../../portal/src/secret-switch';

const NOW = Date.parse('2026-11-28T14:03:27.500Z');
const HOUR = 3_600_000;
const local = (ms: number) => isoToLocalInput(new Date(ms).toISOString());

test('the field starts an hour ahead, and runs from the next minute to 24 hours ahead', () => {
  expect(MAX_SWITCH_AHEAD_HOURS).toBe(24);
  expect(defaultSwitchInput(NOW)).toBe(local(NOW + HOUR));
  expect(switchInputBounds(NOW)).toEqual({ min: local(Date.parse('2026-11-28T14:04:00Z')), max: local(NOW + 24 * HOUR) });
});

test('a time ahead, up to 24 hours, is the API\'s activateAt', () => {
  expect(parseSwitchTime(defaultSwitchInput(NOW), NOW)).toEqual({ iso: new Date(Date.parse('2026-11-28T15:03:00Z')).toISOString() });
  expect(parseSwitchTime(switchInputBounds(NOW).max, NOW).iso).toBe('2026-11-29T14:03:00.000Z');
});

test('an empty field, a time gone by or one too far ahead is refused', () => {
  expect(parseSwitchTime('', NOW)).toEqual({ error: 'Choose when the new secret starts signing X-GeoRedir-Signature.' });
  expect(parseSwitchTime(local(NOW - 60_000), NOW)).toEqual({ error: 'Choose a time ahead of now (up to 24 hours).' });
  expect(parseSwitchTime(local(NOW + 25 * HOUR), NOW)).toEqual({ error: 'Choose a time at most 24 hours ahead.' });
});

test('a rotation refused while a switch is ahead says when that switch is', () => {
  expect(switchPendingText(undefined)).toBe('A switch to a new secret is already scheduled. Rotate again once it has happened, so no secret your receiver holds is dropped.');
  expect(switchPendingText('2026-11-28T15:00:00Z')).toMatch(/^A switch to a new secret is already scheduled for 2026-11-2\d \d\d:00:00\. Rotate again/);
});
