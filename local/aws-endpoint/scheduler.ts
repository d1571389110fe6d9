// EventBridge Scheduler, one-time `at()` schedules targeting SQS queues of the local SQS engine
// (what the dispatcher uses for retries beyond SQS's 15-minute delay limit).
import { backgroundTimer, type Clock, systemClock } from './clock';
import { AwsServiceError } from './errors';
import type { SqsEngine } from './sqs';

export interface ScheduleTarget {
  Arn: string;
  RoleArn: string;
  Input?: string;
  /** Where a failed send goes instead, with the error in message attributes (as Scheduler does). */
  DeadLetterConfig?: { Arn?: string };
  /** Other target fields (RetryPolicy, SqsParameters...) are kept and echoed only: a failed send is not retried. */
  [field: string]: unknown;
}

export interface FlexibleTimeWindow {
  Mode: 'OFF' | 'FLEXIBLE';
  MaximumWindowInMinutes?: number;
}

export type ScheduleState = 'ENABLED' | 'DISABLED';
export type ActionAfterCompletion = 'NONE' | 'DELETE';

export interface CreateScheduleRequest {
  Name: string;
  GroupName?: string;
  ScheduleExpression: string;
  ScheduleExpressionTimezone?: string;
  FlexibleTimeWindow: FlexibleTimeWindow;
  Target: ScheduleTarget;
  ActionAfterCompletion?: ActionAfterCompletion;
  State?: ScheduleState;
  Description?: string;
  ClientToken?: string;
}

/** A stored schedule; times are epoch milliseconds. */
export interface ScheduleRecord {
  name: string;
  groupName: string;
  arn: string;
  scheduleExpression: string;
  scheduleExpressionTimezone: string;
  fireAt: number;
  state: ScheduleState;
  description?: string;
  target: ScheduleTarget;
  flexibleTimeWindow: FlexibleTimeWindow;
  actionAfterCompletion: ActionAfterCompletion;
  clientToken?: string;
  creationDate: number;
  lastModificationDate: number;
  /** Fired and kept (ActionAfterCompletion NONE): it never fires again. */
  completed: boolean;
}

export interface ListSchedulesFilter {
  groupName?: string;
  namePrefix?: string;
  state?: ScheduleState;
}

export interface SchedulerEngineOptions {
  sqs: SqsEngine;
  /** Schedule groups besides `default`, which always exists. */
  groups: string[];
  region?: string;
  accountId?: string;
  clock?: Clock;
  log?: (line: string) => void;
  onChange?: () => void;
}

export const DEFAULT_GROUP = 'default';
const NAME = /^[0-9a-zA-Z-_.]{1,64}$/;
const AT_EXPRESSION = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/;
const UTC_ZONES = new Set(['UTC', 'Etc/UTC', 'GMT', 'Etc/GMT', 'Z']);
/** The DeadLetterConfig.Arn pattern of the Scheduler API; whether the queue exists is only seen when it is used, as in AWS. */
const SQS_ARN = /^arn:aws(-[a-z]+)?:sqs:[a-z0-9-]+:\d{12}:[a-zA-Z0-9-_]+$/;

const validation = (message: string) => new AwsServiceError('ValidationException', message, 400);
const notFound = (message: string) => new AwsServiceError('ResourceNotFoundException', message, 404);

/** Epoch milliseconds of an `at(yyyy-mm-ddThh:mm:ss)` expression read as UTC. */
export function parseAtExpression(expression: string): number {
  const parts = AT_EXPRESSION.exec(expression);
  if (!parts) {
    throw validation(
      `Invalid Schedule Expression ${expression}: the local AWS endpoint supports only one-time schedules at(yyyy-mm-ddThh:mm:ss) (rate() and cron() are not emulated)`,
    );
  }
  const [year, month, day, hour, minute, second] = parts.slice(1).map(Number) as [number, number, number, number, number, number];
  const time = Date.UTC(year, month - 1, day, hour, minute, second);
  const date = new Date(time);
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
    throw validation(`Invalid Schedule Expression ${expression}: not a valid date and time`);
  }
  return time;
}

export class SchedulerEngine {
  readonly region: string;
  readonly accountId: string;
  private readonly sqs: SqsEngine;
  private readonly clock: Clock;
  private readonly log: (line: string) => void;
  private readonly onChange: () => void;
  private readonly groups: Set<string>;
  /** Keyed by `group/name`. */
  private readonly schedules = new Map<string, ScheduleRecord>();
  private timer: NodeJS.Timeout | undefined;
  private readonly unsubscribeClock: (() => void) | undefined;
  private closed = false;

  constructor(options: SchedulerEngineOptions) {
    this.sqs = options.sqs;
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '000000000000';
    this.clock = options.clock ?? systemClock;
    this.log = options.log ?? (() => undefined);
    this.onChange = options.onChange ?? (() => undefined);
    this.groups = new Set([DEFAULT_GROUP, ...options.groups]);
    for (const group of this.groups) {
      if (!NAME.test(group)) throw new Error(`schedule group name ${JSON.stringify(group)} is not valid`);
    }
    this.unsubscribeClock = this.clock.subscribe?.(() => this.runDue());
  }

