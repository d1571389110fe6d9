import { filterChanged, filterSummary, filterText, parseFilter, previewText } from '../../../portal/src/filter';

test('an empty field is no filter (null, which removes one); a JSON object is the pattern', () => {
  expect(parseFilter('')).toEqual({ value: null });
  expect(parseFilter('  \n ')).toEqual({ value: null });
  expect(parseFilter('{"country": ["US", "CA"]}')).toEqual({ value: { country: ['US', 'CA'] } });
  expect(parseFilter(' {"revenue": [{"numeric": [">=", 100]}]} ')).toEqual({ value: { revenue: [{ numeric: ['>=', 100] }] } });
});

test('text that is not JSON is refused with the parser\'s reason, before anything is sent', () => {
  const parsed = parseFilter('{"country": ["US"');
  expect(parsed.value).toBeUndefined();
  expect(parsed.error).toMatch(/^The filter is not valid JSON \(.+\)\.$/);
});

test.each(['[]', '["US"]', '"US"', '42', 'null', 'true', '{}'])('refuses %s: a pattern is a JSON object naming fields', (text) => {
  expect(parseFilter(text)).toEqual({
    error: 'Write the filter as a JSON object of data fields, e.g. {"is_unique": [true], "country": ["US", "CA"]}, or leave it empty for no filter.',
  });
});

test('a stored filter shows indented in the field, and the field is changed only when it says something else', () => {
  const stored = { country: ['US'], is_unique: [true] };
  expect(filterText(undefined)).toBe('');
  expect(filterText(stored)).toBe('{\n  "country": [\n    "US"\n  ],\n  "is_unique": [\n    true\n  ]\n}');
  expect(filterChanged(filterText(stored), stored)).toBe(false);
  expect(filterChanged('{"country":["US"],"is_unique":[true]}', stored)).toBe(false);
  expect(filterChanged('{"country":["CA"]}', stored)).toBe(true);
  expect(filterChanged('', stored)).toBe(true);
  expect(filterChanged('', undefined)).toBe(false);
  expect(filterChanged('{"country": [', undefined)).toBe(true);
});

test('the summary is the pattern on one line, cut short when long', () => {
  expect(filterSummary(undefined)).toBeUndefined();
  expect(filterSummary({ country: ['US'] })).toBe('{"country":["US"]}');
  const long = filterSummary({ country: ['US', 'CA', 'GB', 'DE', 'FR', 'IT', 'ES', 'NL', 'BE', 'AT', 'CH', 'SE', 'NO', 'DK'] })!;
  expect(long).toHaveLength(80);
  expect(long.endsWith('…')).toBe(true);
});

test('a preview in words', () => {
  expect(previewText({ checked: 3, matched: 2 })).toBe('Would have delivered 2 of the last 3 events.');
  expect(previewText({ checked: 50, matched: 0 })).toBe('Would have delivered 0 of the last 50 events.');
  expect(previewText({ checked: 1, matched: 1 })).toBe('Would have delivered 1 of the last 1 event.');
  expect(previewText({ checked: 0, matched: 0 })).toBe('No recent events of these types to try the filter on.');
});
