// A producer event no webhook can carry (an unknown DetailType, invalid data) is recorded as
// rejected with its reason instead of vanishing: through the local run's bus rule (source only),
// the dispatcher's validation, and `npm run admin -- rejected`, as an operator would find it.
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { listRejectedEventsOfDay, type RejectedEventRecord } from '../../cli/rejected-events';
import { EVENT_CATALOGUE } from '../../lambdas/domain/event-catalogue';
import { localClientConfig } from '../support/sdk-clients';
import { type LocalRunProcess, repositoryRoot, startLocalRunProcess } from './support/local-run-process';

const READY_LIMIT_MS = 60_000;
const today = () => new Date().toISOString().slice(0, 10);

describe('rejected producer events in the local run', () => {
  let run: LocalRunProcess;
  let events: EventBridgeClient;
  let dynamodb: DynamoDBClient;

  beforeAll(async () => {
    run = await startLocalRunProcess({}, READY_LIMIT_MS + 5_000);
    events = new EventBridgeClient(localClientConfig(run.outputs.awsEndpoint, run.outputs.region));
    dynamodb = new DynamoDBClient(localClientConfig(run.outputs.awsEndpoint, run.outputs.region));
  }, READY_LIMIT_MS + 10_000);

  afterAll(async () => {
    events?.destroy();
    dynamodb?.destroy();
    if (run) {
      await run.stop('SIGTERM');
      rmSync(run.outputDir, { recursive: true, force: true });
    }
  });

  const publish = async (source: string, detailType: string, data: unknown) => {
    const answer = await events.send(
      new PutEventsCommand({
        Entries: [{ EventBusName: run.outputs.eventBusName, Source: source, DetailType: detailType, Detail: JSON.stringify({ account_id: run.outputs.accountId, data }) }],
      }),
    );
    expect(answer.FailedEntryCount).toBe(0);
    return answer.Entries![0]!.EventId!;
  };

  /** Today's rejected events (and yesterday's, should the test straddle midnight UTC). */
  const rejectedSince = async (day: string): Promise<RejectedEventRecord[]> => {
    const days = [...new Set([day, today()])];
    const lists = await Promise.all(days.map((each) => listRejectedEventsOfDay(dynamodb, run.outputs.tableName, each)));
    return lists.flat();
  };

  const waitForRejected = async (day: string, envelopeIds: string[], limitMs = 15_000): Promise<RejectedEventRecord[]> => {
    const deadline = Date.now() + limitMs;
    for (;;) {
      const rejected = await rejectedSince(day);
      if (envelopeIds.every((id) => rejected.some((event) => event.envelopeId === id))) return rejected;
      if (Date.now() > deadline) throw new Error(`not all of ${envelopeIds.join(', ')} were rejected; seen: ${JSON.stringify(rejected)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  };

  it('records an unknown DetailType and invalid data with the reason, and leaves a foreign source alone', async () => {
    const day = today();
    const unknownType = await publish(run.outputs.eventSource, 'refund.issued', { refund_id: 'r-1' });
    const invalidClick = await publish(run.outputs.eventSource, 'click', { ...EVENT_CATALOGUE.click.example, click_id: undefined });
    const foreign = await publish('someone-else', 'refund.issued', { refund_id: 'r-2' });

    const rejected = await waitForRejected(day, [unknownType, invalidClick]);
    expect(rejected.find((event) => event.envelopeId === unknownType)).toMatchObject({
      reason: expect.stringMatching(/^unknown event type "refund\.issued" \(detail-type\); expected one of .*click/),
      excerpt: expect.stringContaining('"refund.issued"'),
    });
    expect(rejected.find((event) => event.envelopeId === invalidClick)?.reason).toMatch(/^detail\.data is not a valid click payload: .*click_id/);
    // The rule matches the producers' source only: another source never reaches the dispatcher.
    expect(rejected.some((event) => event.envelopeId === foreign)).toBe(false);

    const { events: recorded } = (await (await fetch(`${run.outputs.awsEndpoint}/_local/events`)).json()) as {
      events: { matchedRules: string[]; event: { id: string } }[];
    };
    expect(recorded.find((entry) => entry.event.id === unknownType)?.matchedRules).toHaveLength(1);
    expect(recorded.find((entry) => entry.event.id === foreign)?.matchedRules).toEqual([]);

    // What an operator runs after the EventsRejected alarm.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'cli/admin.ts', 'rejected', '--day', day, '--json', '--outputs', join(run.outputDir, 'outputs.json')],
      { cwd: repositoryRoot, env: { ...process.env, NODE_OPTIONS: '' } },
    );
    const listed = JSON.parse(stdout) as RejectedEventRecord[];
    expect(listed.map((event) => event.envelopeId)).toEqual(expect.arrayContaining([unknownType, invalidClick]));
    expect(listed.find((event) => event.envelopeId === unknownType)?.reason).toContain('refund.issued');
  });
});
