// Management API Lambda: API Gateway HTTP API (payload format 2.0) -> app. Configuration,
// clients and the route table are built once per cold start.
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { createHttpSender } from '../adapters/http-sender';
import { ManagementStore } from '../adapters/management-store';
import { createAwsClients } from '../shared/aws-clients';
import { USER_AGENT } from '../shared/version';
import { createManagementApi } from './app';
import { loadApiConfig } from './config';
import { createRedeliveryQueue } from './redelivery-queue';
import { createScheduleCleaner } from './schedule-cleaner';

const config = loadApiConfig();
const logger = new Logger();
const clients = createAwsClients();

const api = createManagementApi({
  config,
  store: new ManagementStore(clients.dynamodb, config.tableName, config.attemptRetentionDays),
  sender: createHttpSender({ allowPrivate: config.allowPrivateEndpoints, timeoutMs: config.testSendTimeoutMs }),
  queue: createRedeliveryQueue(clients.sqs, config.dispatchQueueUrl),
  schedules: createScheduleCleaner(clients.scheduler, config.scheduleGroupName),
  userAgent: USER_AGENT,
  log: logger,
});

export async function handler(event: APIGatewayProxyEventV2, context: Context): Promise<APIGatewayProxyStructuredResultV2> {
  logger.addContext(context);
  return api(event);
}
