// The management API's request and response shapes. Requests are validated with these schemas,
// responses are typed by them, and the OpenAPI document is generated from them: one source.
import * as z from '../shared/zod';
import { customHeaderNameProblem, customHeaderValueProblem, MAX_CUSTOM_HEADER_VALUE_BYTES, MAX_CUSTOM_HEADERS } from '../domain/custom-headers';
import { DOCUMENTED_FIELDS, EVENT_TYPES } from '../domain/event-catalogue';
import { compileEventPattern, EventPatternError, MAX_FILTER_BYTES, MAX_FILTER_VALUES } from '../domain/event-pattern';
import { ALL_EVENTS } from '../domain/model';
import { MAX_RATE_LIMIT, MIN_RATE_LIMIT } from '../domain/rate-limit';
import { MAX_ENDPOINT_URL_LENGTH, normaliseEndpointUrl } from '../domain/url-policy';
import { DEFAULT_PORTAL_SCOPE, DEFAULT_PORTAL_TTL_MINUTES, MAX_PORTAL_TTL_MINUTES, MIN_PORTAL_TTL_MINUTES, PORTAL_SCOPES } from './portal-tokens';

export const MAX_DESCRIPTION_LENGTH = 500;
export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;
export const DEFAULT_STATS_HOURS = 24;
/** A week; the counts are kept as long as deliveries (ATTEMPT_RETENTION_DAYS). */
export const MAX_STATS_HOURS = 168;

const timestamp = z.iso.datetime({ offset: true }).check(z.describe('ISO-8601 date and time'));
const eventType = z.enum(EVENT_TYPES).check(z.describe('An event type from the catalogue'));

const pageSize = z
  ._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(MAX_PAGE_SIZE)), DEFAULT_PAGE_SIZE)
  .check(z.describe('Page size'));
const cursor = z.optional(z.string().check(z.minLength(1), z.maxLength(2048))).check(z.describe('nextCursor of the previous page'));
const resourceId = z.string().check(z.regex(/^[A-Za-z0-9_-]{1,128}$/, { message: 'must be an id we issued (letters, digits, _ and -)' }));

// --- requests ------------------------------------------------------------------------------

/** Stored, answered and called in its WHATWG-normalised form; the URL policy then judges that form. */
const endpointUrl = z.pipe(
  z.string().check(
    z.minLength(1),
    z.maxLength(MAX_ENDPOINT_URL_LENGTH),
    z.describe(
      'Where deliveries are POSTed: https:// and a public address (http:// and private targets only where the deployment allows them). ' +
        'Stored in its normalised form (e.g. the host in lower case, default port dropped), which the answer shows',
    ),
  ),
  z.transform(normaliseEndpointUrl),
);

const eventSelection = z.array(z.union([eventType, z.literal(ALL_EVENTS)])).check(
  z.minLength(1),
  z.maxLength(EVENT_TYPES.length + 1),
  z.refine((events) => !events.includes(ALL_EVENTS) || events.length === 1, {
    message: `"${ALL_EVENTS}" subscribes to every event type and must be the only entry`,
  }),
  z.describe(`Event types to receive, or ["${ALL_EVENTS}"] for all, present and future`),
);

const description = z.string().check(z.maxLength(MAX_DESCRIPTION_LENGTH), z.describe('A note for people; not sent to the endpoint'));

const RATE_LIMIT_TEXT =
  `At most this many deliveries per second to the endpoint (an integer, ${MIN_RATE_LIMIT} to ${MAX_RATE_LIMIT}); absent: no limit. ` +
  'Deliveries above it wait their turn: they are never failed, dropped or counted toward auto-disable, and waiting uses up no attempt. ' +
  'The limit holds across all dispatchers together, not per instance';
const rateLimit = z.int({ error: 'must be a whole number of deliveries per second' }).check(
  z.gte(MIN_RATE_LIMIT, { error: `must be at least ${MIN_RATE_LIMIT}; null for no limit` }),
  z.lte(MAX_RATE_LIMIT, { error: `must be at most ${MAX_RATE_LIMIT}` }),
);

const FILTER_TEXT =
  "Only events whose data matches this Amazon EventBridge event pattern are delivered, e.g. {\"is_unique\": [true], \"country\": [\"US\", \"CA\"]} " +
  'or {"revenue": [{"numeric": [">=", 100]}]}: exact values, prefix, suffix, anything-but, numeric, exists, equals-ignore-case and $or, ' +
  `at most ${MAX_FILTER_BYTES} bytes and ${MAX_FILTER_VALUES} values. An event left out makes no delivery; the hourly stats count it as filtered`;
