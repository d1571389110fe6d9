import { EVENT_CATALOGUE } from '../../../lambdas/domain/event-catalogue';
import { parseIngressEvent } from '../../../lambdas/domain/ingress';

const SOURCE = 'georedir';

const CLICK_DATA = EVENT_CATALOGUE.click.example;

/** An envelope as an EventBridge rule delivers it to SQS. */
function envelope(detailType: string, detail: unknown, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    version: '0',
    id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    'detail-type': detailType,
    source: SOURCE,
    account: '111122223333',
    time: '2026-02-25T14:30:07Z',
    region: 'eu-west-1',
    resources: [],
    detail,
    ...overrides,
  };
}

function expectOk(result: ReturnType<typeof parseIngressEvent>) {
  if (!result.ok) throw new Error(`expected ok, got: ${result.reason}`);
  return result.event;
}

function expectRejected(result: ReturnType<typeof parseIngressEvent>): string {
  if (result.ok) throw new Error('expected a rejection');
  return result.reason;
}

describe('parseIngressEvent', () => {
  it('accepts the guide click and builds the delivery body', () => {
    const event = expectOk(
      parseIngressEvent(envelope('click', { account_id: 'acct_1', data: CLICK_DATA, timestamp: '2026-02-25T14:30:00Z' }), SOURCE),
    );
    expect(event).toEqual({
      accountId: 'acct_1',
      eventId: 'click:abc123def456',
      eventType: 'click',
      timestamp: '2026-02-25T14:30:00Z',
      data: CLICK_DATA,
      body: JSON.stringify({ event: 'click', timestamp: '2026-02-25T14:30:00Z', data: CLICK_DATA }),
    });
    expect(event.body.startsWith('{"event":"click","timestamp":"2026-02-25T14:30:00Z","data":{"click_id":"abc123def456",')).toBe(true);
  });

  it('accepts the SQS message body as JSON text, keeping the producer key order and extra fields', () => {
    const detailJson = '{"account_id":"acct_1","data":{"zeta":1,"link_id":42,"name":"Summer Campaign","slug":"summer-campaign","is_active":true,"rules_count":3,"alpha":[]}}';
    const text = JSON.stringify(envelope('link.created', JSON.parse(detailJson)));
    const event = expectOk(parseIngressEvent(text, SOURCE));
    expect(event.body).toBe(
      '{"event":"link.created","timestamp":"2026-02-25T14:30:07Z","data":{"zeta":1,"link_id":42,"name":"Summer Campaign","slug":"summer-campaign","is_active":true,"rules_count":3,"alpha":[]}}',
    );
  });

  describe('event identity', () => {
    it('prefers detail.id', () => {
      const event = expectOk(parseIngressEvent(envelope('click', { account_id: 'a', id: 'evt-1', data: CLICK_DATA }), SOURCE));
      expect(event.eventId).toBe('evt-1');
    });

    it('derives conversion:<conversion_id>', () => {
      const data = { conversion_id: 'conv_789xyz', click_id: 'abc123def456', link_id: 42, link_slug: 'my-offer', revenue: 50, currency: 'USD' };
      expect(expectOk(parseIngressEvent(envelope('conversion', { account_id: 'a', data }), SOURCE)).eventId).toBe('conversion:conv_789xyz');
    });

    it('falls back to the EventBridge id for link and alert events', () => {
      const data = { link_id: 42 };
      expect(expectOk(parseIngressEvent(envelope('link.deleted', { account_id: 'a', data }), SOURCE)).eventId).toBe(
        '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
      );
    });

    it('treats a null id as absent', () => {
      expect(expectOk(parseIngressEvent(envelope('click', { account_id: 'a', id: null, data: CLICK_DATA }), SOURCE)).eventId).toBe(
        'click:abc123def456',
      );
    });

    it.each([['', 'blank'], ['has space', 'space'], [42, 'number'], ['x'.repeat(257), 'too long'], ['é', 'non-ASCII']])(
      'rejects detail.id %p (%s)',
      (id: unknown, _label: string) => {
        expect(expectRejected(parseIngressEvent(envelope('click', { account_id: 'a', id, data: CLICK_DATA }), SOURCE))).toMatch(
          /^detail\.id must be/,
        );
      },
    );

    it('rejects an event with no identity at all', () => {
      const result = parseIngressEvent(envelope('link.deleted', { account_id: 'a', data: { link_id: 1 } }, { id: undefined }), SOURCE);
      expect(expectRejected(result)).toMatch(/no identity/);
    });
  });

  describe('timestamp', () => {
    it.each([
      ['2026-02-25T14:30:00Z', '2026-02-25T14:30:00Z'],
      ['2026-02-25T14:30:00.987654Z', '2026-02-25T14:30:00Z'],
      ['2026-02-25T16:30:00+02:00', '2026-02-25T14:30:00Z'],
      ['2026-02-25T09:00:00-05:30', '2026-02-25T14:30:00Z'],
      ['2024-02-29T00:00:00z', '2024-02-29T00:00:00Z'],
    ])('normalises detail.timestamp %s to %s', (given, expected) => {
      const event = expectOk(parseIngressEvent(envelope('click', { account_id: 'a', data: CLICK_DATA, timestamp: given }), SOURCE));
      expect(event.timestamp).toBe(expected);
      expect(event.body).toContain(`"timestamp":"${expected}"`);
    });

    it('uses the envelope time when detail.timestamp is absent', () => {
      expect(expectOk(parseIngressEvent(envelope('click', { account_id: 'a', data: CLICK_DATA }), SOURCE)).timestamp).toBe(
        '2026-02-25T14:30:07Z',
      );
    });

    it.each(['2026-02-30T00:00:00Z', '2025-02-29T00:00:00Z', '2026-02-25T24:00:00Z', '2026-02-25T14:30:00', '2026-02-25', 'yesterday', 1772029800, '2026-13-01T00:00:00Z', '2026-02-25T14:30:00+25:00'])(
      'rejects detail.timestamp %p',
      (timestamp) => {
        expect(expectRejected(parseIngressEvent(envelope('click', { account_id: 'a', data: CLICK_DATA, timestamp }), SOURCE))).toMatch(
          /^detail\.timestamp .* is not an ISO-8601 date-time with a time zone/,
        );
      },
    );

    it('rejects a bad envelope time when there is no detail.timestamp', () => {
      expect(expectRejected(parseIngressEvent(envelope('click', { account_id: 'a', data: CLICK_DATA }, { time: 'soon' }), SOURCE))).toMatch(
        /EventBridge time "soon"/,
      );
    });
  });

  describe('rejections', () => {
    it('rejects the wrong source', () => {
      expect(expectRejected(parseIngressEvent(envelope('click', { account_id: 'a', data: CLICK_DATA }, { source: 'evil' }), SOURCE))).toBe(
        'source "evil" is not accepted; expected "georedir"',
      );
    });

    it('rejects an unknown detail-type and lists the known ones', () => {
      expect(expectRejected(parseIngressEvent(envelope('link.archived', { account_id: 'a', data: {} }), SOURCE))).toBe(
        'unknown event type "link.archived" (detail-type); expected one of click, conversion, link.created, link.updated, link.deleted, alert.triggered',
      );
    });

    it.each([undefined, '', '   ', 7, null])('rejects account_id %p', (accountId) => {
      expect(expectRejected(parseIngressEvent(envelope('click', { account_id: accountId, data: CLICK_DATA }), SOURCE))).toBe(
        'detail.account_id is required (a non-blank string)',
      );
    });

    it.each(['acct 1', 'a/b', 'x'.repeat(129), ' acct', 'ac\nct'])('rejects unsafe account_id %p', (accountId) => {
      expect(expectRejected(parseIngressEvent(envelope('click', { account_id: accountId, data: CLICK_DATA }), SOURCE))).toMatch(
        /^detail\.account_id must be 1-128 characters/,
      );
    });

    it('rejects missing data', () => {
      expect(expectRejected(parseIngressEvent(envelope('click', { account_id: 'a' }), SOURCE))).toBe('detail.data is required');
    });

    it('rejects invalid data with the catalogue issues', () => {
      const reason = expectRejected(parseIngressEvent(envelope('click', { account_id: 'a', data: { ...CLICK_DATA, link_id: 'x' } }), SOURCE));
      expect(reason).toBe('detail.data is not a valid click payload: data.link_id: expected number, received string');
    });

    it.each([null, 'text', [], 42])('rejects a non-object detail %p', (detail) => {
      expect(expectRejected(parseIngressEvent(envelope('click', detail), SOURCE))).toMatch(/^detail must be a JSON object/);
    });

    it.each([null, 42, 'not json', '[1]', []])('rejects a non-event message %p', (message) => {
      expect(expectRejected(parseIngressEvent(message, SOURCE))).toMatch(/not an EventBridge event/);
    });
  });
});
