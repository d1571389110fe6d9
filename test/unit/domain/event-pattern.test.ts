import { compileEventPattern, EventPatternError } from '../../../lambdas/domain/event-pattern';

/** A customer's endpoint filter, matched against an event's `data`: the defaults. */
const compile = (pattern: unknown) => compileEventPattern(pattern);
const matches = (pattern: unknown, data: unknown) => compile(pattern)(data);
const refusal = (pattern: unknown) => {
  try {
    compile(pattern);
  } catch (error) {
    if (error instanceof EventPatternError) return error.message;
    throw error;
  }
  throw new Error('the pattern compiled');
};

describe('event patterns as EventBridge rules (the local EventBridge)', () => {
  const event = (detailType: string, detail: Record<string, unknown> = {}) => ({
    version: '0',
    id: 'e1',
    'detail-type': detailType,
    source: 'georedir',
    account: '000000000000',
    time: '2026-02-25T14:30:00Z',
    region: 'us-east-1',
    resources: ['arn:aws:example:link/1'],
    detail,
  });
  const rule = (pattern: unknown) => compileEventPattern(pattern, { label: 'rule test-rule: EventPattern', limits: false });
  const matchesEvent = (pattern: Record<string, unknown>, candidate: unknown) => rule(pattern)(candidate);

  it('matches exact values listed in arrays, on every field of the pattern', () => {
    const pattern = { source: ['georedir'], 'detail-type': ['link.created', 'link.updated'] };
    expect(matchesEvent(pattern, event('link.created'))).toBe(true);
    expect(matchesEvent(pattern, event('click'))).toBe(false);
    expect(matchesEvent({ ...pattern, source: ['other'] }, event('link.created'))).toBe(false);
  });

  it('matches nested objects and array-valued event fields', () => {
    const pattern = { detail: { data: { country: ['FR', 'DE'] } } };
    expect(matchesEvent(pattern, event('click', { data: { country: 'FR' } }))).toBe(true);
    expect(matchesEvent(pattern, event('click', { data: { country: 'US' } }))).toBe(false);
    expect(matchesEvent(pattern, event('click', { data: {} }))).toBe(false);
    expect(matchesEvent({ resources: ['arn:aws:example:link/1'] }, event('click'))).toBe(true);
    expect(matchesEvent({ detail: { tags: ['b'] } }, event('click', { tags: ['a', 'b'] }))).toBe(true);
  });

  it('distinguishes numbers, strings, booleans and null', () => {
    expect(matchesEvent({ detail: { n: [5] } }, event('click', { n: 5 }))).toBe(true);
    expect(matchesEvent({ detail: { n: [5] } }, event('click', { n: '5' }))).toBe(false);
    expect(matchesEvent({ detail: { b: [true] } }, event('click', { b: true }))).toBe(true);
    expect(matchesEvent({ detail: { v: [null] } }, event('click', { v: null }))).toBe(true);
    expect(matchesEvent({ detail: { v: [null] } }, event('click', {}))).toBe(false);
  });

  it('supports prefix (a click is not a link.* event) and suffix', () => {
    const links = { 'detail-type': [{ prefix: 'link.' }] };
    expect(matchesEvent(links, event('link.deleted'))).toBe(true);
    expect(matchesEvent(links, event('click'))).toBe(false);
    expect(matchesEvent({ 'detail-type': [{ prefix: { 'equals-ignore-case': 'LINK.' } }] }, event('link.deleted'))).toBe(true);
    expect(matchesEvent({ 'detail-type': [{ suffix: '.triggered' }] }, event('alert.triggered'))).toBe(true);
    expect(matchesEvent({ 'detail-type': [{ suffix: '.triggered' }] }, event('conversion'))).toBe(false);
  });

  it('supports anything-but with values, lists and prefixes; a missing field never matches it', () => {
    expect(matchesEvent({ 'detail-type': [{ 'anything-but': 'click' }] }, event('conversion'))).toBe(true);
    expect(matchesEvent({ 'detail-type': [{ 'anything-but': 'click' }] }, event('click'))).toBe(false);
    expect(matchesEvent({ 'detail-type': [{ 'anything-but': ['click', 'conversion'] }] }, event('conversion'))).toBe(false);
    expect(matchesEvent({ 'detail-type': [{ 'anything-but': { prefix: 'link.' } }] }, event('link.created'))).toBe(false);
    expect(matchesEvent({ 'detail-type': [{ 'anything-but': { prefix: 'link.' } }] }, event('click'))).toBe(true);
    expect(matchesEvent({ detail: { plan: [{ 'anything-but': 'free' }] } }, event('click', {}))).toBe(false);
  });

  it('supports numeric ranges on numbers only', () => {
    const pattern = { detail: { amount: [{ numeric: ['>', 0, '<=', 100] }] } };
    expect(matchesEvent(pattern, event('conversion', { amount: 100 }))).toBe(true);
    expect(matchesEvent(pattern, event('conversion', { amount: 0 }))).toBe(false);
    expect(matchesEvent(pattern, event('conversion', { amount: 100.5 }))).toBe(false);
    expect(matchesEvent(pattern, event('conversion', { amount: '50' }))).toBe(false);
    expect(matchesEvent({ detail: { amount: [{ numeric: ['=', 3] }] } }, event('conversion', { amount: 3 }))).toBe(true);
  });

  it('supports exists true and false', () => {
    expect(matchesEvent({ detail: { id: [{ exists: true }] } }, event('click', { id: 'x' }))).toBe(true);
    expect(matchesEvent({ detail: { id: [{ exists: true }] } }, event('click', {}))).toBe(false);
    expect(matchesEvent({ detail: { id: [{ exists: false }] } }, event('click', {}))).toBe(true);
    expect(matchesEvent({ detail: { id: [{ exists: false }] } }, event('click', { id: 'x' }))).toBe(false);
    expect(matchesEvent({ detail: { data: { id: [{ exists: false }] } } }, event('click', {}))).toBe(true);
  });

  it('supports equals-ignore-case', () => {
    expect(matchesEvent({ source: [{ 'equals-ignore-case': 'GeoRedir' }] }, event('click'))).toBe(true);
    expect(matchesEvent({ source: [{ 'equals-ignore-case': 'geo' }] }, event('click'))).toBe(false);
  });

  it('refuses unsupported operators and malformed patterns when compiled, naming the rule', () => {
    expect(() => rule({ source: [{ wildcard: 'geo*' }] })).toThrow(
      new EventPatternError('rule test-rule: EventPattern.source: unknown operator "wildcard"'),
    );
    expect(() => rule({ $or: [{ source: ['a'] }] })).toThrow('rule test-rule: EventPattern.$or: expects a list of at least 2 patterns');
    expect(() => rule({ detail: { ip: [{ cidr: '10.0.0.0/8' }] } })).toThrow('EventPattern.detail.ip: unknown operator "cidr"');
    expect(() => rule({ source: 'georedir' })).toThrow('must be an array or an object');
    expect(() => rule({ source: [] })).toThrow('must not be an empty array');
    expect(() => rule({ n: [{ numeric: ['~', 1] }] })).toThrow('numeric');
    expect(() => rule({})).toThrow('non-empty JSON object');
  });

  it('applies no customer limits to the operator\'s own rules (limits: false)', () => {
    const many = { detail: { id: Array.from({ length: 300 }, (_, index) => `id-${index}`) } };
    expect(matchesEvent(many, event('click', { id: 'id-299' }))).toBe(true);
  });
});

