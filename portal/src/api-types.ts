// The management API's shapes under the names the portal uses: each is the type generated from
// the API's OpenAPI document (generated/api-schema.ts, `npm run generate:api-types`), so a field
// the API renames or drops fails to compile here rather than showing blank in a page.
import type { components, paths } from './generated/api-schema';

type Schemas = components['schemas'];

export type ApiErrorBody = Schemas['ErrorResponse'];
/** One entry of the event catalogue: its documented fields, and those holding personal data. */
export type EventType = Schemas['EventTypeList']['data'][number];
export type Endpoint = Schemas['Endpoint'];
export type EndpointStatus = Endpoint['status'];
export type CreatedEndpoint = Schemas['CreatedEndpoint'];
export type EndpointSecret = Schemas['EndpointSecret'];
/** POST /v1/filter-preview: how many of the account's latest events of the types the filter would have delivered. */
export type FilterPreview = Schemas['FilterPreview'];
export type TestResult = Schemas['TestResult'];
export type Attempt = Schemas['Attempt'];
/** One line of the delivery log (GET /v1/deliveries). */
export type DeliverySummary = Schemas['DeliverySummary'];
export type DeliveryPage = Schemas['DeliveryPage'];
export type Delivery = Schemas['Delivery'];
export type DeliveryStatus = DeliverySummary['status'];
export type RedeliveryAccepted = Schemas['RedeliveryAccepted'];
export type RecoverResult = Schemas['RecoverResult'];
/** GET /v1/stats/hourly: every hour of the window (zeros included), and each endpoint's window summed. */
export type HourlyStats = Schemas['HourlyStats'];
/** One endpoint's deliveries that ended in one hour. */
export type HourlyCount = HourlyStats['data'][number];

/** Every status, in the order the delivery log's filter offers them; a status the API adds fails to compile until listed. */
const LISTED_STATUSES: Record<DeliveryStatus, true> = { pending: true, succeeded: true, failed: true, skipped: true };
export const DELIVERY_STATUSES = Object.keys(LISTED_STATUSES) as readonly DeliveryStatus[];

/** A catalogue event type's name. */
export type EventName = EventType['name'];
/** An entry of a request's `events`: a catalogue name, or "*" for all. */
export type EventChoice = Schemas['CreateEndpointRequest']['events'][number];
/** An entry of a request's `redact`: a field the catalogue documents. */
export type RedactField = NonNullable<Schemas['CreateEndpointRequest']['redact']>[number];

// The API answers an endpoint's events and the catalogue's fields as plain strings, though they
// are names it checked, while requests take them typed by the catalogue: these are the two places
// the portal hands one to the other (the API checks what it is sent all the same). Copies: a
// request's arrays are mutable.
export const asEventChoices = (events: readonly string[]): EventChoice[] => [...events] as EventChoice[];
export const asRedactFields = (fields: readonly string[]): RedactField[] => [...fields] as RedactField[];
/** GET /v1/deliveries's query: the delivery log's filters, limit and cursor. */
export type DeliveryQuery = NonNullable<paths['/v1/deliveries']['get']['parameters']['query']>;
