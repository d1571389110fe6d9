// The emit CLI's input: the Detail it builds, what it refuses, and where it publishes.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { eventDetail, parseEmitArgs, resolveTarget } from '../../../cli/emit';
import { writeLocalOutputs } from '../../../local/outputs';
import { SAMPLE_LOCAL_OUTPUTS, scratchDirPerTest } from '../../support/local-outputs-fixture';

describe('emit', () => {
  const scratch = scratchDirPerTest();
  const outputs = SAMPLE_LOCAL_OUTPUTS;

  it('builds the Detail producers publish from --account, --data (inline or @file), --id and --timestamp', () => {
    writeFileSync(join(scratch.path, 'data.json'), '{"link_id": 42}');
    const args = parseEmitArgs(['link.created', '--account', 'acct_1', '--data', '@data.json', '--id', 'evt-1', '--timestamp=2026-02-25T10:00:00Z'], scratch.path);
    expect(args.eventType).toBe('link.created');
    expect(JSON.parse(eventDetail(args))).toEqual({ account_id: 'acct_1', data: { link_id: 42 }, id: 'evt-1', timestamp: '2026-02-25T10:00:00Z' });
    expect(Object.keys(JSON.parse(eventDetail(parseEmitArgs(['click', '--account', 'a', '--data', '{}']))))).toEqual(['account_id', 'data']);
  });

  it('refuses incomplete or invalid input', () => {
    expect(() => parseEmitArgs(['--account', 'a', '--data', '{}'])).toThrow('the event TYPE is required');
    expect(() => parseEmitArgs(['click', '--data', '{}'])).toThrow('--account is required');
    expect(() => parseEmitArgs(['click', '--account', 'a', '--data', '{nope'])).toThrow('--data is not valid JSON');
    expect(() => parseEmitArgs(['click', '--account', 'a', '--data', '{}', '--timestamp', 'yesterday'])).toThrow('not an ISO-8601 time');
  });

  it('targets the local run from outputs.json', async () => {
    writeLocalOutputs(scratch.path, outputs);
    const args = parseEmitArgs(['click', '--account', 'a', '--data', '{}', '--outputs', join(scratch.path, 'outputs.json')]);
    await expect(resolveTarget(args, '/nowhere')).resolves.toEqual({
      eventBusName: 'bus',
      eventSource: 'georedir',
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:4566',
    });
  });

  it('reads the file --outputs names, not the outputs.json beside it', async () => {
    writeLocalOutputs(scratch.path, outputs);
    const other = join(scratch.path, 'other-run.json');
    writeFileSync(other, JSON.stringify({ ...outputs, eventBusName: 'other-bus', awsEndpoint: 'http://127.0.0.1:4999' }));
    const args = parseEmitArgs(['click', '--account', 'a', '--data', '{}', '--outputs', 'other-run.json'], scratch.path);
    await expect(resolveTarget(args, '/nowhere')).resolves.toMatchObject({ eventBusName: 'other-bus', endpoint: 'http://127.0.0.1:4999' });
    const missing = parseEmitArgs(['click', '--account', 'a', '--data', '{}', '--outputs', 'gone.json'], scratch.path);
    await expect(resolveTarget(missing, '/nowhere')).rejects.toThrow(`cannot read ${join(scratch.path, 'gone.json')} (not found)`);
  });

  it('targets a deployed stack through its EventBusName and EventSource outputs, with no local endpoint', async () => {
    const asked: unknown[] = [];
    const cloudFormation = {
      send: async (command: { input: unknown }) => {
        asked.push(command.input);
        return {
          Stacks: [
            {
              StackStatus: 'UPDATE_COMPLETE',
              Outputs: [
                { OutputKey: 'EventBusName', OutputValue: 'deployed-bus' },
                { OutputKey: 'EventSource', OutputValue: 'georedir' },
              ],
            },
          ],
        };
      },
      config: { region: async () => 'eu-west-1' },
    } as unknown as CloudFormationClient;
    const args = parseEmitArgs(['click', '--account', 'a', '--data', '{}', '--stack', 'GeoRedirWebhooks', '--region', 'eu-west-1']);
    await expect(resolveTarget(args, '/nowhere', cloudFormation)).resolves.toEqual({ eventBusName: 'deployed-bus', eventSource: 'georedir', region: 'eu-west-1' });
    expect(asked).toEqual([{ StackName: 'GeoRedirWebhooks' }]);
    expect(() => parseEmitArgs(['click', '--account', 'a', '--data', '{}', '--stack', 'S', '--outputs', 'o.json'])).toThrow('choose one of --stack, --outputs');
    expect(() => parseEmitArgs(['click', '--account', 'a', '--data', '{}', '--region', 'eu-west-1'])).toThrow('--region goes with --stack');
  });
});