describe('event patterns as endpoint filters on data', () => {
  it('exact values: a field matches when it equals one listed value; every field must match', () => {
    const pattern = { is_unique: [true], country: ['US', 'CA'] };
    expect(matches(pattern, { is_unique: true, country: 'CA' })).toBe(true);
    expect(matches(pattern, { is_unique: false, country: 'CA' })).toBe(false);
    expect(matches(pattern, { is_unique: true, country: 'FR' })).toBe(false);
    expect(matches({ revenue: [100] }, JSON.parse('{"revenue": 100.0}'))).toBe(true);
  });

  it('null and the empty string are different values (AWS: matching null values and empty strings)', () => {
    expect(matches({ eventVersion: [''] }, { eventVersion: '', responseElements: null })).toBe(true);
    expect(matches({ responseElements: [null] }, { eventVersion: '', responseElements: null })).toBe(true);
    expect(matches({ eventVersion: [null] }, { eventVersion: '' })).toBe(false);
  });

  it('an array in the event matches when any of its elements does (AWS: arrays in event patterns)', () => {
    expect(matches({ tags: ['vip'] }, { tags: ['new', 'vip'] })).toBe(true);
    expect(matches({ tags: [{ prefix: 'v' }] }, { tags: [['new'], ['vip']] })).toBe(true);
    expect(matches({ tags: ['vip'] }, { tags: ['new'] })).toBe(false);
  });

  it('an object pattern against an array of objects needs one element to match every field', () => {
    const items = { items: [{ sku: 'a', qty: 1 }, { sku: 'b', qty: 5 }] };
    expect(matches({ items: { sku: ['b'], qty: [{ numeric: ['>', 2] }] } }, items)).toBe(true);
    expect(matches({ items: { sku: ['a'], qty: [{ numeric: ['>', 2] }] } }, items)).toBe(false);
  });

  it('prefix and suffix match strings, optionally ignoring case (AWS examples)', () => {
    expect(matches({ time: [{ prefix: '2017-10-02' }] }, { time: '2017-10-02T18:43:48Z' })).toBe(true);
    expect(matches({ time: [{ prefix: '2017-10-02' }] }, { time: '2017-10-03T00:00:00Z' })).toBe(false);
    expect(matches({ FileName: [{ suffix: '.png' }] }, { FileName: 'photo.png' })).toBe(true);
    expect(matches({ FileName: [{ suffix: '.png' }] }, { FileName: 'photo.PNG' })).toBe(false);
    expect(matches({ FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] }, { FileName: 'photo.PNG' })).toBe(true);
    expect(matches({ service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] }, { service: 'eventbridge' })).toBe(true);
  });

  it('equals-ignore-case matches a string in any casing', () => {
    expect(matches({ name: [{ 'equals-ignore-case': 'alice' }] }, { name: 'ALICE' })).toBe(true);
    expect(matches({ name: [{ 'equals-ignore-case': 'alice' }] }, { name: 'alicia' })).toBe(false);
  });

  it('anything-but excludes a value, a list of strings or of numbers (AWS examples)', () => {
    expect(matches({ state: [{ 'anything-but': 'initializing' }] }, { state: 'running' })).toBe(true);
    expect(matches({ state: [{ 'anything-but': 'initializing' }] }, { state: 'initializing' })).toBe(false);
    expect(matches({ 'x-limit': [{ 'anything-but': 123 }] }, { 'x-limit': 123 })).toBe(false);
    expect(matches({ state: [{ 'anything-but': ['stopped', 'overloaded'] }] }, { state: 'overloaded' })).toBe(false);
    expect(matches({ 'x-limit': [{ 'anything-but': [100, 200, 300] }] }, { 'x-limit': 150 })).toBe(true);
    expect(matches({ 'x-limit': [{ 'anything-but': [100, 200, 300] }] }, { 'x-limit': 200 })).toBe(false);
  });

  it('anything-but takes prefix, suffix and equals-ignore-case, each with a string or a list', () => {
    const region = (argument: unknown, value: string) => matches({ region: [{ 'anything-but': argument }] }, { region: value });
    expect(region({ prefix: 'us-' }, 'us-east-1')).toBe(false);
    expect(region({ prefix: ['us-', 'eu-'] }, 'eu-west-1')).toBe(false);
    expect(region({ prefix: ['us-', 'eu-'] }, 'ap-south-1')).toBe(true);
    expect(region({ suffix: '-1' }, 'eu-west-2')).toBe(true);
    expect(region({ suffix: ['-1', '-2'] }, 'eu-west-2')).toBe(false);
    expect(region({ 'equals-ignore-case': 'US-EAST-1' }, 'us-east-1')).toBe(false);
    expect(region({ 'equals-ignore-case': ['a', 'b'] }, 'C')).toBe(true);
  });

  it('anything-but never matches a missing field, but matches any other present value (5 and null are not "free")', () => {
    expect(matches({ plan: [{ 'anything-but': 'free' }] }, {})).toBe(false);
    expect(matches({ plan: [{ 'anything-but': 'free' }] }, { plan: 5 })).toBe(true);
    expect(matches({ plan: [{ 'anything-but': { prefix: 'fr' } }] }, { plan: null })).toBe(true);
  });

  it('numeric matches JSON numbers within one or two comparisons (AWS example)', () => {
    const pattern = { 'c-count': [{ numeric: ['>', 0, '<=', 5] }], 'd-count': [{ numeric: ['<', 10] }], 'x-limit': [{ numeric: ['=', 3.018e2] }] };
    expect(matches(pattern, { 'c-count': 5, 'd-count': 3, 'x-limit': 301.8 })).toBe(true);
    expect(matches(pattern, { 'c-count': 0, 'd-count': 3, 'x-limit': 301.8 })).toBe(false);
    expect(matches(pattern, { 'c-count': 5, 'd-count': 10, 'x-limit': 301.8 })).toBe(false);
    expect(matches({ revenue: [{ numeric: ['>=', 100] }] }, { revenue: 100 })).toBe(true);
    expect(matches({ revenue: [{ numeric: ['>=', 100, '<', 200] }] }, { revenue: 200 })).toBe(false);
  });

  it('exists matches on the presence of a leaf value; an object or an empty array is no leaf (AWS example)', () => {
    expect(matches({ 'c-count': [{ exists: false }] }, { state: 'running' })).toBe(true);
    expect(matches({ 'c-count': [{ exists: false }] }, { 'c-count': { c1: 100 } })).toBe(true);
    expect(matches({ 'c-count': [{ exists: true }] }, { 'c-count': { c1: 100 } })).toBe(false);
    expect(matches({ tags: [{ exists: true }] }, { tags: [] })).toBe(false);
    expect(matches({ tags: [{ exists: false }] }, { tags: [] })).toBe(true);
    expect(matches({ coupon: [{ exists: true }] }, { coupon: null })).toBe(true);
  });

  it('a missing field matches only exists: false, whatever else the list holds', () => {
    for (const entry of ['x', 0, null, { prefix: '' }, { 'anything-but': 'x' }, { numeric: ['>', 0] }, { exists: true }]) {
      expect(matches({ field: [entry] }, {})).toBe(false);
    }
    expect(matches({ field: ['x', { exists: false }] }, {})).toBe(true);
    expect(matches({ nested: { field: [{ exists: false }] } }, { nested: 'a string' })).toBe(true);
  });

  it('a value of another type never matches, and never throws', () => {
    expect(matches({ revenue: [{ numeric: ['>', 0] }] }, { revenue: '50' })).toBe(false);
    expect(matches({ code: [{ prefix: '12' }] }, { code: 123 })).toBe(false);
    expect(matches({ code: [{ suffix: 'e' }] }, { code: true })).toBe(false);
    expect(matches({ code: [{ 'equals-ignore-case': '1' }] }, { code: 1 })).toBe(false);
    expect(matches({ code: ['5'] }, { code: 5 })).toBe(false);
    expect(matches({ code: { inner: ['a'] } }, { code: 'a' })).toBe(false);
    expect(matches({ code: ['a'] }, { code: { inner: 'a' } })).toBe(false);
    expect(matches({ code: ['a'] }, 'not an object')).toBe(false);
    expect(matches({ toString: ['a'] }, {})).toBe(false);
  });

  it('$or matches when any of its patterns does, at the top level and in nested objects (AWS examples)', () => {
    const pattern = { source: ['aws.cloudwatch'], $or: [{ metricName: ['CPUUtilization'] }, { namespace: ['AWS/EC2'] }] };
    expect(matches(pattern, { source: 'aws.cloudwatch', namespace: 'AWS/EC2' })).toBe(true);
    expect(matches(pattern, { source: 'aws.cloudwatch', metricName: 'ReadLatency' })).toBe(false);
    expect(matches(pattern, { source: 'aws.ec2', metricName: 'CPUUtilization' })).toBe(false);
    const nested = { detail: { $or: [{ 'c-count': [{ numeric: ['>', 0, '<=', 5] }] }, { 'x-limit': [{ numeric: ['=', 301.8] }] }] } };
    expect(matches(nested, { detail: { 'x-limit': 301.8 } })).toBe(true);
    expect(matches(nested, { detail: { 'c-count': 9 } })).toBe(false);
    const inner = { $or: [{ scope: ['Service'] }, { metricType: ['MetricType'], $or: [{ metricId: [1234] }, { spaceId: [1000] }] }] };
    expect(matches(inner, { metricType: 'MetricType', spaceId: 1000 })).toBe(true);
    expect(matches(inner, { metricType: 'MetricType', spaceId: 1 })).toBe(false);
  });
});

