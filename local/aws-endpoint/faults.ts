// Local-only fault injection: a fraction of matching requests is answered with the error AWS
// itself sends when it throttles or fails, so the SDK's own retries and our error paths run as
// they would against AWS. Driven over HTTP by the chaos run (chaos/run.ts):
//   POST   /_local/faults {"service":"sqs"|"scheduler"|"dynamodb"|"events", "operation"?: "SendMessage",
//                         "rate": 0.1, "code": "throttle"|"500", "until"?: ISO-8601}  adds a rule
//   GET    /_local/faults   the rules in force and how many errors each service.operation got
//   DELETE /_local/faults   removes every rule (the counts stay)
// `until` is wall-clock time (not the endpoint's advanceable clock); a rule past it is dropped.
import { AwsServiceError } from './errors';
import { isJsonObject } from './request-fields';

export const FAULT_SERVICES = ['sqs', 'scheduler', 'dynamodb', 'events'] as const;
export type FaultService = (typeof FAULT_SERVICES)[number];
export type FaultCode = 'throttle' | '500';

export interface FaultRule {
  readonly service: FaultService;
  /** The API operation, e.g. `SendMessage`, `PutItem`, `CreateSchedule`; every one when absent. */
  readonly operation?: string;
  /** Fraction of matching requests that fail, 0 < rate <= 1. */
  readonly rate: number;
  readonly code: FaultCode;
  /** Epoch ms (wall clock) after which the rule no longer applies. */
  readonly until?: number;
}

export const FAULTS_PATH = '/_local/faults';

/**
 * The errors AWS answers with, by service: names and statuses the SDK classifies as throttling
 * (retried with back-off) or as transient server errors (retried).
 */
const ERRORS: Record<FaultService, Record<FaultCode, { code: string; status: number; queryCode?: string; message: string }>> = {
  sqs: {
    throttle: { code: 'RequestThrottled', status: 400, queryCode: 'RequestThrottled', message: 'Rate exceeded' },
    '500': { code: 'InternalError', status: 500, queryCode: 'InternalError', message: 'We encountered an internal error. Please try again.' },
  },
  dynamodb: {
    throttle: {
      code: 'ProvisionedThroughputExceededException',
      status: 400,
      message: 'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
    },
    '500': { code: 'InternalServerError', status: 500, message: 'Internal server error' },
  },
  scheduler: {
    throttle: { code: 'ThrottlingException', status: 429, message: 'Rate exceeded' },
    '500': { code: 'InternalServerException', status: 500, message: 'Internal server error' },
  },
  events: {
    throttle: { code: 'ThrottlingException', status: 400, message: 'Rate exceeded' },
    '500': { code: 'InternalException', status: 500, message: 'Internal service error' },
  },
};

export class FaultInjector {
  private rules: FaultRule[] = [];
  private readonly injected = new Map<string, number>();

  constructor(
    private readonly random: () => number = Math.random,
    private readonly now: () => number = Date.now,
  ) {}

  add(rule: FaultRule): void {
    this.rules.push(rule);
  }

  clear(): void {
    this.rules = [];
  }

  /** The error to answer this request with, or undefined to serve it. */
  check(service: FaultService, operation: string): AwsServiceError | undefined {
    if (this.rules.length === 0) return undefined;
    const now = this.now();
    this.rules = this.rules.filter((rule) => rule.until === undefined || rule.until > now);
    // Each matching rule draws on its own: a throttle rule and a 500 rule add up.
    const rule = this.rules.find(
      (candidate) => candidate.service === service && (candidate.operation === undefined || candidate.operation === operation) && this.random() < candidate.rate,
    );
    if (!rule) return undefined;
    const key = `${service}.${operation}.${rule.code}`;
    this.injected.set(key, (this.injected.get(key) ?? 0) + 1);
    const shape = ERRORS[service][rule.code];
    return new AwsServiceError(shape.code, `${shape.message} (injected by /_local/faults)`, shape.status, shape.queryCode);
  }

  state(): { rules: Array<Omit<FaultRule, 'until'> & { until?: string }>; injected: Record<string, number> } {
    const now = this.now();
    return {
      rules: this.rules
        .filter((rule) => rule.until === undefined || rule.until > now)
        .map(({ until, ...rest }) => ({ ...rest, ...(until === undefined ? {} : { until: new Date(until).toISOString() }) })),
      injected: Object.fromEntries([...this.injected].sort(([a], [b]) => a.localeCompare(b))),
    };
  }

  /** GET, POST and DELETE on /_local/faults. */
  handle(method: string, body: unknown): unknown {
    if (method === 'GET') return this.state();
    if (method === 'DELETE') {
      this.clear();
      return this.state();
    }
    if (method === 'POST') {
      this.add(parseFaultRule(body));
      return this.state();
    }
    throw new AwsServiceError('UnknownOperationException', `local AWS endpoint has no ${method} ${FAULTS_PATH}`, 404);
  }
}

export function parseFaultRule(body: unknown): FaultRule {
  const invalid = (message: string) => new AwsServiceError('ValidationException', message);
  if (!isJsonObject(body)) throw invalid('the body must be a JSON object');
  const { service, operation, rate, code, until } = body;
  if (typeof service !== 'string' || !(FAULT_SERVICES as readonly string[]).includes(service)) {
    throw invalid(`service must be one of ${FAULT_SERVICES.join(', ')}`);
  }
  if (operation !== undefined && (typeof operation !== 'string' || !/^[A-Za-z]+$/.test(operation))) {
    throw invalid('operation must be an API operation name such as SendMessage');
  }
  if (typeof rate !== 'number' || !(rate > 0 && rate <= 1)) throw invalid('rate must be a number above 0 and at most 1');
  if (code !== 'throttle' && code !== '500') throw invalid('code must be "throttle" or "500"');
  let untilMs: number | undefined;
  if (until !== undefined) {
    untilMs = typeof until === 'string' ? Date.parse(until) : Number.NaN;
    if (!Number.isFinite(untilMs)) throw invalid('until must be an ISO-8601 time');
  }
  return {
    service: service as FaultService,
    ...(operation === undefined ? {} : { operation: operation as string }),
    rate,
    code,
    ...(untilMs === undefined ? {} : { until: untilMs }),
  };
}

/** Scheduler is REST: its operation follows from the method and path. */
export function schedulerOperation(method: string, pathname: string): string {
  const group = pathname.startsWith('/schedule-groups');
  const one = /^\/(schedules|schedule-groups)\/[^/]+/.test(pathname);
  const noun = group ? 'ScheduleGroup' : 'Schedule';
  if (!one) return group ? 'ListScheduleGroups' : 'ListSchedules';
  if (method === 'POST') return `Create${noun}`;
  if (method === 'PUT') return `Update${noun}`;
  if (method === 'DELETE') return `Delete${noun}`;
  return `Get${noun}`;
}