const filter = z.record(z.string(), z.unknown()).check(
  z.superRefine((pattern, context) => {
    try {
      compileEventPattern(pattern);
    } catch (error) {
      if (!(error instanceof EventPatternError)) throw error;
      context.issues.push({ code: 'custom', message: error.message, input: pattern });
    }
  }),
);

const REDACT_TEXT =
  'Fields of data removed from the body before it is signed and sent, e.g. ["ip"] (personal data under GDPR): any field the event catalogue documents ' +
  '(GET /v1/event-types lists them and marks personal data). Signatures cover the body as sent';
const redact = z.array(
  z.enum(DOCUMENTED_FIELDS as [string, ...string[]], { error: 'must be a field the event catalogue documents (GET /v1/event-types)' }),
).check(z.maxLength(DOCUMENTED_FIELDS.length), z.refine((fields) => new Set(fields).size === fields.length, { message: 'names a field twice' }));

const HEADERS_TEXT =
  `Sent with every attempt, up to ${MAX_CUSTOM_HEADERS} (e.g. {"Authorization": "Bearer ..."}). Names are HTTP tokens other than X-GeoRedir-*, webhook-*, ` +
  `Host, Content-Type, Content-Length, User-Agent and hop-by-hop headers; values at most ${MAX_CUSTOM_HEADER_VALUE_BYTES} bytes of visible ASCII. ` +
  'Values are treated as secrets: answers show them masked, and they are never logged';
const headerValue = z.string().check(
  z.superRefine((value, context) => {
    const problem = customHeaderValueProblem(value);
    if (problem) context.issues.push({ code: 'custom', message: `the value ${problem}`, input: value });
  }),
);
/** Names are checked on the whole record (zod reports a bad record key without its reason). */
const headerNames = z.superRefine((headers: Record<string, unknown>, context) => {
  for (const name of Object.keys(headers)) {
    const problem = customHeaderNameProblem(name);
    if (problem) context.issues.push({ code: 'custom', message: `${name} ${problem}`, input: name, path: [name] });
  }
  const names = Object.keys(headers).map((name) => name.toLowerCase());
  if (new Set(names).size !== names.length || names.length > MAX_CUSTOM_HEADERS) {
    context.issues.push({ code: 'custom', message: `at most ${MAX_CUSTOM_HEADERS} headers, each name once (names ignore case)`, input: headers });
  }
});
const customHeaders = z.record(z.string(), headerValue).check(headerNames);

export const CreateEndpointRequest = z.strictObject({
  url: endpointUrl,
  events: eventSelection,
  description: z.optional(description),
  rateLimit: z.optional(z.nullable(rateLimit)).check(z.describe(`${RATE_LIMIT_TEXT}. null is the same as absent`)),
  filter: z.optional(z.nullable(filter)).check(z.describe(`${FILTER_TEXT}. null is the same as absent`)),
  redact: z.optional(redact).check(z.describe(REDACT_TEXT)),
  headers: z.optional(customHeaders).check(z.describe(HEADERS_TEXT)),
});

export const UpdateEndpointRequest = z
  .strictObject({
    url: z.optional(endpointUrl),
    events: z.optional(eventSelection),
    description: z.optional(z.nullable(description)).check(z.describe('null removes the description')),
    rateLimit: z.optional(z.nullable(rateLimit)).check(z.describe(`${RATE_LIMIT_TEXT}. null removes the limit`)),
    filter: z.optional(z.nullable(filter)).check(z.describe(`${FILTER_TEXT}. Replaces the filter; null removes it`)),
    redact: z.optional(z.nullable(redact)).check(z.describe(`${REDACT_TEXT}. Replaces the list; null or [] removes it`)),
    headers: z
      .optional(z.nullable(z.record(z.string(), z.nullable(headerValue)).check(headerNames)))
      .check(
        z.describe(
          `${HEADERS_TEXT}. Merged into the endpoint's headers (a JSON merge patch): a value sets that header, null removes it, names not given stay; ` +
            `headers: null removes them all. At most ${MAX_CUSTOM_HEADERS} after the merge`,
        ),
      ),
    status: z
      .optional(z.enum(['active', 'disabled']))
      .check(z.describe('active re-enables (and resets the failure counter); disabled pauses deliveries')),
  })
  .check(z.refine((body) => Object.keys(body).length > 0, { message: 'name at least one field to change' }));

