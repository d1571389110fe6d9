// readStackOutputs against a fake of CloudFormation's query API on 127.0.0.1: what a deployed
// stack answers, and the faults (unknown stack, failed stack, missing output, access denied)
// that cannot be produced without an AWS account.
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { readStackOutputs, StackOutputsError } from '../../../cli/stack-outputs';
import { type FakeCloudFormation, startFakeCloudFormation } from '../../support/cloudformation-fake';

let fake: FakeCloudFormation;
let client: CloudFormationClient;

beforeAll(async () => {
  fake = await startFakeCloudFormation();
  client = new CloudFormationClient({
    endpoint: fake.url,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
});
afterAll(async () => {
  client.destroy();
  await fake.close();
});
afterEach(() => fake.failWith(undefined));

const OUTPUTS = {
  TableName: 'Webhooks-Table-ABC123',
  EventBusName: 'georedir-webhooks',
  ApiUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com/?a=1&b=<2>',
};

it('returns the outputs by key, asking DescribeStacks for the named stack', async () => {
  fake.putStack('GeoRedirWebhooks', { outputs: OUTPUTS });
  const before = fake.requests.length;
  expect(await readStackOutputs('GeoRedirWebhooks', { client, required: ['TableName', 'EventBusName'] })).toEqual(OUTPUTS);
  const [request] = fake.requests.slice(before);
  expect(request?.params).toMatchObject({ Action: 'DescribeStacks', Version: '2010-05-15', StackName: 'GeoRedirWebhooks' });
  expect(request?.headers.authorization).toContain('/eu-west-1/cloudformation/aws4_request');
});

it('names an unknown stack and its region', async () => {
  await expect(readStackOutputs('Nope', { client })).rejects.toThrow(
    new StackOutputsError('no stack Nope in eu-west-1: check --stack and --region'),
  );
});

it('names the outputs a stack lacks', async () => {
  fake.putStack('Other', { outputs: { Something: 'else' } });
  await expect(readStackOutputs('Other', { client, required: ['TableName', 'EventBusName'] })).rejects.toThrow(
    'stack Other has no output TableName, EventBusName',
  );
  expect(await readStackOutputs('Other', { client })).toEqual({ Something: 'else' });
});

it('refuses a stack whose creation failed or is under way, not one whose update was rolled back', async () => {
  for (const status of ['ROLLBACK_COMPLETE', 'CREATE_IN_PROGRESS', 'DELETE_FAILED']) {
    fake.putStack('Broken', { status, outputs: OUTPUTS });
    await expect(readStackOutputs('Broken', { client })).rejects.toThrow(`stack Broken is ${status}: its outputs are not usable`);
  }
  fake.putStack('Updated', { status: 'UPDATE_ROLLBACK_COMPLETE', outputs: OUTPUTS });
  expect(await readStackOutputs('Updated', { client })).toEqual(OUTPUTS);
});

it("passes CloudFormation's own message on for other faults and leaves the given client usable", async () => {
  fake.failWith({ status: 403, code: 'AccessDenied', message: 'User is not authorized to perform: cloudformation:DescribeStacks' });
  const failure = readStackOutputs('GeoRedirWebhooks', { client });
  await expect(failure).rejects.toThrow(StackOutputsError);
  await expect(failure).rejects.toThrow(
    'cannot read the outputs of stack GeoRedirWebhooks: User is not authorized to perform: cloudformation:DescribeStacks',
  );
  fake.failWith(undefined);
  fake.putStack('GeoRedirWebhooks', { outputs: OUTPUTS });
  expect(await readStackOutputs('GeoRedirWebhooks', { client })).toEqual(OUTPUTS);
});

describe('without a client', () => {
  const saved = { ...process.env };
  beforeAll(() => {
    // Both point at the fake, so nothing here can reach AWS.
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: fake.url,
      AWS_ENDPOINT_URL_CLOUDFORMATION: fake.url,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    });
  });
  afterAll(() => {
    for (const name of ['AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_CLOUDFORMATION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });

  it('makes one for the given region', async () => {
    fake.putStack('Regional', { outputs: OUTPUTS });
    const before = fake.requests.length;
    expect(await readStackOutputs('Regional', { region: 'ap-southeast-2' })).toEqual(OUTPUTS);
    expect(fake.requests.slice(before)[0]?.headers.authorization).toContain('/ap-southeast-2/cloudformation/aws4_request');
  });
});
