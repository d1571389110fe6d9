// The management API's composition root: the one place that wires the app to its adapters.
// The Lambda handler and the tests build the API here.
import { createHttpSender } from '../adapters/http-sender';
import { ManagementStore } from '../adapters/management-store';
import { createRetryScheduler } from '../adapters/retry-scheduler';
import type { HostLookup } from '../domain/url-policy';
import type { AwsClients } from '../shared/aws-clients';
import type { Log } from '../shared/logger';
import { USER_AGENT } from '../shared/version';
import { type ApiHandler, createManagementApi } from './app';
import type { ApiConfig } from './config';
import { portalAssetsFrom } from './portal-assets';

export interface ApiParts {
  readonly config: ApiConfig;
  readonly clients: Pick<AwsClients, 'dynamodb' | 'sqs' | 'scheduler'>;
  readonly log: Log;
  readonly now?: () => Date;
  /** Replaces DNS in endpoint URL checks (tests). */
  readonly lookup?: HostLookup;
  /** Folder of the portal's built files; without it /portal answers 404. */
  readonly portalDirectory?: string;
}

export function createApi(parts: ApiParts): ApiHandler {
  const { config, clients } = parts;
  return createManagementApi({
    config,
    store: new ManagementStore(clients.dynamodb, config.tableName, config.attemptRetentionDays),
    sender: createHttpSender({ allowPrivate: config.allowPrivateEndpoints, timeoutMs: config.testSendTimeoutMs }),
    retries: createRetryScheduler({
      sqs: clients.sqs,
      scheduler: clients.scheduler,
      queueUrl: config.retryQueueUrl,
      scheduleGroupName: config.scheduleGroupName,
    }),
    userAgent: USER_AGENT,
    log: parts.log,
    ...(parts.now ? { now: parts.now } : {}),
    ...(parts.lookup ? { lookup: parts.lookup } : {}),
    ...(parts.portalDirectory ? { portalAssets: portalAssetsFrom(parts.portalDirectory) } : {}),
  });
}
