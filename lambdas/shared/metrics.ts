// Counters as CloudWatch embedded metric format (EMF) lines, in the namespace and with the
// `service` dimension Powertools Metrics used, so dashboards and alarms see the same metrics.
// Counts are kept per name and written as one line by publish(); nothing is written when empty.

export interface MetricsOptions {
  /** Default: POWERTOOLS_METRICS_NAMESPACE. */
  readonly namespace?: string;
  /** Default: POWERTOOLS_SERVICE_NAME. */
  readonly serviceName?: string;
  readonly write?: (line: string) => void;
  readonly now?: () => number;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Default: POWERTOOLS_METRICS_DISABLED if set, else POWERTOOLS_DEV (tests, local runs). */
  readonly disabled?: boolean;
}

export class Metrics {
  private readonly namespace: string;
  private readonly service: string;
  private readonly write: (line: string) => void;
  private readonly now: () => number;
  private readonly disabled: boolean;
  private counts = new Map<string, number>();

  constructor(options: MetricsOptions = {}) {
    const env = options.env ?? process.env;
    this.namespace = options.namespace ?? env['POWERTOOLS_METRICS_NAMESPACE'] ?? 'default_namespace';
    this.service = options.serviceName ?? env['POWERTOOLS_SERVICE_NAME'] ?? 'service_undefined';
    this.write = options.write ?? ((line) => process.stdout.write(`${line}\n`));
    this.now = options.now ?? Date.now;
    const setting = env['POWERTOOLS_METRICS_DISABLED'] ?? env['POWERTOOLS_DEV'];
    this.disabled = options.disabled ?? (setting !== undefined && ['1', 'true', 'yes', 'on'].includes(setting.trim().toLowerCase()));
  }

  count(name: string, value = 1): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + value);
  }

  /** Writes the counts as one EMF line and starts over. */
  publish(): void {
    if (this.counts.size === 0 || this.disabled) {
      this.counts = new Map();
      return;
    }
    const names = [...this.counts.keys()];
    const line: Record<string, unknown> = {
      _aws: {
        Timestamp: this.now(),
        CloudWatchMetrics: [{ Namespace: this.namespace, Dimensions: [['service']], Metrics: names.map((Name) => ({ Name, Unit: 'Count' })) }],
      },
      service: this.service,
      ...Object.fromEntries(this.counts),
    };
    this.counts = new Map();
    this.write(JSON.stringify(line));
  }
}
