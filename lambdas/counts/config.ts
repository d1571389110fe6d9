// The counts aggregator's configuration, read once at cold start; a missing variable fails the start.
import { ENV, positiveIntegerEnv, requireEnv } from '../shared/config';

export interface CountsConfig {
  readonly tableName: string;
  /** The TTL of the counts items, as of the hour they count (the same retention as deliveries). */
  readonly retentionDays: number;
}

export function loadCountsConfig(env: NodeJS.ProcessEnv = process.env): CountsConfig {
  return {
    tableName: requireEnv(ENV.tableName, env),
    retentionDays: positiveIntegerEnv(ENV.attemptRetentionDays, 30, env),
  };
}
