// Local-only requests under /_local/ (no AWS API has such a path): what a developer or a test
// needs from an emulator that AWS does not offer.
//   GET  /_local/clock                         -> {now, offsetSeconds}
//   POST /_local/clock {"advanceSeconds": N}   moves the endpoint's clock N s ahead of real time:
//        due schedules fire, delayed and in-flight SQS messages become visible (needs an
//        advanceable clock, as the local run's OffsetClock)
//   GET  /_local/events[?source=S&detailType=T]  events accepted by PutEvents, oldest first,
//        with the rules they matched (also those no rule matched, which AWS drops unseen)
import type { Clock } from './clock';
import { AwsServiceError } from './errors';
import type { EventBridgeEngine } from './eventbridge';
import { isJsonObject } from './request-fields';

export const LOCAL_CONTROL_PREFIX = '/_local/';

export interface AdvanceableClock extends Clock {
  advance(milliseconds: number): void;
}

export interface LocalControlServices {
  clock: Clock;
  events: EventBridgeEngine;
}

/** Far enough for the longest retry delay the dispatcher accepts (one year), with room. */
const MAX_ADVANCE_SECONDS = 2 * 365 * 24 * 60 * 60;

export function isLocalControlPath(pathname: string): boolean {
  return pathname.startsWith(LOCAL_CONTROL_PREFIX);
}

export function handleLocalControl(services: LocalControlServices, method: string, url: URL, body: unknown): unknown {
  const { clock, events } = services;
  if (url.pathname === '/_local/clock' && method === 'GET') return clockState(clock);
  if (url.pathname === '/_local/clock' && method === 'POST') {
    if (!isAdvanceable(clock)) throw new AwsServiceError('ValidationException', 'this endpoint runs on a clock that cannot be advanced');
    const seconds = isJsonObject(body) ? body.advanceSeconds : undefined;
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0 || seconds > MAX_ADVANCE_SECONDS) {
      throw new AwsServiceError('ValidationException', `advanceSeconds must be a number from 0 to ${MAX_ADVANCE_SECONDS}`);
    }
    clock.advance(seconds * 1000);
    return clockState(clock);
  }
  if (url.pathname === '/_local/events' && method === 'GET') {
    const source = url.searchParams.get('source');
    const detailType = url.searchParams.get('detailType');
    return {
      events: events
        .recentEvents()
        .filter((entry) => (source === null || entry.event.source === source) && (detailType === null || entry.event['detail-type'] === detailType)),
    };
  }
  throw new AwsServiceError('UnknownOperationException', `local AWS endpoint has no ${method} ${url.pathname}`, 404);
}

function isAdvanceable(clock: Clock): clock is AdvanceableClock {
  return typeof (clock as Partial<AdvanceableClock>).advance === 'function';
}

function clockState(clock: Clock): { now: string; offsetSeconds: number } {
  const now = clock.now();
  return { now: new Date(now).toISOString(), offsetSeconds: (now - Date.now()) / 1000 };
}
