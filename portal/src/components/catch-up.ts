// Hourly counts that do not hold an endpoint's latest stamps yet (counts-coverage.ts): the page says
// so, and asks for the counts again every few seconds until they do, or until they are called
// incomplete (ARRIVING_FOR_MS after the stamp, or of waiting here).
import { useEffect, useRef } from 'preact/hooks';
import { type Behind, CATCH_UP_EVERY_MS, type Clock, type CountsCoverage, countsCoverage, coverageLabel, coverageText, isBehind, type Stamps, stampsKey } from '../counts-coverage';
import type { HourlyStats } from '../api-types';
import { html, type Loaded } from './ui';

/**
 * Each endpoint's coverage by `counts` (empty until both are loaded); reloads `counts` every
 * CATCH_UP_EVERY_MS while any of them is arriving.
 */
export function useCountsCoverage(endpoints: readonly Stamps[] | undefined, counts: Loaded<Pick<HourlyStats, 'from' | 'data'>>): Map<string, CountsCoverage> {
  const check = (clock: Clock) =>
    new Map(endpoints && counts.data ? endpoints.map((endpoint) => [endpoint.id, countsCoverage(endpoint, counts.data!, clock)] as const) : []);
  // Whether any is behind does not depend on the clock; only arriving or incomplete does.
  const behind = [...check({ nowMs: Date.now() }).values()].some(isBehind);
  const waitedMs = useWaitedMs(behind, endpoints ? stampsKey(endpoints) : '');
  const coverage = check({ nowMs: Date.now(), waitedMs });
  const arriving = [...coverage.values()].some((entry) => entry.state === 'arriving');
  const { loading, reload, data } = counts;
  useEffect(() => {
    if (!arriving || loading) return;
    const timer = setTimeout(reload, CATCH_UP_EVERY_MS);
    return () => clearTimeout(timer);
  }, [arriving, loading, data, reload]);
  return coverage;
}

/** How long `waiting` has held for the same `key` (0 when not waiting), on the browser's clock. */
function useWaitedMs(waiting: boolean, key: string): number {
  const since = useRef<{ key: string; at: number } | undefined>(undefined);
  const now = Date.now();
  if (!waiting) since.current = undefined;
  else if (since.current?.key !== key) since.current = { key, at: now };
  return since.current ? now - since.current.at : 0;
}

/** In place of a success rate: why there is none yet. */
export function CoverageNote({ coverage }: { coverage: Behind }) {
  const label = coverageLabel(coverage);
  return html`<p class="small" role="status"><strong>${label.charAt(0).toUpperCase()}${label.slice(1)}.</strong> <span class="muted">${coverageText(coverage)}</span></p>`;
}
