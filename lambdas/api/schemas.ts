// The management API's request and response shapes. Requests are validated with these schemas,
// responses are typed by them, and the OpenAPI document is generated from them: one source.
import { z } from 'zod';
import { EVENT_TYPES } from '../domain/event-catalogue';
import { ALL_EVENTS } from '../domain/model';
import { MAX_ENDPOINT_URL_LENGTH } from '../domain/url-policy';

export const MAX_DESCRIPTION_LENGTH = 500;
export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

const timestamp = z.iso.datetime({ offset: true }).describe('ISO-8601 date and time');
const eventType = z.enum(EVENT_TYPES).describe('An event type from the catalogue');

// --- requests ------------------------------------------------------------------------------

const endpointUrl = z
  .string()
  .min(1)
  .max(MAX_ENDPOINT_URL_LENGTH)
  .describe('Where deliveries are POSTed: https:// and a public address (http:// and private targets only where the deployment allows them)');

const eventSelection = z
  .array(z.union([eventType, z.literal(ALL_EVENTS)]))
  .min(1)
  .max(EVENT_TYPES.length + 1)
  .refine((events) => !events.includes(ALL_EVENTS) || events.length === 1, {
    message: `"${ALL_EVENTS}" subscribes to every event type and must be the only entry`,
  })
  .describe(`Event types to receive, or ["${ALL_EVENTS}"] for all, present and future`);

const description = z.string().max(MAX_DESCRIPTION_LENGTH).describe('A note for people; not sent to the endpoint');

export const CreateEndpointRequest = z.strictObject({
  url: endpointUrl,
  events: eventSelection,
  description: description.optional(),
});

export const UpdateEndpointRequest = z
  .strictObject({
    url: endpointUrl.optional(),
    events: eventSelection.optional(),
    description: description.nullable().optional().describe('null removes the description'),
    status: z.enum(['active', 'disabled']).optional().describe('active re-enables (and resets the failure counter); disabled pauses deliveries'),
  })
  .refine((body) => Object.keys(body).length > 0, { message: 'name at least one field to change' });

export const TestEndpointRequest = z.strictObject({
  event: eventType.default('click').describe('Which sample event to send; default click'),
});

export const RecoverRequest = z.strictObject({
  since: timestamp.describe('Redeliver deliveries with a failed attempt at or after this time, and those created since then that failed or were skipped'),
});

export const ListDeliveriesQuery = z.strictObject({
  status: z.enum(['succeeded', 'failed']).optional().describe('Only attempts with this outcome'),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE).describe('Page size'),
  cursor: z.string().min(1).max(2048).optional().describe('nextCursor of the previous page'),
});

// --- responses -----------------------------------------------------------------------------

export const ErrorResponse = z.object({
  error: z.object({
    code: z.string().describe('Stable machine-readable code, e.g. validation_failed'),
    message: z.string(),
    details: z
      .array(
        z.object({
          location: z.enum(['body', 'query', 'header', 'path']),
          field: z.string(),
          message: z.string(),
        }),
      )
      .optional(),
  }),
});

export const Health = z.object({ status: z.literal('ok') });

export const EventTypeList = z.object({
  data: z.array(
    z.object({
      name: eventType,
      description: z.string(),
      example: z.record(z.string(), z.unknown()).describe('A sample `data` object of this type'),
    }),
  ),
});

export const Endpoint = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  description: z.string().optional(),
  status: z.enum(['active', 'disabled']),
  disabledReason: z.string().optional(),
  disabledAt: timestamp.optional(),
  consecutiveFailures: z.int().describe('Failed attempts in a row; 10 disable the endpoint'),
  lastSuccessAt: timestamp.optional(),
  lastFailureAt: timestamp.optional(),
  createdAt: timestamp,
  updatedAt: timestamp,
});

export const CreatedEndpoint = Endpoint.extend({
  secret: z.string().describe('The signing secret (whsec_...); also readable later at /secret'),
});

export const EndpointList = z.object({ data: z.array(Endpoint) });

export const EndpointSecret = z.object({
  secret: z.string().describe('Signs X-GeoRedir-Signature and webhook-signature'),
  previousSecretExpiresAt: timestamp
    .optional()
    .describe('Until then the secret replaced by the last rotation also signs webhook-signature'),
});

export const Attempt = z.object({
  deliveryId: z.string(),
  eventId: z.string(),
  eventType: z.string(),
  attempt: z.int().describe('1 for the first try, 2 for the first retry, ...'),
  attemptedAt: timestamp,
  outcome: z.enum(['succeeded', 'failed']),
  statusCode: z.int().optional(),
  errorClass: z.string().optional().describe('Why it failed: http_status, timeout, connection_refused, ...'),
  errorMessage: z.string().optional(),
  latencyMs: z.int(),
  responseExcerpt: z.string().optional().describe('The first bytes of the response body'),
  nextRetryAt: timestamp.optional(),
  test: z.boolean().optional().describe('A send from POST /v1/endpoints/{id}/test'),
});

export const AttemptPage = z.object({
  data: z.array(Attempt).describe('Newest first'),
  nextCursor: z.string().nullable().describe('Pass as cursor for the next page; null on the last page'),
});

export const TestResult = z.object({
  deliveryId: z.string(),
  eventType,
  succeeded: z.boolean(),
  statusCode: z.int().optional(),
  latencyMs: z.int(),
  responseExcerpt: z.string().optional(),
  errorClass: z.string().optional(),
  errorMessage: z.string().optional(),
});

export const Delivery = z.object({
  id: z.string(),
  endpointId: z.string(),
  eventId: z.string(),
  eventType: z.string(),
  status: z.enum(['pending', 'succeeded', 'failed', 'skipped']),
  attemptCount: z.int(),
  reason: z.string().optional(),
  nextAttemptAt: timestamp.optional(),
  test: z.boolean().optional(),
  createdAt: timestamp,
  updatedAt: timestamp,
  payload: z.unknown().optional().describe('The body sent to the endpoint, while the event is retained'),
  attempts: z.array(Attempt).describe('Oldest first'),
});

export const RedeliveryAccepted = z.object({
  id: z.string(),
  status: z.literal('pending'),
  attempt: z.int().describe('The number the new attempt will carry in X-GeoRedir-Attempt'),
});

export const RecoverResult = z.object({
  since: timestamp,
  redelivered: z.array(z.string()).describe('Delivery ids queued for a new attempt'),
  truncated: z.boolean().describe('true when more failures may remain: call again'),
});

export const OpenApiDocument = z.record(z.string(), z.unknown()).describe('This document');

/** Every named schema, as it appears under components.schemas. */
export const NAMED_SCHEMAS = {
  requests: { CreateEndpointRequest, UpdateEndpointRequest, TestEndpointRequest, RecoverRequest },
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
    RedeliveryAccepted,
    RecoverResult,
    OpenApiDocument,
  },
} as const;
