// The largest events PutEvents accepts (an entry of up to 262,144 bytes by AWS's rule: Source +
// DetailType + Detail + Resources + Time) each end delivered with a valid signature, or listed by
// `npm run admin -- rejected` with a reason; none is accepted and then lost. EventBridge wraps the
// entry in an envelope a few hundred bytes longer, which the queues' 1 MiB maximum takes; a queue
// still at SQS's old default (262,144) refuses it, and the rule target's dead-letter queue then
// holds it where `admin rejected` and its alarm see it.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { GetQueueAttributesCommand, SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { RejectedEvent } from '../../cli/admin';
import { entrySize } from '../../local/aws-endpoint/eventbridge';
import { type Account, clickData, deliveryWithStatus, type GuideRun, READY_TIMEOUT_MS, type RegisteredEndpoint, startGuideRun, waitFor } from './guide-harness';
import { type ReceivedRequest, type ScriptedReceiver, startScriptedReceiver } from './receivers/scripted-receiver';
import { repositoryRoot } from './support/local-run-process';

const ENTRY_SIZES = [200_000, 261_000, 262_100];
const END_LIMIT_MS = 30_000;
const today = () => new Date().toISOString().slice(0, 10);

describe('the largest events PutEvents accepts, on the local run', () => {
  let run: GuideRun;
  let receiver: ScriptedReceiver;
  let account: Account;
  let endpoint: RegisteredEndpoint;

  beforeAll(async () => {
    run = await startGuideRun({});
    receiver = await startScriptedReceiver();
    account = run.devAccount;
    endpoint = await run.registerEndpoint(account, receiver.url, ['click']);
    receiver.secret = endpoint.secret;
  }, READY_TIMEOUT_MS + 15_000);

  afterAll(async () => {
    await receiver?.close();
    await run?.stop();
  });

  /** A click whose PutEvents entry is exactly `size` bytes, padded in a field of its own (the schemas let producers add fields). */
  const largeClick = (clickId: string, size: number) => {
    const detailOf = (padding: string) => JSON.stringify({ account_id: account.accountId, data: clickData(clickId, { note: padding }) });
    const entry = (padding: string) => ({ Source: run.process.outputs.eventSource, DetailType: 'click', Detail: detailOf(padding) });
    const detail = detailOf('x'.repeat(size - entrySize(entry(''))));
    expect(entrySize({ ...entry(''), Detail: detail })).toBe(size);
    return detail;
  };

  const publish = async (clickId: string, size: number) => {
    const [entry] = await run.publish({ type: 'click', account, rawDetail: largeClick(clickId, size) });
    return entry!.EventId!;
  };

  /** What `npm run admin -- rejected --day <today> --json` lists, the local run found through LOCAL_OUTPUT_DIR as npm start wrote it. */
  const adminRejected = async (): Promise<RejectedEvent[]> => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'cli/admin.ts', 'rejected', '--day', today(), '--json'], {
      cwd: repositoryRoot,
      env: { ...process.env, NODE_OPTIONS: '', LOCAL_OUTPUT_DIR: run.process.outputDir },
    });
    return JSON.parse(stdout) as RejectedEvent[];
  };

  type Outcome = { delivered: ReceivedRequest } | { rejected: RejectedEvent };

  /** Waits until the event has ended one of the two ways an accepted event may end. */
  const outcomeOf = (eventId: string, clickId: string): Promise<Outcome> =>
    waitFor(
      `event ${eventId} (${clickId}) delivered or listed as rejected`,
      async () => {
        const delivered = receiver.received.find((request) => request.body.data?.click_id === clickId);
        if (delivered) return { delivered };
        const rejected = (await adminRejected()).find((event) => event.envelopeId === eventId);
        return rejected ? { rejected } : undefined;
      },
      END_LIMIT_MS,
      500,
    );

  it('delivers events of 200,000, 261,000 and 262,100 bytes whole, with a valid signature', async () => {
    const published = [];
    for (const size of ENTRY_SIZES) {
      const clickId = `large-${size}`;
      published.push({ size, clickId, eventId: await publish(clickId, size) });
    }
    for (const { size, clickId, eventId } of published) {
      const outcome = await outcomeOf(eventId, clickId);
      // Either ending is no loss; with 1 MiB queues every one of them is delivered.
      expect({ size, outcome: 'delivered' in outcome ? 'delivered' : `rejected: ${outcome.rejected.reason}` }).toEqual({ size, outcome: 'delivered' });
      const { delivered } = outcome as { delivered: ReceivedRequest };
      expect(delivered.signatureValid).toBe(true);
      expect(delivered.body.data).toEqual(clickData(clickId, { note: expect.any(String) }));
      expect(JSON.stringify({ account_id: account.accountId, data: delivered.body.data })).toBe(largeClick(clickId, size));
      // Recorded too, so the delivery log and redelivery have it.
      const deliveryId = delivered.headers['x-georedir-delivery'] as string;
      expect((await deliveryWithStatus(run, account, deliveryId, 'succeeded', END_LIMIT_MS)).eventId).toBeDefined();
    }
  });

  it("a dispatch queue at SQS's old 262,144-byte default: the largest event goes to the rule's dead-letter queue, and admin rejected lists it with the reason", async () => {
    const queueUrl = run.process.outputs.dispatchQueueUrl;
    const { Attributes } = await run.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['MaximumMessageSize'] }));
    expect(Attributes?.MaximumMessageSize).toBe('1048576');
    // As a stack deployed before the queues were raised to 1 MiB has it.
    await run.sqs.send(new SetQueueAttributesCommand({ QueueUrl: queueUrl, Attributes: { MaximumMessageSize: '262144' } }));
    try {
      const fits = await publish('old-limit-200000', 200_000);
      const tooLarge = await publish('old-limit-262100', 262_100);

      const rejected = await outcomeOf(tooLarge, 'old-limit-262100');
      expect(rejected).toEqual({
        rejected: expect.objectContaining({
          origin: 'rule-dead-letter-queue',
          envelopeId: tooLarge,
          reason: expect.stringMatching(/\(SDK_CLIENT_ERROR\): InvalidParameterValue: .*Message must be shorter than 262144 bytes/),
        }),
      });
      expect(await outcomeOf(fits, 'old-limit-200000')).toEqual({ delivered: expect.objectContaining({ signatureValid: true }) });
      expect(receiver.received.some((request) => request.body.data?.click_id === 'old-limit-262100')).toBe(false);
      // Printed by the local run without --verbose: nobody else is told.
      expect(run.process.lines.some((line) => line.includes(`could not deliver ${tooLarge}`) && line.includes('dead-lettered'))).toBe(true);
      // Listing leaves it in the queue: a second listing still has it.
      expect((await adminRejected()).map((event) => event.envelopeId)).toContain(tooLarge);
    } finally {
      await run.sqs.send(new SetQueueAttributesCommand({ QueueUrl: queueUrl, Attributes: { MaximumMessageSize: '1048576' } }));
    }
  });
});