export const RotateSecretRequest = z.strictObject({
  activateAt: z
    .optional(timestamp)
    .check(
      z.describe(
        'When the new secret starts signing X-GeoRedir-Signature: from now to 24 h ahead. Until then X-GeoRedir-Signature keeps the current secret ' +
          'while webhook-signature carries both, so a receiver that checks one secret keeps working until you switch it. Absent: at once',
      ),
    ),
});

export const FilterPreviewRequest = z.strictObject({
  filter: filter.check(z.describe(FILTER_TEXT)),
  events: eventSelection,
});

export const TestEndpointRequest = z.strictObject({
  event: z
    .optional(eventType)
    .check(z.describe('Which sample event to send; default: the first type the endpoint subscribes to (click for ["*"])')),
});

export const ListAccountDeliveriesQuery = z
  .strictObject({
    status: z.optional(z.enum(['pending', 'succeeded', 'failed', 'skipped'])).check(z.describe('Only deliveries with this status')),
    endpoint: z.optional(resourceId).check(z.describe("Only this endpoint's deliveries (ep_...)")),
    event: z.optional(eventType).check(z.describe('Only deliveries of this event type')),
    event_id: z
      .optional(z.string().check(z.regex(/^[\x21-\x7e]{1,256}$/, { message: 'must be 1 to 256 printable ASCII characters' })))
      .check(
        z.describe(
          "The event's deliveries, one per endpoint, looked up directly (any age still retained, the account's current endpoints): " +
            'one page, no cursor',
        ),
      ),
    since: z.optional(timestamp).check(z.describe('Only deliveries created at or after this time')),
    until: z.optional(timestamp).check(z.describe('Only deliveries created at or before this time')),
    limit: pageSize,
    cursor,
  })
  .check(
    z.refine((query) => query.since === undefined || query.until === undefined || Date.parse(query.since) <= Date.parse(query.until), {
      message: 'since must not be after until',
      path: ['since'],
    }),
  );

export const HourlyStatsQuery = z.strictObject({
  endpoint: z.optional(resourceId).check(z.describe('Only this endpoint (ep_...); every endpoint of the account without it')),
  hours: z
    ._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(MAX_STATS_HOURS)), DEFAULT_STATS_HOURS)
    .check(z.describe(`How many hours back, the current one included (1 to ${MAX_STATS_HOURS})`)),
});

export const RecoverRequest = z.strictObject({
  since: timestamp.check(
    z.describe('Redeliver deliveries with a failed attempt at or after this time, and those created since then that failed or were skipped'),
  ),
});

export const ListDeliveriesQuery = z.strictObject({
  status: z
    .optional(
      z.enum(['succeeded', 'failed'], {
        error: 'an attempt either succeeded or failed; for pending or skipped deliveries use GET /v1/deliveries?endpoint=<id>&status=...',
      }),
    )
    .check(z.describe('Only attempts with this outcome (for delivery statuses, pending and skipped included, see GET /v1/deliveries)')),
  limit: pageSize,
  cursor,
});

export const CreatePortalLinkRequest = z.strictObject({
  accountId: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,128}$/), z.describe('The account the link opens (acct_...)')),
  ttlMinutes: z
    ._default(z.int().check(z.gte(MIN_PORTAL_TTL_MINUTES), z.lte(MAX_PORTAL_TTL_MINUTES)), DEFAULT_PORTAL_TTL_MINUTES)
    .check(z.describe(`How long the link works, in minutes (${MIN_PORTAL_TTL_MINUTES} to ${MAX_PORTAL_TTL_MINUTES}); default ${DEFAULT_PORTAL_TTL_MINUTES}`)),
  scope: z
    ._default(z.enum(PORTAL_SCOPES), DEFAULT_PORTAL_SCOPE)
    .check(z.describe(`read: the link may only read (GET routes; anything else answers 403 read_only_link); manage: it may change the account's endpoints too. Default ${DEFAULT_PORTAL_SCOPE}`)),
});

// --- responses -----------------------------------------------------------------------------

/** Attaches a description for the OpenAPI document (zod/mini has no .describe() method). */
const described = <S extends z.ZodMiniType>(schema: S, text: string): S => schema.check(z.describe(text));

export const ErrorResponse = z.object({
  error: z.object({
    code: described(z.string(), 'Stable machine-readable code, e.g. validation_failed'),
    message: z.string(),
    details: z.optional(
      z.array(
        z.object({
          location: z.enum(['body', 'query', 'header', 'path']),
          field: z.string(),
          message: z.string(),
        }),
      ),
    ),
  }),
});

