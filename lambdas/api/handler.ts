// Management API Lambda: API Gateway HTTP API (payload format 2.0) -> app. Configuration,
// clients and the route table are built once per cold start.
import { join } from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SQSClient } from '@aws-sdk/client-sqs';
import { Logger } from '../shared/logger';
import { loadApiConfig } from './config';
import { createApi } from './create-api';
import { PORTAL_DIRECTORY } from './portal-assets';

const logger = new Logger();
// Only the clients the API uses, so the bundle carries no other SDK client.
const clients = { dynamodb: new DynamoDBClient({}), sqs: new SQSClient({}), scheduler: new SchedulerClient({}), kms: new KMSClient({}) };
// The bundling puts the portal's files next to this bundle (lib/constructs/portal-bundling.ts).
const api = createApi({ config: loadApiConfig(), clients, log: logger, portalDirectory: join(__dirname, PORTAL_DIRECTORY) });

export async function handler(event: APIGatewayProxyEventV2, context: Context): Promise<APIGatewayProxyStructuredResultV2> {
  logger.addContext(context);
  return api(event);
}
