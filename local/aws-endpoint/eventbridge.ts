// EventBridge buses and rules from configuration. PutEvents validates entries like AWS, then
// sends the event envelope EventBridge would deliver to every matching rule's SQS targets, with the
// target's MessageGroupId (SqsParameters: a static value or a dynamic path read from the event); a
// send that fails goes to the target's dead-letter queue, as AWS does.
import { randomUUID } from 'node:crypto';
import { type Clock, systemClock } from './clock';
import { AwsServiceError } from './errors';
import { compileEventPattern, type EventMatcher } from '../../lambdas/domain/event-pattern';
import type { SqsEngine } from './sqs';

export interface RuleTargetConfig {
  id: string;
  queueName: string;
  /** The target's DeadLetterConfig: where an event goes whose send to the queue failed. */
  deadLetterQueueName?: string;
  /**
   * SqsParameters.MessageGroupId: a static value, or a dynamic path parameter (`$.detail.account_id`:
   * the whole value a JSON path, read from each event) naming the message's fair-queue tenant.
   */
  messageGroupId?: string;
}

export interface RuleConfig {
  name: string;
  eventPattern: Record<string, unknown>;
  targets: RuleTargetConfig[];
}

export interface BusConfig {
  busName: string;
  rules: RuleConfig[];
}

export interface PutEventsEntry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  EventBusName?: string;
  Resources?: string[];
  Time?: Date;
}

export type PutEventsResultEntry = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

export interface PutEventsResult {
  FailedEntryCount: number;
  Entries: PutEventsResultEntry[];
}