export const Health = z.object({ status: z.literal('ok') });

export const EventTypeList = z.object({
  data: z.array(
    z.object({
      name: eventType,
      description: z.string(),
      example: described(z.record(z.string(), z.unknown()), 'A sample `data` object of this type'),
      fields: described(z.array(z.string()), 'The documented fields of its data: each may be redacted'),
      personalData: described(z.array(z.string()), 'Documented fields holding personal data (GDPR), e.g. a visitor\'s IP address'),
    }),
  ),
});

export const Endpoint = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  description: z.optional(z.string()),
  rateLimit: described(z.optional(z.int().check(z.gte(MIN_RATE_LIMIT), z.lte(MAX_RATE_LIMIT))), RATE_LIMIT_TEXT),
  filter: described(z.optional(z.record(z.string(), z.unknown())), FILTER_TEXT),
  redact: described(z.optional(z.array(z.string())), REDACT_TEXT),
  headers: described(
    z.optional(z.record(z.string(), z.string())),
    'The custom headers sent with every attempt, by name; values masked (****, and the last 4 characters of a value of 16 or more)',
  ),
  secretActivatesAt: described(
    z.optional(timestamp),
    'A scheduled secret switch: until then X-GeoRedir-Signature is signed with the previous secret (webhook-signature carries both)',
  ),
  status: z.enum(['active', 'disabled']),
  disabledReason: z.optional(z.string()),
  disabledAt: z.optional(timestamp),
  consecutiveFailures: described(z.int(), 'Failed deliveries in a row (a delivery fails once its last retry fails); 10 disable the endpoint, a success resets it'),
  lastSuccessAt: z.optional(timestamp),
  lastFailureAt: z.optional(timestamp),
  createdAt: timestamp,
  updatedAt: timestamp,
});

export const CreatedEndpoint = z.extend(Endpoint, {
  secret: described(z.string(), 'The signing secret (whsec_...); also readable later at /secret'),
});

export const EndpointList = z.object({ data: z.array(Endpoint) });

export const EndpointSecret = z.object({
  secret: described(z.string(), 'Signs X-GeoRedir-Signature and webhook-signature'),
  previousSecretExpiresAt: described(
    z.optional(timestamp),
    'Until then the secret replaced by the last rotation also signs webhook-signature',
  ),
  secretActivatesAt: described(
    z.optional(timestamp),
    'A scheduled switch: until then X-GeoRedir-Signature is still signed with the previous secret; from then on with this one',
  ),
});

export const FilterPreview = z.object({
  checked: described(z.int(), "How many of the account's latest events of those types were tried (at most 50; fewer when fewer are kept)"),
  matched: described(z.int(), 'How many of them the filter would have delivered'),
});

export const Attempt = z.object({
  deliveryId: z.string(),
  eventId: z.string(),
  eventType: z.string(),
  attempt: described(z.int(), '1 for the first try, 2 for the first retry, ...'),
  attemptedAt: timestamp,
  outcome: z.enum(['succeeded', 'failed']),
  statusCode: z.optional(z.int()),
  errorClass: described(z.optional(z.string()), 'Why it failed: http_status, timeout, connection_refused, ...'),
  errorMessage: z.optional(z.string()),
  latencyMs: z.int(),
  responseExcerpt: described(z.optional(z.string()), 'The first bytes of the response body'),
  nextRetryAt: z.optional(timestamp),
  test: described(z.optional(z.boolean()), 'A send from POST /v1/endpoints/{id}/test'),
});

export const AttemptPage = z.object({
  data: described(z.array(Attempt), 'Newest first'),
  nextCursor: described(z.nullable(z.string()), 'Pass as cursor for the next page; null on the last page'),
});

export const TestResult = z.object({
  deliveryId: z.string(),
  eventType,
  succeeded: z.boolean(),
  statusCode: z.optional(z.int()),
  latencyMs: z.int(),
  responseExcerpt: z.optional(z.string()),
  errorClass: z.optional(z.string()),
  errorMessage: z.optional(z.string()),
});

/** What a delivery is, without its payload and attempts: shared by the one-delivery view and the list. */
const deliveryFields = {
  id: z.string(),
  endpointId: z.string(),
  eventId: z.string(),
  eventType: z.string(),
  status: described(z.enum(['pending', 'succeeded', 'failed', 'skipped']), 'skipped: not sent because the endpoint was disabled or deleted'),
  attemptCount: z.int(),
  reason: z.optional(z.string()),
  nextAttemptAt: z.optional(timestamp),
  test: z.optional(z.boolean()),
  createdAt: timestamp,
  updatedAt: timestamp,
};

