import { parseTenantOptions } from '../../../chaos/tenants';

describe('the tenants run options', () => {
  it('defaults to the issue: 3,000-event bursts, a 4.5 s endpoint, 600 rate-limited and 200 retried events', () => {
    expect(parseTenantOptions([])).toMatchObject({
      json: false,
      burst: 3000,
      slowAnswerMs: 4500,
      baselineSeconds: 30,
      quietMaxSeconds: 60,
      quietMinSamples: 20,
      rateLimitedEvents: 600,
      retryEvents: 200,
      dynamoDbWarmUpRequests: 1500,
    });
  });

  it('reads each option, and refuses unknown ones and non-positive numbers', () => {
    const options = parseTenantOptions(['--json', '--burst', '300', '--retry-events', '20', '--no-dynamodb-warm-up', '--keep-log', '/tmp/x']);
    expect(options).toMatchObject({ json: true, burst: 300, retryEvents: 20, dynamoDbWarmUpRequests: 0, keepLogDir: '/tmp/x' });
    expect(() => parseTenantOptions(['--events', '3'])).toThrow(/unknown argument --events/);
    expect(() => parseTenantOptions(['--burst', '0'])).toThrow(/positive/);
  });
});