/** The JSON document EventBridge hands to targets. */
export interface EventEnvelope {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

export interface EventBridgeEngineOptions {
  sqs: SqsEngine;
  buses: BusConfig[];
  region?: string;
  accountId?: string;
  clock?: Clock;
  log?: (line: string) => void;
  /** Lines an operator should see even without --verbose: an event dead-lettered or dropped. */
  warn?: (line: string) => void;
}

/** An accepted event as the local run saw it, for local inspection (GET /_local/events). */
export interface RecordedEvent {
  busName: string;
  /** Rules whose pattern matched; empty when the event went nowhere, as AWS would drop it. */
  matchedRules: string[];
  event: EventEnvelope;
}

export const MAX_PUT_EVENTS_ENTRIES = 10;
/** How many accepted events the local inspection keeps (oldest dropped first). */
export const RECORDED_EVENTS_LIMIT = 1000;
export const MAX_PUT_EVENTS_BYTES = 262_144;
const DEFAULT_BUS = 'default';

interface CompiledTarget extends RuleTargetConfig {
  /** The message group of one event: the static value, or what the dynamic path finds. */
  groupIdOf: (envelope: EventEnvelope) => string | undefined;
}

interface CompiledRule {
  name: string;
  matches: EventMatcher;
  targets: CompiledTarget[];
}

type PathSegment = string | number;

/**
 * A target parameter's dynamic path (`$.detail.account_id`, `$.resources[0]`) as segments, or
 * undefined for a static value. EventBridge takes dot notation, dashes, underscores,
 * alphanumerics, array indexes and wildcards; the local run refuses wildcards (and anything else).
 */
export function parseDynamicPath(value: string): PathSegment[] | undefined {
  if (!value.startsWith('$.')) return undefined;
  const segments: PathSegment[] = [];
  const step = /\.([A-Za-z0-9_-]+)|\[(\d+)\]/y;
  step.lastIndex = 1;
  while (step.lastIndex < value.length) {
    const at = step.lastIndex;
    const match = step.exec(value);
    if (!match) throw new Error(`dynamic path ${value}: unsupported syntax at "${value.slice(at)}" (the local run reads dot notation and array indexes, no wildcards)`);
    segments.push(match[1] ?? Number(match[2]));
  }
  return segments;
}

/**
 * The value at `path` as a message group: a string as is, a number or boolean as its text.
 * AWS does not document a path the event lacks; locally the message then goes without a group
 * (a tenant of its own), so the consumer still sees the event, e.g. to reject it with a reason.
 */
function groupIdAt(envelope: EventEnvelope, path: PathSegment[]): string | undefined {
  let value: unknown = envelope;
  for (const segment of path) {
    const container = value as Record<PathSegment, unknown>;
    const found = Array.isArray(value) ? typeof segment === 'number' : typeof value === 'object' && value !== null && typeof segment === 'string';
    if (!found || !Object.hasOwn(container, segment)) return undefined;
    value = container[segment];
  }
  if (typeof value === 'string') return value;
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
}

function compileTarget(target: RuleTargetConfig): CompiledTarget {
  const groupId = target.messageGroupId;
  const path = groupId === undefined ? undefined : parseDynamicPath(groupId);
  return { ...target, groupIdOf: path ? (envelope) => groupIdAt(envelope, path) : () => groupId };
}

/** Format of the envelope's `time`: seconds precision, `Z`. */
export function formatEventTime(epochMs: number): string {
  return new Date(Math.floor(epochMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export class EventBridgeEngine {
  readonly region: string;
  readonly accountId: string;
  private readonly sqs: SqsEngine;
  private readonly clock: Clock;
  private readonly log: (line: string) => void;
  private readonly warn: (line: string) => void;
  /** The default bus always exists in AWS; without rules it accepts and drops events. */
  private readonly buses = new Map<string, CompiledRule[]>([[DEFAULT_BUS, []]]);
  private readonly recorded: RecordedEvent[] = [];

  constructor(options: EventBridgeEngineOptions) {
    this.sqs = options.sqs;
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '000000000000';
    this.clock = options.clock ?? systemClock;
    this.log = options.log ?? (() => undefined);
    this.warn = options.warn ?? this.log;
    for (const bus of options.buses) this.addBus(bus);
  }

  busArn(busName: string): string {
    return `arn:aws:events:${this.region}:${this.accountId}:event-bus/${busName}`;
  }

  /** As AWS writes it: `rule/NAME` on the default bus, `rule/BUS/NAME` on a custom one. */
  ruleArn(busName: string, ruleName: string): string {
    return `arn:aws:events:${this.region}:${this.accountId}:rule/${busName === DEFAULT_BUS ? '' : `${busName}/`}${ruleName}`;
  }

  busNames(): string[] {
    return [...this.buses.keys()];
  }

  /**
   * The last accepted events, oldest first. Local only: it shows what was put on a bus even
   * when no rule of the template matches it (e.g. the service's own operational events).
   */
  recentEvents(): RecordedEvent[] {
    return this.recorded.map((entry) => ({ ...entry, matchedRules: [...entry.matchedRules] }));
  }

  /** Validates each entry on its own (like AWS) and delivers the valid ones. */
  putEvents(entries: PutEventsEntry[]): PutEventsResult {
    if (entries.length === 0 || entries.length > MAX_PUT_EVENTS_ENTRIES) {
      throw new AwsServiceError(
        'ValidationException',
        `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and ${MAX_PUT_EVENTS_ENTRIES} (got ${entries.length})`,
      );
    }
    const totalBytes = entries.reduce((sum, entry) => sum + entrySize(entry), 0);
    if (totalBytes > MAX_PUT_EVENTS_BYTES) {
      throw new AwsServiceError('ValidationException', `Total size of the entries in the request is over the limit (${totalBytes} > ${MAX_PUT_EVENTS_BYTES} bytes).`);
    }
    const results = entries.map((entry) => this.putEvent(entry));
    return {
      FailedEntryCount: results.filter((result) => 'ErrorCode' in result).length,
      Entries: results,
    };
  }

  private addBus(bus: BusConfig): void {
    if (this.buses.has(bus.busName) && bus.busName !== DEFAULT_BUS) {
      throw new Error(`event bus ${bus.busName} is configured twice`);
    }
    const names = new Set<string>();
    const rules = bus.rules.map((rule) => {
      if (names.has(rule.name)) throw new Error(`rule ${rule.name} is configured twice on event bus ${bus.busName}`);
      names.add(rule.name);
      for (const target of rule.targets) {
        for (const queueName of [target.queueName, ...(target.deadLetterQueueName ? [target.deadLetterQueueName] : [])]) {
          if (!this.sqs.hasQueue(queueName)) {
            throw new Error(`target ${target.id} of rule ${rule.name} names queue ${queueName}, which is not configured`);
          }
        }
      }
      const matches = compileEventPattern(rule.eventPattern, { label: `rule ${rule.name}: EventPattern`, limits: false });
      return { name: rule.name, matches, targets: rule.targets.map(compileTarget) };
    });
    this.buses.set(bus.busName, rules);
  }

  private putEvent(entry: PutEventsEntry): PutEventsResultEntry {
    const failure = (ErrorCode: string, ErrorMessage: string) => ({ ErrorCode, ErrorMessage });
    for (const field of ['Source', 'DetailType', 'Detail'] as const) {
      if (!entry[field]) return failure('InvalidArgument', `Parameter ${field} is not valid. Reason: ${field} is a required argument.`);
    }
    if (entry.Source!.startsWith('aws.')) return failure('NotAuthorizedForSourceException', 'Not authorized for the source.');
    let detail: unknown;
    try {
      detail = JSON.parse(entry.Detail!);
    } catch {
      return failure('MalformedDetail', 'Detail is malformed.');
    }
    if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
      return failure('MalformedDetail', 'Detail is malformed.');
    }
    const busName = this.busName(entry.EventBusName);
    const rules = busName === undefined ? undefined : this.buses.get(busName);
    if (rules === undefined) {
      return failure('ResourceNotFoundException', `Event bus ${entry.EventBusName} does not exist.`);
    }

    const envelope: EventEnvelope = {
      version: '0',
      id: randomUUID(),
      'detail-type': entry.DetailType!,
      source: entry.Source!,
      account: this.accountId,
      time: formatEventTime(entry.Time?.getTime() ?? this.clock.now()),
      region: this.region,
      resources: entry.Resources ?? [],
      detail: detail as Record<string, unknown>,
    };
    const matchedRules = this.deliver(busName!, rules, envelope);
    this.recorded.push({ busName: busName!, matchedRules, event: envelope });
    if (this.recorded.length > RECORDED_EVENTS_LIMIT) this.recorded.shift();
    return { EventId: envelope.id };
  }

  /** Name or ARN of a bus of this account and region; omitted means the default bus. */
  private busName(nameOrArn: string | undefined): string | undefined {
    if (!nameOrArn) return DEFAULT_BUS;
    if (!nameOrArn.startsWith('arn:')) return nameOrArn;
    const prefix = `arn:aws:events:${this.region}:${this.accountId}:event-bus/`;
    return nameOrArn.startsWith(prefix) ? nameOrArn.slice(prefix.length) : undefined;
  }

  /** Returns the names of the rules that matched. */
  private deliver(busName: string, rules: CompiledRule[], envelope: EventEnvelope): string[] {
    const body = JSON.stringify(envelope);
    const matched: string[] = [];
    for (const rule of rules) {
      if (!rule.matches(envelope)) continue;
      matched.push(rule.name);
      for (const target of rule.targets) {
        try {
          const groupId = target.groupIdOf(envelope);
          this.sqs.sendMessage(target.queueName, body, groupId === undefined ? {} : { messageGroupId: groupId });
          this.log(`events: ${busName}/${rule.name} -> ${target.queueName} ${envelope['detail-type']} ${envelope.id}${groupId === undefined ? '' : ` group ${groupId}`}`);
        } catch (error) {
          // PutEvents has already succeeded: AWS dead-letters (or drops) what it cannot deliver.
          this.deadLetter(busName, rule.name, target, envelope.id, body, error);
        }
      }
    }
    return matched;
  }

  /**
   * The event as the target would have got it, with the message attributes AWS documents for
   * rule-target DLQs. The local run does not retry (a send to a local queue fails only for a
   * reason a retry would not change, such as the message's size), so RETRY_ATTEMPTS is 0 and
   * there is no EXHAUSTED_RETRY_CONDITION.
   */
  private deadLetter(busName: string, ruleName: string, target: RuleTargetConfig, eventId: string, body: string, error: unknown): void {
    const reason = error instanceof AwsServiceError ? `${error.code}: ${error.message}` : String(error);
    const where = `events: ${busName}/${ruleName} could not deliver ${eventId} to ${target.queueName} (${reason})`;
    if (!target.deadLetterQueueName) {
      this.warn(`${where}; the target has no dead-letter queue, dropped`);
      return;
    }
    const text = (value: string) => ({ DataType: 'String', StringValue: value });
    try {
      this.sqs.sendMessage(target.deadLetterQueueName, body, {
        messageAttributes: {
          RULE_ARN: text(this.ruleArn(busName, ruleName)),
          TARGET_ARN: text(this.sqs.queueArn(target.queueName)),
          // EventBridge's code for a request the target service refused as invalid.
          ERROR_CODE: text(error instanceof AwsServiceError && error.httpStatus < 500 ? 'SDK_CLIENT_ERROR' : 'INTERNAL_ERROR'),
          ERROR_MESSAGE: text(reason),
          RETRY_ATTEMPTS: { DataType: 'Number', StringValue: '0' },
        },
      });
      this.warn(`${where}; dead-lettered to ${target.deadLetterQueueName}`);
    } catch (dlqError) {
      this.warn(`${where}; dead-lettering to ${target.deadLetterQueueName} failed too, dropped: ${String(dlqError)}`);
    }
  }
}

/**
 * Entry size as AWS documents it for the 256 KB PutEvents limit: the UTF-8 bytes of Source,
 * DetailType, Detail and each Resources entry, plus 14 for a Time.
 */
export function entrySize(entry: PutEventsEntry): number {
  let size = entry.Time ? 14 : 0;
  for (const text of [entry.Source, entry.DetailType, entry.Detail, ...(entry.Resources ?? [])]) {
    if (text) size += Buffer.byteLength(text);
  }
  return size;
}
