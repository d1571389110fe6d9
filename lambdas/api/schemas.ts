// The management API's request and response shapes. Requests are validated with these schemas,
// responses are typed by them, and the OpenAPI document is generated from them: one source.
import * as z from '../shared/zod';
import { EVENT_TYPES } from '../domain/event-catalogue';
import { ALL_EVENTS } from '../domain/model';
import { MAX_RATE_LIMIT, MIN_RATE_LIMIT } from '../domain/rate-limit';
import { MAX_ENDPOINT_URL_LENGTH, normaliseEndpointUrl } from '../domain/url-policy';
import { DEFAULT_PORTAL_TTL_MINUTES, MAX_PORTAL_TTL_MINUTES, MIN_PORTAL_TTL_MINUTES } from './portal-tokens';

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

export const CreateEndpointRequest = z.strictObject({
  url: endpointUrl,
  events: eventSelection,
  description: z.optional(description),
  rateLimit: z.optional(z.nullable(rateLimit)).check(z.describe(`${RATE_LIMIT_TEXT}. null is the same as absent`)),
});

export const UpdateEndpointRequest = z
  .strictObject({
    url: z.optional(endpointUrl),
    events: z.optional(eventSelection),
    description: z.optional(z.nullable(description)).check(z.describe('null removes the description')),
    rateLimit: z.optional(z.nullable(rateLimit)).check(z.describe(`${RATE_LIMIT_TEXT}. null removes the limit`)),
    status: z
      .optional(z.enum(['active', 'disabled']))
      .check(z.describe('active re-enables (and resets the failure counter); disabled pauses deliveries')),
  })
  .check(z.refine((body) => Object.keys(body).length > 0, { message: 'name at least one field to change' }));

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
    }),
  ),
});

export const Endpoint = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  description: z.optional(z.string()),
  rateLimit: described(z.optional(z.int().check(z.gte(MIN_RATE_LIMIT), z.lte(MAX_RATE_LIMIT))), RATE_LIMIT_TEXT),
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

export const OpenApiDocument = described(z.record(z.string(), z.unknown()), 'This document');

/** Every named schema, as it appears under components.schemas. */
export const NAMED_SCHEMAS = {
  requests: { CreateEndpointRequest, UpdateEndpointRequest, TestEndpointRequest, RecoverRequest, CreatePortalLinkRequest },
  responses: {
    ErrorResponse,
    Health,
    EventTypeList,
    Endpoint,
    CreatedEndpoint,
    EndpointList,
    EndpointSecret,
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
    OpenApiDocument,
  },
} as const;
