// An endpoint's last 24 hours as stacked bars per hour (succeeded, failed, skipped), drawn by uPlot
// on a canvas, with the same numbers as a table for screen readers and for reading exact values.
import uPlot from 'uplot';
import { useEffect, useRef } from 'preact/hooks';
import { type HourlySeries, stacked, totals } from '../hourly';
import { formatTime } from '../format';
import { html } from './ui';

const COLOURS = { succeeded: '#2f7d4f', failed: '#c2362b', skipped: '#8a8f98' } as const;
const HEIGHT = 180;
const WHOLE_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 1_000_000];

export function HourlyChart({ series, label }: { series: HourlySeries; label: string }) {
  const container = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const raw = { succeeded: series.succeeded, failed: series.failed, skipped: series.skipped };
    const tops = stacked(series);
    const bars = uPlot.paths.bars!({ size: [0.8, 40], align: 0 });
    // Drawn total first, so each lower part paints over the one above it: a stack.
    const layer = (name: keyof typeof COLOURS): uPlot.Series => ({
      label: name,
      stroke: COLOURS[name],
      fill: COLOURS[name],
      width: 0,
      paths: bars,
      points: { show: false },
      value: (_plot, _value, _series, index) => (index === null ? '—' : String(raw[name][index] ?? 0)),
    });
    const plot = new uPlot(
      {
        width: Math.max(element.clientWidth, 240),
        height: HEIGHT,
        cursor: { drag: { x: false, y: false }, points: { show: false } },
        legend: { live: true },
        // Half an hour of room on each side, so the first and last bars are drawn whole.
        scales: { x: { time: true, range: (_plot, min, max) => [min - 1800, max + 1800] }, y: { range: (_plot, _min, max) => [0, Math.max(4, Math.ceil(max * 1.1))] } },
        axes: [
          { stroke: '#5b6270', grid: { stroke: '#e6e8ec', width: 1 }, ticks: { stroke: '#e6e8ec', width: 1 } },
          // Counts: whole-number ticks only.
          { stroke: '#5b6270', grid: { stroke: '#e6e8ec', width: 1 }, ticks: { stroke: '#e6e8ec', width: 1 }, size: 40, incrs: WHOLE_STEPS },
        ],
        series: [{ label: 'hour', value: (_plot, value) => (value === null ? '—' : formatTime(new Date(value * 1000).toISOString()).slice(0, 16)) }, layer('skipped'), layer('failed'), layer('succeeded')],
      },
      [series.hours, tops.skipped, tops.failed, tops.succeeded],
      element,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(element.clientWidth, 240), height: HEIGHT }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [series]);

  const sum = totals(series);
  return html`<figure class="chart">
    <div class="chart-canvas" ref=${container} role="img" aria-label=${`${label}: ${sum.succeeded} succeeded, ${sum.failed} failed, ${sum.skipped} skipped in the last 24 hours`}></div>
    <figcaption>
      <span class="key key-succeeded">${sum.succeeded} succeeded</span>
      <span class="key key-failed">${sum.failed} failed</span>
      <span class="key key-skipped">${sum.skipped} skipped</span>
    </figcaption>
    <details class="chart-table">
      <summary>Show as a table</summary>
      <div class="table-scroll">
        <table>
          <caption class="visually-hidden">${label}, deliveries per hour</caption>
          <thead><tr><th scope="col">Hour</th><th scope="col">Succeeded</th><th scope="col">Failed</th><th scope="col">Skipped</th></tr></thead>
          <tbody>
            ${series.hours.map(
              (hour, index) => html`<tr key=${hour}>
                <th scope="row">${formatTime(new Date(hour * 1000).toISOString()).slice(0, 16)}</th>
                <td>${series.succeeded[index]}</td><td>${series.failed[index]}</td><td>${series.skipped[index]}</td>
              </tr>`,
            )}
          </tbody>
        </table>
      </div>
    </details>
  </figure>`;
}