  scheduleArn(groupName: string, name: string): string {
    return `arn:aws:scheduler:${this.region}:${this.accountId}:schedule/${groupName}/${name}`;
  }

  createSchedule(request: CreateScheduleRequest): { ScheduleArn: string } {
    const groupName = this.existingGroup(request.GroupName);
    if (!NAME.test(request.Name ?? '')) {
      throw validation(`Name ${JSON.stringify(request.Name)} must match [0-9a-zA-Z-_.]+ and be 1 to 64 characters long`);
    }
    const existing = this.schedules.get(`${groupName}/${request.Name}`);
    if (existing) {
      // A retried request (same client token) gets the original answer, as with AWS idempotency.
      if (request.ClientToken !== undefined && existing.clientToken === request.ClientToken) return { ScheduleArn: existing.arn };
      throw new AwsServiceError('ConflictException', `Schedule ${request.Name} already exists.`, 409);
    }
    const timezone = request.ScheduleExpressionTimezone ?? 'UTC';
    if (!UTC_ZONES.has(timezone)) {
      throw validation(`ScheduleExpressionTimezone ${timezone} is not supported by the local AWS endpoint (UTC only)`);
    }
    const fireAt = parseAtExpression(request.ScheduleExpression ?? '');
    this.validateTarget(request.Target);
    validateFlexibleTimeWindow(request.FlexibleTimeWindow);
    const actionAfterCompletion = request.ActionAfterCompletion ?? 'NONE';
    if (actionAfterCompletion !== 'NONE' && actionAfterCompletion !== 'DELETE') {
      throw validation(`ActionAfterCompletion must be NONE or DELETE, got ${String(actionAfterCompletion)}`);
    }
    const state = request.State ?? 'ENABLED';
    if (state !== 'ENABLED' && state !== 'DISABLED') throw validation(`State must be ENABLED or DISABLED, got ${String(state)}`);

    const now = this.clock.now();
    const record: ScheduleRecord = {
      name: request.Name,
      groupName,
      arn: this.scheduleArn(groupName, request.Name),
      scheduleExpression: request.ScheduleExpression,
      scheduleExpressionTimezone: timezone,
      fireAt,
      state,
      ...(request.Description !== undefined ? { description: request.Description } : {}),
      target: { ...request.Target },
      flexibleTimeWindow: { ...request.FlexibleTimeWindow },
      actionAfterCompletion,
      ...(request.ClientToken !== undefined ? { clientToken: request.ClientToken } : {}),
      creationDate: now,
      lastModificationDate: now,
      completed: false,
    };
    this.schedules.set(`${groupName}/${record.name}`, record);
    this.onChange();
    this.log(`scheduler: created ${record.arn} for ${new Date(fireAt).toISOString()}`);
    // A time already past fires at once (the local run must not lose a retry).
    this.runDue();
    return { ScheduleArn: record.arn };
  }

  getSchedule(name: string, groupName?: string): ScheduleRecord {
    const group = this.existingGroup(groupName);
    const record = this.schedules.get(`${group}/${name}`);
    if (!record) throw notFound(`Schedule ${name} does not exist.`);
    return { ...record, target: { ...record.target } };
  }

  deleteSchedule(name: string, groupName?: string): void {
    const group = this.existingGroup(groupName);
    if (!this.schedules.delete(`${group}/${name}`)) throw notFound(`Schedule ${name} does not exist.`);
    this.onChange();
    this.armTimer();
  }

  /** Sorted by group, then name. */
  listSchedules(filter: ListSchedulesFilter = {}): ScheduleRecord[] {
    if (filter.groupName !== undefined) this.existingGroup(filter.groupName);
    return [...this.schedules.values()]
      .filter((record) => filter.groupName === undefined || record.groupName === filter.groupName)
      .filter((record) => filter.namePrefix === undefined || record.name.startsWith(filter.namePrefix))
      .filter((record) => filter.state === undefined || record.state === filter.state)
      .sort((a, b) => a.groupName.localeCompare(b.groupName) || a.name.localeCompare(b.name))
      .map((record) => ({ ...record }));
  }

  /** Fires every enabled schedule whose time has come; returns how many fired. */
  runDue(): number {
    if (this.closed) return 0;
    const now = this.clock.now();
    const due = [...this.schedules.values()]
      .filter((record) => !record.completed && record.state === 'ENABLED' && record.fireAt <= now)
      .sort((a, b) => a.fireAt - b.fireAt);
    for (const record of due) this.fire(record);
    if (due.length > 0) this.onChange();
    this.armTimer();
    return due.length;
  }

  snapshot(): ScheduleRecord[] {
    return [...this.schedules.values()].map((record) => ({ ...record }));
  }

