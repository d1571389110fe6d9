import { buildDeliveryBody, formatTimestamp } from '../../../lambdas/domain/payload';

describe('formatTimestamp', () => {
  it('formats UTC with whole seconds and Z', () => {
    expect(formatTimestamp(new Date('2026-02-25T14:30:00.999Z'))).toBe('2026-02-25T14:30:00Z');
    expect(formatTimestamp(new Date('2026-02-25T16:30:00+02:00'))).toBe('2026-02-25T14:30:00Z');
    expect(formatTimestamp(new Date(0))).toBe('1970-01-01T00:00:00Z');
  });

  it('refuses an invalid date', () => {
    expect(() => formatTimestamp(new Date('nope'))).toThrow(RangeError);
  });
});

describe('buildDeliveryBody', () => {
  it('produces the guide envelope with keys in order and no whitespace', () => {
    const body = buildDeliveryBody('link.created', '2026-02-25T10:00:00Z', {
      link_id: 42,
      name: 'Summer Campaign',
      slug: 'summer-campaign',
      is_active: true,
      rules_count: 3,
    });
    expect(body).toBe(
      '{"event":"link.created","timestamp":"2026-02-25T10:00:00Z","data":{"link_id":42,"name":"Summer Campaign","slug":"summer-campaign","is_active":true,"rules_count":3}}',
    );
  });

  it('keeps the guide revenue 50.00 as the JSON number 50', () => {
    const data = JSON.parse('{"revenue": 50.00, "other": 49.99}') as unknown;
    expect(buildDeliveryBody('conversion', '2026-02-25T15:45:00Z', data)).toBe(
      '{"event":"conversion","timestamp":"2026-02-25T15:45:00Z","data":{"revenue":50,"other":49.99}}',
    );
  });

  const awkwardPayloads: [string, string][] = [
    ['non-ASCII text', '{"city":"São Paulo","region":"Zürich","note":"東京 😀 👩‍👩‍👧","rtl":"שלום"}'],
    ['revenue 50.0 and 49.99', '{"revenue":50.0,"refund":49.99,"tiny":1e-7,"neg":-0.0,"big_float":1.7976931348623157e308}'],
    ['empty and nested arrays', '{"fraud_flags":[],"matrix":[[],[[]],[1,[2,[3]]]],"objs":[{},{"a":{}}]}'],
    ['large integers', '{"link_id":9007199254740993,"huge":123456789012345678901234567890,"max":9007199254740991}'],
    ['integer-like keys', '{"b":1,"10":2,"a":3,"2":4,"01":5,"-1":6,"4294967295":7}'],
    ['escapes and control characters', '{"quote":"\\"","backslash":"\\\\","nl":"a\\nb","tab":"\\t","nul":"\\u0000","ls":"\\u2028","lone":"\\ud800"}'],
    ['proto-like keys', '{"__proto__":{"polluted":true},"constructor":"x"}'],
    ['null and booleans', '{"region":null,"is_unique":false,"ok":true}'],
  ];

  it.each(awkwardPayloads)('survives parse + stringify byte for byte: %s', (_label, json) => {
    const data = JSON.parse(json) as unknown;
    const body = buildDeliveryBody('click', '2026-02-25T14:30:00Z', data);
    expect(JSON.stringify(JSON.parse(body))).toBe(body);
    // And the UTF-8 bytes a receiver reads decode back to the same text.
    expect(Buffer.from(body, 'utf8').toString('utf8')).toBe(body);
    expect(Object.keys(JSON.parse(body) as object)).toEqual(['event', 'timestamp', 'data']);
  });

  it('keeps non-ASCII characters literal (not \\u escaped)', () => {
    const body = buildDeliveryBody('click', '2026-02-25T14:30:00Z', { city: 'São Paulo', e: '😀' });
    expect(body).toContain('São Paulo');
    expect(body).toContain('😀');
  });

  it('refuses undefined data rather than dropping the key', () => {
    expect(() => buildDeliveryBody('click', '2026-02-25T14:30:00Z', undefined)).toThrow(/data is required/);
  });
});
