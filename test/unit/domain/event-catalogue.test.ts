import {
  EVENT_CATALOGUE,
  EVENT_TYPES,
  isEventType,
  parseEventData,
  type EventType,
} from '../../../lambdas/domain/event-catalogue';

// The guide's sample `data` objects, verbatim.
const GUIDE_SAMPLES: Record<'click' | 'conversion' | 'link.created' | 'alert.triggered', string> = {
  click: `{
    "click_id": "abc123def456",
    "link_id": 42,
    "link_slug": "my-offer",
    "destination_url": "https://offer.example.com/landing",
    "ip": "203.0.113.42",
    "country": "US",
    "region": "California",
    "city": "Los Angeles",
    "device": "mobile",
    "browser": "Chrome",
    "os": "Android",
    "referer": "https://facebook.com",
    "is_unique": true,
    "fraud_flags": []
  }`,
  conversion: `{
    "conversion_id": "conv_789xyz",
    "click_id": "abc123def456",
    "link_id": 42,
    "link_slug": "my-offer",
    "revenue": 50.00,
    "currency": "USD",
    "country": "US",
    "device": "mobile"
  }`,
  'link.created': `{
    "link_id": 42,
    "name": "Summer Campaign",
    "slug": "summer-campaign",
    "is_active": true,
    "rules_count": 3
  }`,
  'alert.triggered': `{
    "alert_id": 5,
    "alert_name": "Click spike detected",
    "metric": "clicks",
    "condition": "greater_than",
    "threshold": 1000,
    "current_value": 1247,
    "link_id": 42,
    "link_slug": "my-offer"
  }`,
};

function sample(type: keyof typeof GUIDE_SAMPLES): Record<string, unknown> {
  return JSON.parse(GUIDE_SAMPLES[type]) as Record<string, unknown>;
}

describe('EVENT_TYPES and isEventType', () => {
  it('lists the guide six event types', () => {
    expect([...EVENT_TYPES]).toEqual(['click', 'conversion', 'link.created', 'link.updated', 'link.deleted', 'alert.triggered']);
  });

  it.each([...EVENT_TYPES])('accepts %s', (type) => expect(isEventType(type)).toBe(true));

  it.each(['Click', 'link', 'link.*', '*', '', ' click', 42, null, undefined, {}])('rejects %p', (value) => {
    expect(isEventType(value)).toBe(false);
  });
});

describe('EVENT_CATALOGUE', () => {
  it.each(Object.keys(GUIDE_SAMPLES) as (keyof typeof GUIDE_SAMPLES)[])('example for %s is the guide sample exactly', (type) => {
    expect(JSON.stringify(EVENT_CATALOGUE[type].example)).toBe(JSON.stringify(sample(type)));
  });

  it.each([...EVENT_TYPES])('example for %s passes its own schema', (type) => {
    expect(parseEventData(type, EVENT_CATALOGUE[type].example)).toEqual({ ok: true, data: EVENT_CATALOGUE[type].example });
  });

  it('examples cannot be changed by a caller', () => {
    expect(Object.isFrozen(EVENT_CATALOGUE.click.example)).toBe(true);
    expect(Object.isFrozen(EVENT_CATALOGUE.click.example['fraud_flags'])).toBe(true);
    expect(() => {
      (EVENT_CATALOGUE.click.example as Record<string, unknown>)['link_id'] = 7;
    }).toThrow(TypeError);
  });

  it('describes each type with the guide "Triggered When" text', () => {
    expect(EVENT_CATALOGUE.click.description).toBe('A visitor clicks one of your smart links');
    expect(EVENT_CATALOGUE.conversion.description).toBe('A conversion postback is received for a click');
    expect(EVENT_CATALOGUE['link.created'].description).toBe('A new smart link is created');
    expect(EVENT_CATALOGUE['link.updated'].description).toBe("A smart link's settings or rules are modified");
    expect(EVENT_CATALOGUE['link.deleted'].description).toBe('A smart link is deleted');
    expect(EVENT_CATALOGUE['alert.triggered'].description).toBe('An alert rule condition is met (e.g., click spike)');
  });
});

