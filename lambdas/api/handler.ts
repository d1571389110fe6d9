// Management API Lambda: API Gateway HTTP API (payload format 2.0) -> app. Configuration,
// clients and the route table are built once per cold start.
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { createAwsClients } from '../shared/aws-clients';
import { Logger } from '../shared/logger';
import { loadApiConfig } from './config';
import { createApi } from './create-api';

const logger = new Logger();
const api = createApi({ config: loadApiConfig(), clients: createAwsClients(), log: logger });

export async function handler(event: APIGatewayProxyEventV2, context: Context): Promise<APIGatewayProxyStructuredResultV2> {
  logger.addContext(context);
  return api(event);
}
