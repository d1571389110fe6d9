// The event types GeoRedir sends and the shape of each type's `data`, from the public guide.
// Schemas are loose on purpose: producers may add fields, and receivers get them unchanged.
import * as z from '../shared/zod';

export const EVENT_TYPES = [
  'click',
  'conversion',
  'link.created',
  'link.updated',
  'link.deleted',
  'alert.triggered',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && (EVENT_TYPES as readonly string[]).includes(value);
}

export interface EventTypeEntry {
  readonly description: string;
  readonly schema: z.ZodMiniType<Record<string, unknown>>;
  readonly example: Record<string, unknown>;
  /** The fields of `data` this catalogue documents (an endpoint may redact any of them). */
  readonly fields: readonly string[];
  /** Documented fields that hold personal data (GDPR): a visitor's IP address. */
  readonly personalData: readonly string[];
}

/** A catalogue entry; its documented fields are its schema's. */
function entry(
  description: string,
  schema: z.ZodMiniObject<z.core.$ZodLooseShape>,
  example: Record<string, unknown>,
  personalData: readonly string[] = [],
): EventTypeEntry {
  return {
    description,
    schema: schema as unknown as z.ZodMiniType<Record<string, unknown>>,
    example: deepFreeze(example),
    fields: Object.freeze(Object.keys(schema.shape)),
    personalData: Object.freeze([...personalData]),
  };
}

const MAX_ID_LENGTH = 256;
/** Identifiers the producer always knows: a non-blank string of bounded length. */
const stringId = z.string().check(z.minLength(1), z.maxLength(MAX_ID_LENGTH));
/** Numeric ids such as link_id (42 in the guide). */
const numericId = z.int().check(z.nonnegative());
/** Descriptive fields that a producer may not know (geo lookup failed, no referer, ...). */
const optionalText = z.nullish(z.string());

const clickData = z.looseObject({
  click_id: stringId,
  link_id: numericId,
  link_slug: z.string().check(z.minLength(1)),
  destination_url: z.string().check(z.minLength(1)),
  ip: optionalText,
  country: optionalText,
  region: optionalText,
  city: optionalText,
  device: optionalText,
  browser: optionalText,
  os: optionalText,
  referer: optionalText,
  is_unique: z.boolean(),
  fraud_flags: z.optional(z.array(z.string())),
});

const conversionData = z.looseObject({
  conversion_id: stringId,
  click_id: stringId,
  link_id: numericId,
  link_slug: z.string().check(z.minLength(1)),
  // A conversion without a value (a lead, a sign-up) has no revenue; when present it is a number.
  revenue: z.nullish(z.number()),
  currency: z.nullish(z.string().check(z.regex(/^[A-Z]{3}$/, 'expected a 3-letter ISO 4217 currency code such as "USD"'))),
  country: optionalText,
  device: optionalText,
});

const linkData = z.looseObject({
  link_id: numericId,
  name: z.string(),
  slug: z.string().check(z.minLength(1)),
  is_active: z.boolean(),
  rules_count: z.int().check(z.nonnegative()),
});

const linkDeletedData = z.looseObject({
  link_id: numericId,
  slug: optionalText,
  name: optionalText,
});

const alertData = z.looseObject({
  alert_id: numericId,
  alert_name: z.string(),
  metric: z.string().check(z.minLength(1)),
  condition: z.string().check(z.minLength(1)),
  threshold: z.number(),
  current_value: z.number(),
  // Alerts may watch a whole account rather than one link.
  link_id: z.nullish(numericId),
  link_slug: optionalText,
});

export const EVENT_CATALOGUE: Readonly<Record<EventType, EventTypeEntry>> = Object.freeze({
  click: entry(
    'A visitor clicks one of your smart links',
    clickData,
    {
      click_id: 'abc123def456',
      link_id: 42,
      link_slug: 'my-offer',
      destination_url: 'https://offer.example.com/landing',
      ip: '203.0.113.42',
      country: 'US',
      region: 'California',
      city: 'Los Angeles',
      device: 'mobile',
      browser: 'Chrome',
      os: 'Android',
      referer: 'https://facebook.com',
      is_unique: true,
      fraud_flags: [],
    },
    ['ip'],
  ),
  conversion: entry('A conversion postback is received for a click', conversionData, {
    conversion_id: 'conv_789xyz',
    click_id: 'abc123def456',
    link_id: 42,
    link_slug: 'my-offer',
    revenue: 50.0,
    currency: 'USD',
    country: 'US',
    device: 'mobile',
  }),
  'link.created': entry('A new smart link is created', linkData, {
    link_id: 42,
    name: 'Summer Campaign',
    slug: 'summer-campaign',
    is_active: true,
    rules_count: 3,
  }),
  'link.updated': entry("A smart link's settings or rules are modified", linkData, {
    link_id: 42,
    name: 'Summer Campaign',
    slug: 'summer-campaign',
    is_active: false,
    rules_count: 4,
  }),
  'link.deleted': entry('A smart link is deleted', linkDeletedData, { link_id: 42, slug: 'summer-campaign', name: 'Summer Campaign' }),
  'alert.triggered': entry('An alert rule condition is met (e.g., click spike)', alertData, {
    alert_id: 5,
    alert_name: 'Click spike detected',
    metric: 'clicks',
    condition: 'greater_than',
    threshold: 1000,
    current_value: 1247,
    link_id: 42,
    link_slug: 'my-offer',
  }),
});

/** Every field any event type documents: what an endpoint may name in `redact`. */
export const DOCUMENTED_FIELDS: readonly string[] = Object.freeze([...new Set(EVENT_TYPES.flatMap((type) => EVENT_CATALOGUE[type].fields))]);

/** Examples are shared by every caller (API catalogue, test sends); nobody may change them. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const nested of Object.values(value)) deepFreeze(nested);
    Object.freeze(value);
  }
  return value;
}

export type ParseEventDataResult =
  | { ok: true; data: Record<string, unknown> }
  | { ok: false; issues: string[] };

/**
 * Validates `data` for `type`. On success the ORIGINAL object is returned (not zod's copy), so
 * key order and unknown keys reach the receiver exactly as the producer sent them.
 */
export function parseEventData(type: EventType, data: unknown): ParseEventDataResult {
  const result = EVENT_CATALOGUE[type].schema.safeParse(data);
  if (result.success) return { ok: true, data: data as Record<string, unknown> };
  return { ok: false, issues: result.error.issues.map((issue) => describeIssue(issue, data)) };
}

function describeIssue(issue: z.core.$ZodIssue, input: unknown): string {
  const where = formatPath(issue.path);
  if (issue.code === 'invalid_type' && issue.path.length > 0 && isMissing(input, issue.path)) {
    return `${where}: required (expected ${issue.expected})`;
  }
  return `${where}: ${issue.message.replace(/^Invalid input: /, '')}`;
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = 'data';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key)) out += `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

/** True when the last key of `path` is absent from its parent (rather than present with a bad value). */
function isMissing(input: unknown, path: readonly PropertyKey[]): boolean {
  let parent: unknown = input;
  for (const key of path.slice(0, -1)) {
    if (parent === null || typeof parent !== 'object') return false;
    parent = (parent as Record<PropertyKey, unknown>)[key];
  }
  if (parent === null || typeof parent !== 'object') return false;
  const last = path[path.length - 1] as PropertyKey;
  return !Object.prototype.hasOwnProperty.call(parent, last);
}
