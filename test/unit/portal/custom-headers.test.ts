import { customHeaderNameProblem, MAX_CUSTOM_HEADERS } from '../../../lambdas/domain/custom-headers';
import * as portal from '../../../portal/src/custom-headers';

const none = { removed: [], name: '', value: '' };

test("the portal's limit is the API's", () => {
  expect(portal.MAX_CUSTOM_HEADERS).toBe(MAX_CUSTOM_HEADERS);
});

test('a new header is set, marked ones removed (null), all in one merge patch', () => {
  expect(portal.headersPatch([], { ...none, name: ' Authorization ', value: ' Bearer abc ' })).toEqual({ patch: { Authorization: 'Bearer abc' } });
  expect(portal.headersPatch(['X-Env', 'X-Old'], { ...none, removed: ['X-Old'] })).toEqual({ patch: { 'X-Old': null } });
  expect(portal.headersPatch(['X-Env', 'X-Old'], { removed: ['X-Old'], name: 'X-New', value: '1' })).toEqual({ patch: { 'X-Old': null, 'X-New': '1' } });
  expect(portal.headersPatch(['X-Env'], none)).toEqual({ patch: {} });
});

test('a name removed and added again (whatever its case) gets the new value, not null', () => {
  expect(portal.headersPatch(['X-Env'], { removed: ['X-Env'], name: 'x-env', value: 'prod' })).toEqual({ patch: { 'x-env': 'prod' } });
});

test('a half-filled row or a name that is no HTTP token is refused at its input', () => {
  expect(portal.headersPatch([], { ...none, value: 'secret' })).toEqual({ error: "Enter the header's name.", field: 'name' });
  expect(portal.headersPatch([], { ...none, name: 'X-Env' })).toEqual({ error: "Enter the header's value.", field: 'value' });
  expect(portal.headersPatch([], { ...none, name: 'X-Env', value: '   ' })).toEqual({ error: "Enter the header's value.", field: 'value' });
  for (const name of ['X Env', 'Authorization:', 'X-Ünicode', '(x)']) {
    expect(portal.headersPatch([], { ...none, name, value: 'v' })).toMatchObject({ field: 'name', error: expect.stringMatching(/^A header name may hold only/) });
  }
});

test("the portal's token check agrees with the API's on names it lets through (reserved names are the API's to refuse)", () => {
  for (const name of ['Authorization', 'X-Api-Key', "x!#$%&'*+-.^_`|~1"]) {
    expect(portal.headersPatch([], { ...none, name, value: 'v' }).error).toBeUndefined();
    expect(customHeaderNameProblem(name)).toBeUndefined();
  }
  for (const name of ['X Env', 'Authorization:', 'X-Ünicode']) {
    expect(portal.headersPatch([], { ...none, name, value: 'v' }).error).toBeDefined();
    expect(customHeaderNameProblem(name)).toBeDefined();
  }
});

test('no more than the limit after the merge; replacing a stored one does not count twice', () => {
  const ten = Array.from({ length: 10 }, (_, index) => `X-H${index}`);
  expect(portal.headersPatch(ten, { ...none, name: 'X-New', value: '1' })).toEqual({ error: 'At most 10 custom headers: remove one first.', field: 'name' });
  expect(portal.headersPatch(ten, { ...none, name: 'x-h3', value: '1' })).toEqual({ patch: { 'x-h3': '1' } });
  expect(portal.headersPatch(ten, { removed: ['X-H0'], name: 'X-New', value: '1' })).toEqual({ patch: { 'X-H0': null, 'X-New': '1' } });
});