describe('parseEventData', () => {
  it.each(Object.keys(GUIDE_SAMPLES) as (keyof typeof GUIDE_SAMPLES)[])('accepts the guide %s sample', (type) => {
    const data = sample(type);
    const result = parseEventData(type, data);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.data).toBe(data); // the very same object, not a copy
  });

  it('returns the original object: unknown keys kept, key order untouched', () => {
    const data = { zzz_extra: { nested: [1, 'x'] }, ...sample('click'), aaa_extra: null, '10': 'ten', '2': 'two' };
    const before = JSON.stringify(data);
    const result = parseEventData('click', data);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.data).toBe(data);
    expect(JSON.stringify(result.data)).toBe(before);
    expect(Object.keys(result.data).slice(0, 3)).toEqual(['2', '10', 'zzz_extra']);
  });

  it('accepts unknown descriptive values as null or absent', () => {
    const data = sample('click');
    data['region'] = null;
    data['city'] = null;
    delete data['referer'];
    delete data['fraud_flags'];
    expect(parseEventData('click', data).ok).toBe(true);
  });

  it('accepts fraud flags as strings and a conversion with cents', () => {
    const click = { ...sample('click'), fraud_flags: ['datacenter_ip', 'bot_ua'] };
    expect(parseEventData('click', click).ok).toBe(true);
    expect(parseEventData('conversion', { ...sample('conversion'), revenue: 49.99, currency: 'EUR' }).ok).toBe(true);
  });

  it('accepts a conversion without revenue (a lead)', () => {
    const data = sample('conversion');
    delete data['revenue'];
    delete data['currency'];
    expect(parseEventData('conversion', data).ok).toBe(true);
  });

  it('names the field and the expected type', () => {
    expect(parseEventData('click', { ...sample('click'), link_id: '42' })).toEqual({
      ok: false,
      issues: ['data.link_id: expected number, received string'],
    });
  });

  it('says when a required field is missing', () => {
    const data = sample('conversion');
    delete data['conversion_id'];
    expect(parseEventData('conversion', data)).toEqual({
      ok: false,
      issues: ['data.conversion_id: required (expected string)'],
    });
  });

  it('points into arrays', () => {
    const result = parseEventData('click', { ...sample('click'), fraud_flags: ['ok', 7] });
    expect(result).toEqual({ ok: false, issues: ['data.fraud_flags[1]: expected string, received number'] });
  });

  it('reports every problem at once', () => {
    const result = parseEventData('alert.triggered', { alert_id: 5 });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toEqual(
      expect.arrayContaining([
        'data.alert_name: required (expected string)',
        'data.metric: required (expected string)',
        'data.threshold: required (expected number)',
        'data.current_value: required (expected number)',
      ]),
    );
  });

  it.each<[EventType, Record<string, unknown>, RegExp]>([
    ['click', { click_id: '' }, /^data\.click_id: /],
    ['click', { link_id: 4.2 }, /^data\.link_id: /],
    ['click', { link_id: -1 }, /^data\.link_id: /],
    ['click', { is_unique: 'yes' }, /^data\.is_unique: expected boolean/],
    ['click', { fraud_flags: 'none' }, /^data\.fraud_flags: expected array/],
    ['click', { region: 7 }, /^data\.region: /],
    ['click', { click_id: 'x'.repeat(257) }, /^data\.click_id: /],
    ['conversion', { revenue: '50.00' }, /^data\.revenue: expected number/],
    ['conversion', { currency: 'usd' }, /^data\.currency: expected a 3-letter/],
    ['conversion', { currency: 'USDT' }, /^data\.currency: /],
    ['link.created', { rules_count: -3 }, /^data\.rules_count: /],
    ['alert.triggered', { threshold: '1000' }, /^data\.threshold: expected number/],
  ])('%s rejects %j', (type, override, issue) => {
    const base = type === 'click' || type === 'conversion' || type === 'link.created' || type === 'alert.triggered' ? sample(type) : {};
    const result = parseEventData(type, { ...base, ...override });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues).toEqual([expect.stringMatching(issue)]);
  });

  it.each([null, [], 'text', 42, undefined])('rejects non-object data %p', (data) => {
    const result = parseEventData('link.created', data);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues[0]).toMatch(/^data: expected object/);
  });

  it('link.updated mirrors link.created', () => {
    expect(parseEventData('link.updated', sample('link.created')).ok).toBe(true);
    expect(parseEventData('link.updated', { link_id: 42 }).ok).toBe(false);
  });

  it('link.deleted needs link_id and accepts slug and name', () => {
    expect(parseEventData('link.deleted', { link_id: 42 }).ok).toBe(true);
    expect(parseEventData('link.deleted', { link_id: 42, slug: 'summer-campaign', name: 'Summer Campaign' }).ok).toBe(true);
    expect(parseEventData('link.deleted', { slug: 'summer-campaign' })).toEqual({
      ok: false,
      issues: ['data.link_id: required (expected number)'],
    });
  });

  it('alert.triggered may be account-wide (no link)', () => {
    const data = sample('alert.triggered');
    delete data['link_id'];
    delete data['link_slug'];
    expect(parseEventData('alert.triggered', data).ok).toBe(true);
  });

  it('rejects an object where a number is expected', () => {
    const result = parseEventData('click', { ...sample('click'), link_id: { id: 1 } });
    expect(result).toEqual({ ok: false, issues: ['data.link_id: expected number, received object'] });
  });
});
