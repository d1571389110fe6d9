// The small stand-ins for Powertools Logger, Metrics and the SQS batch processor that the
// handlers can use instead (see "Cold start" in docs/performance.md).
import type { Context } from 'aws-lambda';
import { Logger } from '../../../lambdas/shared/logger';
import { Metrics } from '../../../lambdas/shared/metrics';
import { FullBatchFailureError, partialBatchResponse } from '../../../lambdas/shared/sqs-batch';

const NOW = new Date('2026-11-28T05:00:00.000Z');
const context = {
  functionName: 'dispatcher',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:dispatcher',
  memoryLimitInMB: '256',
  awsRequestId: 'req-1',
} as Context;

describe('Logger', () => {
  const capture = (env: Record<string, string | undefined> = {}) => {
    const lines: Record<string, unknown>[] = [];
    const logger = new Logger({ env: { POWERTOOLS_SERVICE_NAME: 'webhook-dispatcher', ...env }, now: () => NOW, write: (line) => lines.push(JSON.parse(line)) });
    return { logger, lines };
  };

  it('writes one JSON line per call in the Powertools shape, fields merged', () => {
    const { logger, lines } = capture();
    logger.info('delivery skipped', { deliveryId: 'dlv_1', attempt: 2 }, { endpointId: 'ep_1' });
    expect(lines).toEqual([
      { level: 'INFO', message: 'delivery skipped', timestamp: NOW.toISOString(), service: 'webhook-dispatcher', deliveryId: 'dlv_1', attempt: 2, endpointId: 'ep_1' },
    ]);
  });

  it('adds the invocation context, cold_start true only for the first invocation', () => {
    const { logger, lines } = capture();
    logger.addContext(context);
    logger.warn('first');
    logger.addContext({ ...context, awsRequestId: 'req-2' });
    logger.warn('second');
    expect(lines[0]).toMatchObject({ cold_start: true, function_name: 'dispatcher', function_memory_size: 256, function_request_id: 'req-1', function_arn: context.invokedFunctionArn });
    expect(lines[1]).toMatchObject({ cold_start: false, function_request_id: 'req-2' });
  });

  it('filters by POWERTOOLS_LOG_LEVEL (or the Lambda log level), INFO by default', () => {
    const quiet = capture({ POWERTOOLS_LOG_LEVEL: 'ERROR' });
    quiet.logger.info('no');
    quiet.logger.warn('no');
    quiet.logger.error('yes');
    expect(quiet.lines.map((line) => line.message)).toEqual(['yes']);
    const lambda = capture({ AWS_LAMBDA_LOG_LEVEL: 'WARN' });
    lambda.logger.info('no');
    lambda.logger.warn('yes');
    expect(lambda.lines.map((line) => line.message)).toEqual(['yes']);
    const defaults = capture();
    defaults.logger.debug('no');
    defaults.logger.info('yes');
    expect(defaults.lines.map((line) => line.message)).toEqual(['yes']);
  });

  it('serialises errors with name, location, message and stack', () => {
    const { logger, lines } = capture();
    logger.error('request failed', { error: new TypeError('boom') });
    expect(lines[0]?.error).toMatchObject({ name: 'TypeError', message: 'boom', stack: expect.stringContaining('TypeError: boom') });
    expect((lines[0]?.error as { location: string }).location).toMatch(/observability\.test\.ts:\d+$/);
  });
});

describe('Metrics', () => {
  it('publishes counts as one EMF line with the service dimension, then starts over', () => {
    const lines: Record<string, unknown>[] = [];
    const metrics = new Metrics({
      env: { POWERTOOLS_METRICS_NAMESPACE: 'GeoRedirWebhooks', POWERTOOLS_SERVICE_NAME: 'webhook-dispatcher' },
      now: () => NOW.getTime(),
      write: (line) => lines.push(JSON.parse(line)),
    });
    metrics.count('EventsAccepted');
    metrics.count('EventsAccepted');
    metrics.count('EventsRejected');
    metrics.publish();
    metrics.publish(); // nothing counted since: nothing written
    expect(lines).toEqual([
      {
        _aws: {
          Timestamp: NOW.getTime(),
          CloudWatchMetrics: [
            {
              Namespace: 'GeoRedirWebhooks',
              Dimensions: [['service']],
              Metrics: [
                { Name: 'EventsAccepted', Unit: 'Count' },
                { Name: 'EventsRejected', Unit: 'Count' },
              ],
            },
          ],
        },
        service: 'webhook-dispatcher',
        EventsAccepted: 2,
        EventsRejected: 1,
      },
    ]);
  });

  it.each([
    [{ POWERTOOLS_METRICS_DISABLED: 'true' }, false],
    [{ POWERTOOLS_DEV: 'true' }, false],
    [{ POWERTOOLS_DEV: 'true', POWERTOOLS_METRICS_DISABLED: 'false' }, true],
    [{ POWERTOOLS_METRICS_DISABLED: 'false' }, true],
  ])('with %j publishes: %s', (env, publishes) => {
    const lines: string[] = [];
    const metrics = new Metrics({ env, write: (line) => lines.push(line) });
    metrics.count('EventsAccepted');
    metrics.publish();
    expect(lines.length > 0).toBe(publishes);
  });
});

describe('partialBatchResponse', () => {
  it('reports the failed messages for SQS to retry', () => {
    expect(partialBatchResponse(3, ['b'])).toEqual({ batchItemFailures: [{ itemIdentifier: 'b' }] });
  });

  it('answers no failures for a clean batch and an empty one', () => {
    expect(partialBatchResponse(2, [])).toEqual({ batchItemFailures: [] });
    expect(partialBatchResponse(0, [])).toEqual({ batchItemFailures: [] });
  });

  it('throws when every message failed, as Powertools does, so the invocation counts as an error', () => {
    expect(() => partialBatchResponse(2, ['a', 'b'])).toThrow(FullBatchFailureError);
  });
});
