// SQS events shaped as Lambda's event source mapping delivers them, and the EventBridge
// envelope a rule with an SQS target writes into the message body.
import { createHash, randomUUID } from 'node:crypto';
import type { SQSEvent } from 'aws-lambda';

export function eventBridgeEnvelope(detailType: string, detail: Record<string, unknown>, source = 'georedir') {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': detailType,
    source,
    account: '000000000000',
    time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: 'us-east-1',
    resources: [],
    detail,
  };
}

export function sqsEvent(bodies: readonly string[], queueArn: string): SQSEvent {
  return {
    Records: bodies.map((body) => ({
      messageId: randomUUID(),
      receiptHandle: randomUUID(),
      body,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(Date.now()),
        SenderId: 'AIDAEXAMPLE',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: createHash('md5').update(body).digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: queueArn,
      awsRegion: 'us-east-1',
    })),
  };
}
