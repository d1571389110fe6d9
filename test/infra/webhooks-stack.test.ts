// The app's context keys reach the construct; absent keys leave its defaults.
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ENV } from '../../lambdas/shared/config';
import { CONTEXT_KEYS, WebhooksStack, webhookPropsFromContext } from '../../lib/webhooks-stack';

const SKIP_BUNDLING = { 'aws:cdk:bundling-stacks': [] };

describe('webhookPropsFromContext', () => {
  test('no context: every setting left to the construct', () => {
    expect(webhookPropsFromContext(new App().node)).toEqual({
      eventSource: undefined,
      eventBusName: undefined,
      retryScheduleSeconds: undefined,
      allowPrivateEndpoints: undefined,
      portalFrameAncestors: undefined,
    });
  });

  test('cdk.json values (booleans, lists) and -c values (always strings) are both understood', () => {
    const fromJson = new App({
      context: {
        [CONTEXT_KEYS.eventSource]: 'acme',
        [CONTEXT_KEYS.eventBusName]: 'acme-bus',
        [CONTEXT_KEYS.retryScheduleSeconds]: [5, 10],
        [CONTEXT_KEYS.allowPrivateEndpoints]: true,
        [CONTEXT_KEYS.portalFrameAncestors]: ['https://dashboard.georedir.com'],
      },
    });
    expect(webhookPropsFromContext(fromJson.node)).toEqual({
      eventSource: 'acme',
      eventBusName: 'acme-bus',
      retryScheduleSeconds: '5,10',
      allowPrivateEndpoints: true,
      portalFrameAncestors: ['https://dashboard.georedir.com'],
    });
    const fromCommandLine = new App({
      context: {
        [CONTEXT_KEYS.retryScheduleSeconds]: '5,10',
        [CONTEXT_KEYS.allowPrivateEndpoints]: 'false',
        [CONTEXT_KEYS.portalFrameAncestors]: "https://dashboard.georedir.com, 'self'",
      },
    });
    expect(webhookPropsFromContext(fromCommandLine.node)).toMatchObject({
      retryScheduleSeconds: '5,10',
      allowPrivateEndpoints: false,
      portalFrameAncestors: ['https://dashboard.georedir.com', "'self'"],
    });
  });

  test('an unclear boolean is rejected rather than guessed', () => {
    const app = new App({ context: { [CONTEXT_KEYS.allowPrivateEndpoints]: 'yes' } });
    expect(() => webhookPropsFromContext(app.node)).toThrow(/allowPrivateEndpoints must be true or false/);
  });

  test('the stack synthesizes from context alone, without an account or region', () => {
    const app = new App({
      context: {
        ...SKIP_BUNDLING,
        [CONTEXT_KEYS.eventSource]: 'acme',
        [CONTEXT_KEYS.retryScheduleSeconds]: '1,2',
        [CONTEXT_KEYS.allowPrivateEndpoints]: 'true',
      },
    });
    const stack = new WebhooksStack(app, 'GeoRedirWebhooks', webhookPropsFromContext(app.node));
    const template = Template.fromStack(stack);
    template.hasOutput('EventSource', { Value: 'acme' });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          ...Object.fromEntries([
            [ENV.eventSource, 'acme'],
            [ENV.retryScheduleSeconds, '1,2'],
            [ENV.allowPrivateEndpoints, 'true'],
          ]),
        },
      },
    });
  });
});