  restore(records: ScheduleRecord[]): void {
    for (const record of records) {
      this.groups.add(record.groupName);
      this.schedules.set(`${record.groupName}/${record.name}`, { ...record });
    }
    this.runDue();
  }

  close(): void {
    this.closed = true;
    this.unsubscribeClock?.();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private fire(record: ScheduleRecord): void {
    const queueName = this.sqs.queueNameFromArn(record.target.Arn);
    // Without Input, Scheduler sends an empty JSON object.
    const input = record.target.Input ?? '{}';
    try {
      if (!queueName) throw new AwsServiceError('QueueDoesNotExist', `target queue ${record.target.Arn} no longer exists`);
      this.sqs.sendMessage(queueName, input);
      this.log(`scheduler: fired ${record.arn} -> ${queueName}`);
    } catch (error) {
      this.deadLetter(record, input, error);
    }
    if (record.actionAfterCompletion === 'DELETE') {
      this.schedules.delete(`${record.groupName}/${record.name}`);
    } else {
      record.completed = true;
    }
  }

  /**
   * A send that failed goes to the target's dead-letter queue, as Scheduler does once its retries
   * are spent (the local run does not retry): here the body is the schedule's input and the error,
   * schedule and target are message attributes. Without a usable dead-letter queue it is dropped,
   * as in AWS, and only a log line remains.
   */
  private deadLetter(record: ScheduleRecord, input: string, error: unknown): void {
    const dlqArn = record.target.DeadLetterConfig?.Arn;
    const dlqName = dlqArn === undefined ? undefined : this.sqs.queueNameFromArn(dlqArn);
    if (dlqName === undefined) {
      this.log(`scheduler: ${record.arn} fired but delivery failed and there is no dead-letter queue, dropped: ${String(error)}`);
      return;
    }
    const text = (value: string) => ({ DataType: 'String', StringValue: value });
    try {
      this.sqs.sendMessage(dlqName, input, {
        messageAttributes: {
          ERROR_CODE: text(error instanceof AwsServiceError ? error.code : 'InternalError'),
          ERROR_MESSAGE: text(error instanceof Error ? error.message : String(error)),
          SCHEDULE_ARN: text(record.arn),
          TARGET_ARN: text(record.target.Arn),
          RETRY_ATTEMPTS: { DataType: 'Number', StringValue: '0' },
        },
      });
      this.log(`scheduler: ${record.arn} fired but delivery failed, dead-lettered to ${dlqName}: ${String(error)}`);
    } catch (dlqError) {
      this.log(`scheduler: ${record.arn} fired but delivery and dead-lettering failed, dropped: ${String(error)}; ${String(dlqError)}`);
    }
  }

  /** One timer for the earliest pending schedule, re-armed after every change. */
  private armTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.closed) return;
    let next = Infinity;
    for (const record of this.schedules.values()) {
      if (!record.completed && record.state === 'ENABLED') next = Math.min(next, record.fireAt);
    }
    if (next === Infinity) return;
    this.timer = backgroundTimer(next - this.clock.now(), () => {
      this.timer = undefined;
      this.runDue();
    });
  }

  private existingGroup(groupName: string | undefined): string {
    const group = groupName ?? DEFAULT_GROUP;
    if (!this.groups.has(group)) throw notFound(`Schedule group ${group} does not exist.`);
    return group;
  }

  private validateTarget(target: ScheduleTarget | undefined): void {
    if (!target || typeof target.Arn !== 'string' || typeof target.RoleArn !== 'string' || target.RoleArn === '') {
      throw validation('Target with Arn and RoleArn is required');
    }
    if (!this.sqs.queueNameFromArn(target.Arn)) {
      throw validation(`Invalid target Arn ${target.Arn}: the local AWS endpoint delivers schedules only to SQS queues it hosts`);
    }
    if (target.Input !== undefined && typeof target.Input !== 'string') throw validation('Target.Input must be a string');
    const dlqArn = target.DeadLetterConfig?.Arn;
    if (target.DeadLetterConfig !== undefined && (typeof dlqArn !== 'string' || !SQS_ARN.test(dlqArn))) {
      throw validation(`Target.DeadLetterConfig.Arn ${JSON.stringify(dlqArn)} is not an SQS queue ARN`);
    }
  }
}

function validateFlexibleTimeWindow(window: FlexibleTimeWindow | undefined): void {
  if (!window || (window.Mode !== 'OFF' && window.Mode !== 'FLEXIBLE')) {
    throw validation('FlexibleTimeWindow with Mode OFF or FLEXIBLE is required');
  }
  if (window.Mode === 'FLEXIBLE') {
    const minutes = window.MaximumWindowInMinutes;
    if (typeof minutes !== 'number' || !Number.isInteger(minutes) || minutes < 1 || minutes > 1440) {
      throw validation('FlexibleTimeWindow.MaximumWindowInMinutes must be between 1 and 1440 when Mode is FLEXIBLE');
    }
  }
}
