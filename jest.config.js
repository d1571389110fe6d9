// Four projects, one per layer (npm run test:unit, test:infra, test:integration, test:browser; npm test runs all):
// - unit: pure code, no cdk.out, no services: passes on a fresh clone with nothing else to do;
// - infra: the CDK app and its synthesized template (synthesized once by the global setup);
// - integration: real services (DynamoDB Local, the local run, HTTP receivers on 127.0.0.1),
//   test/integration and test/e2e. Only this one starts DynamoDB Local.
// - browser: the customer portal in headless Chromium (/usr/bin/chromium) against the local run.
// The SDK warns once per process that Node 20 support ends in 2027; Lambda runs Node 22.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] };
const base = { testEnvironment: 'node', transform };

/** @type {import('jest').Config} */
module.exports = {
  // A global option: jest ignores it inside a project, where it used to be (tests got 5 s).
  testTimeout: 60000,
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      ...base,
      displayName: 'infra',
      testMatch: ['<rootDir>/test/infra/**/*.test.ts'],
      globalSetup: '<rootDir>/test/infra/global-setup.ts',
    },
    {
      ...base,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts', '<rootDir>/test/e2e/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
    { ...base, displayName: 'browser', testMatch: ['<rootDir>/test/browser/**/*.test.ts'] },
  ],
};