describe('event pattern validation (customer input)', () => {
  it.each([
    ['an operator EventBridge lacks', { country: [{ prefixx: 'U' }] }, 'filter.country: unknown operator "prefixx"'],
    ['an operator object with two keys', { a: [{ prefix: 'x', suffix: 'y' }] }, 'filter.a: an operator object has exactly one key, like {"prefix": "a"}'],
    ['a field that is neither a list nor an object', { country: 'US' }, 'filter.country: must be an array or an object, like ["US", "CA"] or {"plan": ["pro"]}'],
    ['a list entry that is a list', { country: [['US']] }, 'filter.country: may only list strings, numbers, booleans, null or operators like {"prefix": "a"}'],
    ['an empty list', { country: [] }, 'filter.country: must not be an empty array'],
    ['an empty nested object', { geo: {} }, 'filter.geo: must not be an empty object'],
    ['exists without a boolean', { a: [{ exists: 'yes' }] }, 'filter.a: exists expects true or false'],
    ['prefix without a string', { a: [{ prefix: 5 }] }, 'filter.a: prefix expects a string or {"equals-ignore-case": "..."}'],
    ['suffix with an unknown option', { a: [{ suffix: { wildcard: 'x' } }] }, 'filter.a: suffix expects a string or {"equals-ignore-case": "..."}'],
    ['equals-ignore-case without a string', { a: [{ 'equals-ignore-case': 1 }] }, 'filter.a: equals-ignore-case expects a string'],
    ['numeric without a list', { revenue: [{ numeric: 5 }] }, 'filter.revenue: numeric expects a list like [">", 0, "<=", 5]'],
    ['numeric with an unknown comparison', { revenue: [{ numeric: ['~', 1] }] }, 'filter.revenue: numeric expects a list like [">", 0, "<=", 5]'],
    ['numeric with a string bound', { revenue: [{ numeric: ['>', '1'] }] }, 'filter.revenue: numeric expects a list like [">", 0, "<=", 5]'],
    ['numeric with three terms', { revenue: [{ numeric: ['>', 1, '<'] }] }, 'filter.revenue: numeric expects a list like [">", 0, "<=", 5]'],
    ['numeric with the upper bound first', { revenue: [{ numeric: ['<', 5, '>', 1] }] }, 'filter.revenue: numeric expects a lower bound (">" or ">=") then an upper bound ("<" or "<="), like [">", 0, "<=", 5]'],
    ['numeric with an empty range', { revenue: [{ numeric: ['>', 5, '<', 5] }] }, 'filter.revenue: numeric expects a lower bound below its upper bound; 5 is not below 5'],
    ['anything-but mixing strings and numbers', { a: [{ 'anything-but': ['a', 1] }] }, 'filter.a: anything-but expects a string, a number, a list of strings or of numbers'],
    ['anything-but of null', { a: [{ 'anything-but': null }] }, 'filter.a: anything-but expects'],
    ['anything-but of an empty list', { a: [{ 'anything-but': [] }] }, 'filter.a: anything-but expects'],
    ['anything-but of an empty prefix', { a: [{ 'anything-but': { prefix: '' } }] }, 'filter.a: anything-but expects'],
    ['anything-but of an unsupported operator', { a: [{ 'anything-but': { wildcard: '*' } }] }, 'filter.a: anything-but expects'],
    ['$or that is not a list', { $or: { a: [1] } }, 'filter.$or: expects a list of at least 2 patterns, like [{"a": [1]}, {"b": [2]}]'],
    ['$or with a single pattern', { $or: [{ a: [1] }] }, 'filter.$or: expects a list of at least 2 patterns'],
    ['$or with a pattern that is not an object', { $or: [{ a: [1] }, ['b']] }, 'filter.$or[1]: must be an object'],
    ['$or with an empty pattern', { geo: { $or: [{ a: [1] }, {}] } }, 'filter.geo.$or[1]: must not be an empty object'],
    ['$or using an operator as a field name', { $or: [{ numeric: ['>', 1] }, { a: [1] }] }, 'filter.$or[0].numeric: operator "numeric" used as a field name inside $or'],
    ['another $ operator', { $and: [{ a: [1] }, { b: [2] }] }, 'filter.$and: unknown operator "$and"'],
  ])('refuses %s, naming the path', (_what, pattern, message) => {
    expect(refusal(pattern)).toContain(message);
  });

  it.each([[null], [[{ a: [1] }]], ['{"a": [1]}'], [{}]])('refuses a filter that is not a non-empty object: %j', (pattern) => {
    expect(refusal(pattern)).toBe('filter must be a non-empty JSON object');
  });

  it('refuses a filter over 4096 bytes of UTF-8 JSON', () => {
    // {"note":["…"]} is 13 bytes around the string; "é" is 2 bytes.
    expect(() => compile({ note: ['é'.repeat(2041)] })).not.toThrow();
    expect(refusal({ note: ['é'.repeat(2042)] })).toBe('filter is 4097 bytes; at most 4096');
  });

  it('refuses more than 50 values: literals, operator arguments, numeric bounds and anything-but exclusions', () => {
    const fifty = {
      country: Array.from({ length: 45 }, (_, index) => `C${index}`), // 45
      revenue: [{ numeric: ['>', 0, '<=', 5] }], // 2
      plan: [{ 'anything-but': ['free', 'trial'] }], // 2
      $or: [{ id: [{ exists: true }] }, { code: [{ prefix: 'x' }] }], // 2
    };
    expect(refusal(fifty)).toBe('filter has 51 values; at most 50');
    expect(() => compile({ ...fifty, country: fifty.country.slice(1) })).not.toThrow();
  });

  it('refuses objects nested more than 10 levels deep, the root included', () => {
    const nest = (levels: number): Record<string, unknown> => (levels === 1 ? { leaf: [1] } : { a: nest(levels - 1) });
    expect(() => compile(nest(10))).not.toThrow();
    expect(refusal(nest(11))).toBe(`filter${'.a'.repeat(10)}: nested 11 levels deep; at most 10`);
    expect(refusal({ $or: [nest(10), { b: [1] }] })).toBe(`filter.$or[0]${'.a'.repeat(9)}: nested 11 levels deep; at most 10`);
  });
});
