import { compileEventPattern, EventPatternError } from '../../../../local/aws-endpoint/event-pattern';

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

const matches = (pattern: Record<string, unknown>, candidate: unknown) => compileEventPattern(pattern, 'test-rule')(candidate);

describe('event patterns', () => {
  it('matches exact values listed in arrays, on every field of the pattern', () => {
    const pattern = { source: ['georedir'], 'detail-type': ['link.created', 'link.updated'] };
    expect(matches(pattern, event('link.created'))).toBe(true);
    expect(matches(pattern, event('click'))).toBe(false);
    expect(matches({ ...pattern, source: ['other'] }, event('link.created'))).toBe(false);
  });

  it('matches nested objects and array-valued event fields', () => {
    const pattern = { detail: { data: { country: ['FR', 'DE'] } } };
    expect(matches(pattern, event('click', { data: { country: 'FR' } }))).toBe(true);
    expect(matches(pattern, event('click', { data: { country: 'US' } }))).toBe(false);
    expect(matches(pattern, event('click', { data: {} }))).toBe(false);
    expect(matches({ resources: ['arn:aws:example:link/1'] }, event('click'))).toBe(true);
    expect(matches({ detail: { tags: ['b'] } }, event('click', { tags: ['a', 'b'] }))).toBe(true);
  });

  it('distinguishes numbers, strings, booleans and null', () => {
    expect(matches({ detail: { n: [5] } }, event('click', { n: 5 }))).toBe(true);
    expect(matches({ detail: { n: [5] } }, event('click', { n: '5' }))).toBe(false);
    expect(matches({ detail: { b: [true] } }, event('click', { b: true }))).toBe(true);
    expect(matches({ detail: { v: [null] } }, event('click', { v: null }))).toBe(true);
    expect(matches({ detail: { v: [null] } }, event('click', {}))).toBe(false);
  });

  it('supports prefix (a click is not a link.* event) and suffix', () => {
    const links = { 'detail-type': [{ prefix: 'link.' }] };
    expect(matches(links, event('link.deleted'))).toBe(true);
    expect(matches(links, event('click'))).toBe(false);
    expect(matches({ 'detail-type': [{ prefix: { 'equals-ignore-case': 'LINK.' } }] }, event('link.deleted'))).toBe(true);
    expect(matches({ 'detail-type': [{ suffix: '.triggered' }] }, event('alert.triggered'))).toBe(true);
    expect(matches({ 'detail-type': [{ suffix: '.triggered' }] }, event('conversion'))).toBe(false);
  });

  it('supports anything-but with values, lists and prefixes; a missing field never matches it', () => {
    expect(matches({ 'detail-type': [{ 'anything-but': 'click' }] }, event('conversion'))).toBe(true);
    expect(matches({ 'detail-type': [{ 'anything-but': 'click' }] }, event('click'))).toBe(false);
    expect(matches({ 'detail-type': [{ 'anything-but': ['click', 'conversion'] }] }, event('conversion'))).toBe(false);
    expect(matches({ 'detail-type': [{ 'anything-but': { prefix: 'link.' } }] }, event('link.created'))).toBe(false);
    expect(matches({ 'detail-type': [{ 'anything-but': { prefix: 'link.' } }] }, event('click'))).toBe(true);
    expect(matches({ detail: { plan: [{ 'anything-but': 'free' }] } }, event('click', {}))).toBe(false);
  });

  it('supports numeric ranges on numbers only', () => {
    const pattern = { detail: { amount: [{ numeric: ['>', 0, '<=', 100] }] } };
    expect(matches(pattern, event('conversion', { amount: 100 }))).toBe(true);
    expect(matches(pattern, event('conversion', { amount: 0 }))).toBe(false);
    expect(matches(pattern, event('conversion', { amount: 100.5 }))).toBe(false);
    expect(matches(pattern, event('conversion', { amount: '50' }))).toBe(false);
    expect(matches({ detail: { amount: [{ numeric: ['=', 3] }] } }, event('conversion', { amount: 3 }))).toBe(true);
  });

  it('supports exists true and false', () => {
    expect(matches({ detail: { id: [{ exists: true }] } }, event('click', { id: 'x' }))).toBe(true);
    expect(matches({ detail: { id: [{ exists: true }] } }, event('click', {}))).toBe(false);
    expect(matches({ detail: { id: [{ exists: false }] } }, event('click', {}))).toBe(true);
    expect(matches({ detail: { id: [{ exists: false }] } }, event('click', { id: 'x' }))).toBe(false);
    expect(matches({ detail: { data: { id: [{ exists: false }] } } }, event('click', {}))).toBe(true);
  });

  it('supports equals-ignore-case', () => {
    expect(matches({ source: [{ 'equals-ignore-case': 'GeoRedir' }] }, event('click'))).toBe(true);
    expect(matches({ source: [{ 'equals-ignore-case': 'geo' }] }, event('click'))).toBe(false);
  });

  it('refuses unsupported operators and malformed patterns when compiled', () => {
    expect(() => compileEventPattern({ source: [{ wildcard: 'geo*' }] }, 'catch-all')).toThrow(
      new EventPatternError('unsupported event pattern operator wildcard in rule catch-all'),
    );
    expect(() => compileEventPattern({ $or: [{ source: ['a'] }] }, 'either')).toThrow('unsupported event pattern operator $or in rule either');
    expect(() => compileEventPattern({ detail: { ip: [{ cidr: '10.0.0.0/8' }] } }, 'r')).toThrow('unsupported event pattern operator cidr in rule r');
    expect(() => compileEventPattern({ source: 'georedir' }, 'r')).toThrow('must be an array or an object');
    expect(() => compileEventPattern({ source: [] }, 'r')).toThrow('must not be an empty array');
    expect(() => compileEventPattern({ n: [{ numeric: ['~', 1] }] }, 'r')).toThrow('numeric');
    expect(() => compileEventPattern({}, 'r')).toThrow('non-empty JSON object');
  });
});
