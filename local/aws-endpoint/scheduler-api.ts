// EventBridge Scheduler REST-JSON protocol (no X-Amz-Target; the operation is method + path).
import { AwsServiceError, unknownOperation } from './errors';
import { isJsonObject, type JsonObject } from './request-fields';
import type { CreateScheduleRequest, ScheduleRecord, ScheduleState, SchedulerEngine } from './scheduler';

interface Route {
  method: string;
  /** Path pattern; `{}` is one URL-encoded segment. */
  path: RegExp;
  operation: string;
}

const ROUTES: Route[] = [
  { method: 'POST', path: /^\/schedules\/([^/]+)$/, operation: 'CreateSchedule' },
  { method: 'GET', path: /^\/schedules\/([^/]+)$/, operation: 'GetSchedule' },
  { method: 'PUT', path: /^\/schedules\/([^/]+)$/, operation: 'UpdateSchedule' },
  { method: 'DELETE', path: /^\/schedules\/([^/]+)$/, operation: 'DeleteSchedule' },
  { method: 'GET', path: /^\/schedules\/?$/, operation: 'ListSchedules' },
  { method: 'POST', path: /^\/schedule-groups\/([^/]+)$/, operation: 'CreateScheduleGroup' },
  { method: 'GET', path: /^\/schedule-groups\/([^/]+)$/, operation: 'GetScheduleGroup' },
  { method: 'DELETE', path: /^\/schedule-groups\/([^/]+)$/, operation: 'DeleteScheduleGroup' },
  { method: 'GET', path: /^\/schedule-groups\/?$/, operation: 'ListScheduleGroups' },
  { method: 'POST', path: /^\/tags\/(.+)$/, operation: 'TagResource' },
  { method: 'GET', path: /^\/tags\/(.+)$/, operation: 'ListTagsForResource' },
  { method: 'DELETE', path: /^\/tags\/(.+)$/, operation: 'UntagResource' },
];

/** True for paths the Scheduler API owns (used by the router, since REST requests carry no target header). */
export function isSchedulerPath(pathname: string): boolean {
  return /^\/(schedules|schedule-groups|tags)(\/|$)/.test(pathname);
}

export async function handleSchedulerRequest(engine: SchedulerEngine, method: string, url: URL, body: unknown): Promise<unknown> {
  const route = ROUTES.find((candidate) => candidate.method === method && candidate.path.test(url.pathname));
  if (!route) throw unknownOperation('Scheduler', `${method} ${url.pathname}`);
  const label = decodeLabel(route.path.exec(url.pathname)?.[1] ?? '');
  const query = url.searchParams;
  const input: JsonObject = isJsonObject(body) ? body : {};

  switch (route.operation) {
    case 'CreateSchedule':
      return engine.createSchedule({ ...(input as unknown as CreateScheduleRequest), Name: label });
    case 'GetSchedule':
      return describe(engine.getSchedule(label, query.get('groupName') ?? undefined));
    case 'DeleteSchedule':
      engine.deleteSchedule(label, query.get('groupName') ?? undefined);
      return {};
    case 'ListSchedules':
      return listSchedules(engine, query);
    default:
      throw unknownOperation('Scheduler', route.operation);
  }
}

function listSchedules(engine: SchedulerEngine, query: URLSearchParams): JsonObject {
  const state = query.get('State') ?? undefined;
  if (state !== undefined && state !== 'ENABLED' && state !== 'DISABLED') {
    throw new AwsServiceError('ValidationException', `State must be ENABLED or DISABLED, got ${state}`);
  }
  const maxResults = Number(query.get('MaxResults') ?? '100');
  if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > 100) {
    throw new AwsServiceError('ValidationException', 'MaxResults must be between 1 and 100');
  }
  const start = Number(query.get('NextToken') ?? '0');
  const all = engine.listSchedules({
    groupName: query.get('ScheduleGroup') ?? undefined,
    namePrefix: query.get('NamePrefix') ?? undefined,
    state: state as ScheduleState | undefined,
  });
  const page = all.slice(start, start + maxResults);
  return {
    Schedules: page.map((record) => ({
      Arn: record.arn,
      Name: record.name,
      GroupName: record.groupName,
      State: record.state,
      CreationDate: epochSeconds(record.creationDate),
      LastModificationDate: epochSeconds(record.lastModificationDate),
      Target: { Arn: record.target.Arn },
    })),
    ...(start + maxResults < all.length ? { NextToken: String(start + maxResults) } : {}),
  };
}

/** GetSchedule's output shape; REST-JSON timestamps are epoch seconds. */
function describe(record: ScheduleRecord): JsonObject {
  return {
    Arn: record.arn,
    GroupName: record.groupName,
    Name: record.name,
    ScheduleExpression: record.scheduleExpression,
    ScheduleExpressionTimezone: record.scheduleExpressionTimezone,
    State: record.state,
    ...(record.description !== undefined ? { Description: record.description } : {}),
    CreationDate: epochSeconds(record.creationDate),
    LastModificationDate: epochSeconds(record.lastModificationDate),
    Target: record.target,
    FlexibleTimeWindow: record.flexibleTimeWindow,
    ActionAfterCompletion: record.actionAfterCompletion,
  };
}

function decodeLabel(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new AwsServiceError('ValidationException', `Malformed URL path segment ${segment}`);
  }
}

function epochSeconds(epochMs: number): number {
  return epochMs / 1000;
}