export const Delivery = z.object({
  ...deliveryFields,
  eventId: described(z.optional(z.string()), 'Absent only while the first attempt is under way (recorded with it)'),
  payload: described(z.optional(z.unknown()), 'The body sent to the endpoint, while the event is retained'),
  attempts: described(z.array(Attempt), 'Oldest first'),
});

export const DeliverySummary = z.object({
  ...deliveryFields,
  lastAttempt: described(
    z.optional(
      z.object({
        attempt: z.int(),
        attemptedAt: timestamp,
        outcome: z.enum(['succeeded', 'failed']),
        statusCode: z.optional(z.int()),
        errorClass: z.optional(z.string()),
        latencyMs: z.int(),
      }),
    ),
    'The latest attempt, absent before the first (and for skipped deliveries); GET /v1/deliveries/{id} has them all',
  ),
});

export const DeliveryPage = z.object({
  data: described(z.array(DeliverySummary), 'Newest first'),
  nextCursor: described(
    z.nullable(z.string()),
    'Pass as cursor for the next page; null when there is no more. A page may be short, even empty, and still have a cursor',
  ),
});

export const RedeliveryAccepted = z.object({
  id: z.string(),
  status: z.literal('pending'),
  attempt: described(z.int(), 'The number the new attempt will carry in X-GeoRedir-Attempt'),
});

export const RecoverResult = z.object({
  since: timestamp,
  redelivered: described(z.array(z.string()), 'Delivery ids queued for a new attempt'),
  truncated: described(z.boolean(), 'true when more failures may remain: call again'),
});

const counts = {
  succeeded: described(z.int(), 'Deliveries that succeeded'),
  failed: described(z.int(), 'Deliveries that failed for good (their last retry failed, or 410 Gone)'),
  failedAttempts: described(z.int(), 'Attempts that failed, those a retry follows included'),
  skipped: described(z.int(), 'Deliveries not sent because the endpoint was disabled or deleted'),
  filtered: described(z.int(), "Events the endpoint's filter left out: no delivery was made"),
};

export const HourlyStats = z.object({
  hours: z.int(),
  from: described(timestamp, 'The start of the first hour'),
  to: described(timestamp, 'The end of the last (current) hour, exclusive'),
  data: described(
    z.array(z.object({ endpointId: z.string(), hour: described(timestamp, 'The start of the hour (UTC)'), ...counts })),
    'One entry per endpoint per hour, oldest hour first, endpoints oldest first; hours without deliveries are zeros',
  ),
  summary: described(
    z.array(
      z.object({
        endpointId: z.string(),
        ...counts,
        successRate: described(
          z.nullable(z.number()),
          'succeeded / (succeeded + failedAttempts) over the window: the share of attempts that succeeded, 0 to 1; null without attempts',
        ),
      }),
    ),
    'Per endpoint, the window summed: for the endpoint list',
  ),
});

export const PortalLink = z.object({
  url: described(
    z.string(),
    '<API base URL>/portal#token=grp_...: the token is in the fragment, which browsers send to no server and put in no Referer',
  ),
  expiresAt: timestamp,
});

export const PortalLinksRevoked = z.object({
  accountId: z.string(),
  portalLinksValidAfter: described(timestamp, 'Portal links of the account issued before this time are refused (401 portal_link_revoked)'),
});

export const OpenApiDocument = described(z.record(z.string(), z.unknown()), 'This document');

/** Every named schema, as it appears under components.schemas. */
export const NAMED_SCHEMAS = {
  requests: {
    CreateEndpointRequest,
    UpdateEndpointRequest,
    RotateSecretRequest,
    FilterPreviewRequest,
    TestEndpointRequest,
    RecoverRequest,
    CreatePortalLinkRequest,
  },
  responses: {
    ErrorResponse,
    Health,
    EventTypeList,
    Endpoint,
    CreatedEndpoint,
    EndpointList,
    EndpointSecret,
    FilterPreview,
    Attempt,
    AttemptPage,
    TestResult,
    Delivery,
    DeliverySummary,
    DeliveryPage,
    RedeliveryAccepted,
    RecoverResult,
    HourlyStats,
    PortalLink,
    PortalLinksRevoked,
    OpenApiDocument,
  },
} as const;
