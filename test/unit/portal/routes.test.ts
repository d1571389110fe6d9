import { deliveryQuery, parseRoute, type Route, routeHash } from '../../../portal/src/routes';

test.each([
  ['', { page: 'endpoints' }],
  ['#/endpoints', { page: 'endpoints' }],
  ['#/endpoints/new', { page: 'new-endpoint' }],
  ['#/endpoints/ep_123', { page: 'endpoint', id: 'ep_123' }],
  ['#/deliveries', { page: 'deliveries', filters: {} }],
  ['#/deliveries/dlv_abc', { page: 'delivery', id: 'dlv_abc' }],
  ['#/activity', { page: 'activity' }],
  ['#/endpoints/../../etc', { page: 'endpoints' }],
  ['#/endpoints/a%2Fb', { page: 'endpoints' }],
  ['#/nowhere', { page: 'endpoints' }],
] as [string, Route][])('parseRoute(%p)', (hash, route) => {
  expect(parseRoute(hash)).toEqual(route);
});

test('delivery filters survive the fragment both ways, unknown statuses dropped', () => {
  const route: Route = { page: 'deliveries', filters: { status: 'failed', endpoint: 'ep_1', event: 'click', eventId: 'click:abc 123', since: '2026-11-28T10:00:00.000Z' } };
  expect(parseRoute(routeHash(route))).toEqual(route);
  expect(parseRoute('#/deliveries?status=exploded&event=click')).toEqual({ page: 'deliveries', filters: { event: 'click' } });
  expect(routeHash({ page: 'deliveries', filters: {} })).toBe('#/deliveries');
});

test("deliveryQuery names the API's parameters", () => {
  expect(deliveryQuery({ status: 'skipped', eventId: 'e1', until: '2026-11-28T11:00:00.000Z' })).toEqual({
    status: 'skipped',
    endpoint: undefined,
    event: undefined,
    event_id: 'e1',
    since: undefined,
    until: '2026-11-28T11:00:00.000Z',
  });
});
