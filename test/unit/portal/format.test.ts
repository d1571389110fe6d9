import { attemptResult, errorClassLabel, extraErrorMessage, filteredText, formatLatency, formatPercent, formatTime, isoToLocalInput, localInputToIso, prettyJson, successRate } from '../../../portal/src/format';

test('formatTime writes a sortable local time, and a dash for none', () => {
  expect(formatTime('2026-11-28T14:03:07.123Z', 'UTC')).toBe('2026-11-28 14:03:07');
  expect(formatTime('2026-11-28T23:30:00Z', 'Asia/Tokyo')).toBe('2026-11-29 08:30:00');
  expect(formatTime(undefined)).toBe('—');
  expect(formatTime('not a time')).toBe('not a time');
});

test('formatLatency', () => {
  expect(formatLatency(42.4)).toBe('42 ms');
  expect(formatLatency(1234)).toBe('1.23 s');
  expect(formatLatency(30_000)).toBe('30.0 s');
});

test("attemptResult shows the HTTP status, else the error class in words", () => {
  expect(attemptResult({ statusCode: 503, errorClass: 'http_status' })).toBe('HTTP 503');
  expect(attemptResult({ errorClass: 'timeout' })).toBe('timed out');
  expect(attemptResult({ errorClass: 'circuit_open' })).toBe('not sent: endpoint paused after timeouts');
  expect(attemptResult({})).toBe('—');
  expect(errorClassLabel('something_new')).toBe('something new');
});

test('successRate is the share of attempts that succeeded, as the API counts it', () => {
  expect(successRate([])).toEqual({ attempts: 0, percent: undefined });
  expect(successRate([{ succeeded: 3, failedAttempts: 1 }, { succeeded: 0, failedAttempts: 0 }])).toEqual({ attempts: 4, percent: 75 });
});

test('formatPercent never rounds a failure up to 100 %', () => {
  expect(formatPercent(100)).toBe('100 %');
  expect(formatPercent(99.96)).toBe('99.9 %');
  expect(formatPercent(75)).toBe('75 %');
  expect(formatPercent(0.4)).toBe('0 %');
});

test('prettyJson indents by two spaces', () => {
  expect(prettyJson({ event: 'click', data: { a: 1 } })).toBe('{\n  "event": "click",\n  "data": {\n    "a": 1\n  }\n}');
});

test('datetime-local values and ISO times convert both ways in the local zone', () => {
  expect(localInputToIso('')).toBeUndefined();
  expect(localInputToIso('nonsense')).toBeUndefined();
  const iso = localInputToIso('2026-11-28T09:15')!;
  expect(isoToLocalInput(iso)).toBe('2026-11-28T09:15');
});

test('extraErrorMessage leaves out what the result already says', () => {
  expect(extraErrorMessage({ statusCode: 500, errorClass: 'http_status', errorMessage: 'HTTP 500' })).toBeUndefined();
  expect(extraErrorMessage({ errorClass: 'connection_refused', errorMessage: 'connect ECONNREFUSED 127.0.0.1:1' })).toBe('connect ECONNREFUSED 127.0.0.1:1');
  expect(extraErrorMessage({ errorClass: 'timeout' })).toBeUndefined();
});

test('filteredText counts the events a filter left out, and says nothing for none', () => {
  expect(filteredText(undefined)).toBeUndefined();
  expect(filteredText(0)).toBeUndefined();
  expect(filteredText(1)).toBe('1 event left out by the filter');
  expect(filteredText(1234)).toBe('1,234 events left out by the filter');
});
