import { EVENT_CATALOGUE, EVENT_TYPES } from '../../../lambdas/domain/event-catalogue';
import { type CatalogueEntry, redactableFields, redactLabel, redactSelection } from '../../../portal/src/redact';

const catalogue: CatalogueEntry[] = [
  { name: 'click', description: '', fields: ['click_id', 'link_id', 'ip', 'country'], personalData: ['ip'] },
  { name: 'conversion', description: '', fields: ['conversion_id', 'link_id', 'revenue'], personalData: [] },
  { name: 'link.created', description: '', fields: ['link_id', 'name'], personalData: [] },
];

test("an endpoint's types give its fields, each once, personal data first", () => {
  expect(redactableFields(catalogue, ['click'])).toEqual([
    { name: 'ip', eventTypes: ['click'], personalData: true },
    { name: 'click_id', eventTypes: ['click'], personalData: false },
    { name: 'link_id', eventTypes: ['click'], personalData: false },
    { name: 'country', eventTypes: ['click'], personalData: false },
  ]);
  expect(redactableFields(catalogue, ['conversion', 'link.created']).map((field) => [field.name, field.eventTypes])).toEqual([
    ['conversion_id', ['conversion']],
    ['link_id', ['conversion', 'link.created']],
    ['revenue', ['conversion']],
    ['name', ['link.created']],
  ]);
});

test('"*" takes every type', () => {
  expect(redactableFields(catalogue, ['*']).map((field) => field.name)).toEqual(['ip', 'click_id', 'link_id', 'country', 'conversion_id', 'revenue', 'name']);
});

test('a field already redacted stays listed, so it can be unticked, even when no type of the endpoint has it', () => {
  expect(redactableFields(catalogue, ['conversion'], ['ip']).map((field) => field.name)).toEqual(['conversion_id', 'link_id', 'revenue', 'ip']);
});

test('the ticked fields go to the API in the list\'s order', () => {
  const fields = redactableFields(catalogue, ['click']);
  expect(redactSelection(fields, new Set(['country', 'ip', 'gone']))).toEqual(['ip', 'country']);
  expect(redactSelection(fields, new Set())).toEqual([]);
});

test("with the API's own catalogue, a click's ip is personal data", () => {
  const real: CatalogueEntry[] = EVENT_TYPES.map((name) => ({ name, description: '', fields: [...EVENT_CATALOGUE[name].fields], personalData: [...EVENT_CATALOGUE[name].personalData] }));
  expect(redactableFields(real, ['click'])[0]).toEqual({ name: 'ip', eventTypes: ['click'], personalData: true });
});

test('the redacted fields in words', () => {
  expect(redactLabel(undefined)).toBe('None');
  expect(redactLabel([])).toBe('None');
  expect(redactLabel(['ip', 'referer'])).toBe('ip, referer');
});
