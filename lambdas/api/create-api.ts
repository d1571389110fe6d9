// The management API's composition root: the one place that wires the app to its adapters.
// The Lambda handler and the tests build the API here.
import { createHttpSender } from '../adapters/http-sender';
import { ManagementStore } from '../adapters/management-store';
import { cursorSigningKeys } from '../adapters/management/cursor';
import { createRetryScheduler } from '../adapters/retry-scheduler';
import { KmsSecretBox } from '../adapters/secret-box';
import type { HostLookup } from '../domain/url-policy';
import type { AwsClients } from '../shared/aws-clients';
import type { Log } from '../shared/logger';
import { USER_AGENT } from '../shared/version';
import { type ApiHandler, createManagementApi } from './app';
import type { ApiConfig } from './config';
import { portalAssetsFrom } from './portal-assets';
import { portalSigningKeys } from './portal-tokens';

export interface ApiParts {
  readonly config: ApiConfig;
  readonly clients: Pick<AwsClients, 'dynamodb' | 'sqs' | 'scheduler' | 'kms'>;
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
    // One box per cold start: its data keys are cached for the instance's life (secret-box.ts).
    // Signing keys too: derived from the KMS key once per day and instance, kept in memory only.
    store: new ManagementStore(clients.dynamodb, config.tableName, config.attemptRetentionDays, new KmsSecretBox(clients.kms, config.secretsKeyArn), {
      portalKeys: portalSigningKeys(clients.kms, config.signingKeyArn),
      cursorKeys: cursorSigningKeys(clients.kms, config.signingKeyArn),
    }),
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
