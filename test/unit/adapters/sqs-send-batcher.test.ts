import { SendMessageBatchCommand, type SendMessageBatchCommandOutput, type SQSClient } from '@aws-sdk/client-sqs';
import { SqsSendBatcher } from '../../../lambdas/adapters/sqs-send-batcher';

type Answer = (entries: readonly { Id?: string; MessageBody?: string }[]) => Partial<SendMessageBatchCommandOutput> | Error;

/** Stands in for the SQS client: records each SendMessageBatch and answers it as told. */
function fakeSqs(answer: Answer = () => ({})) {
  const requests: string[][] = [];
  const commands: SendMessageBatchCommand[] = [];
  const client = {
    async send(command: SendMessageBatchCommand) {
      const entries = command.input.Entries ?? [];
      commands.push(command);
      requests.push(entries.map((entry) => entry.MessageBody ?? ''));
      const result = answer(entries);
      if (result instanceof Error) throw result;
      return result;
    },
  };
  return { client: client as unknown as Pick<SQSClient, 'send'>, requests, commands };
}

const message = (body: string) => ({ body, delaySeconds: 1 });

describe('SqsSendBatcher', () => {
  it('sends messages handed over within the linger as one request', async () => {
    const sqs = fakeSqs();
    const batcher = new SqsSendBatcher(sqs.client, 'q', 5);
    await Promise.all(['a', 'b', 'c'].map((body) => batcher.send(message(body))));
    expect(sqs.requests).toEqual([['a', 'b', 'c']]);
  });

  it("sends each message's tenant as its MessageGroupId, and none for a message without one", async () => {
    const sqs = fakeSqs();
    const batcher = new SqsSendBatcher(sqs.client, 'q', 5);
    await Promise.all([batcher.send({ ...message('a'), groupId: 'acct_1' }), batcher.send(message('b')), batcher.send({ ...message('c'), groupId: 'acct_2' })]);
    expect(sqs.commands[0]!.input.Entries).toEqual([
      { Id: '0', MessageBody: 'a', DelaySeconds: 1, MessageGroupId: 'acct_1' },
      { Id: '1', MessageBody: 'b', DelaySeconds: 1 },
      { Id: '2', MessageBody: 'c', DelaySeconds: 1, MessageGroupId: 'acct_2' },
    ]);
  });

  it('sends at once when ten are waiting, and the rest after the linger', async () => {
    const sqs = fakeSqs();
    const batcher = new SqsSendBatcher(sqs.client, 'q', 10_000);
    const bodies = Array.from({ length: 10 }, (_, index) => `m${index}`);
    await Promise.all(bodies.map((body) => batcher.send(message(body))));
    expect(sqs.requests).toEqual([bodies]);
  });

  it('sends again what SQS failed on its side, and rejects only what it refused as the sender\'s fault', async () => {
    let round = 0;
    const sqs = fakeSqs((entries) => {
      round += 1;
      if (round > 1) return {};
      const id = (body: string) => entries.find((entry) => entry.MessageBody === body)!.Id!;
      return {
        Failed: [
          { Id: id('throttled'), Code: 'ThrottlingException', SenderFault: false, Message: 'slow down' },
          { Id: id('bad'), Code: 'InvalidParameterValue', SenderFault: true, Message: 'no' },
        ],
      };
    });
    const batcher = new SqsSendBatcher(sqs.client, 'q', 1);
    const results = await Promise.allSettled(['ok', 'throttled', 'bad'].map((body) => batcher.send(message(body))));
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect((results[2] as PromiseRejectedResult).reason.message).toMatch(/InvalidParameterValue: no/);
    expect(sqs.requests).toEqual([['ok', 'throttled', 'bad'], ['throttled']]);
  });

  it('gives up on an entry SQS keeps failing, after three rounds', async () => {
    const sqs = fakeSqs((entries) => ({ Failed: entries.map((entry) => ({ Id: entry.Id!, Code: 'InternalError', SenderFault: false })) }));
    const batcher = new SqsSendBatcher(sqs.client, 'q', 1);
    await expect(batcher.send(message('x'))).rejects.toThrow(/SQS did not take the message: InternalError/);
    expect(sqs.requests).toHaveLength(3);
  });

  it('rejects every message of a request that failed as a whole', async () => {
    const sqs = fakeSqs(() => new Error('connection reset'));
    const batcher = new SqsSendBatcher(sqs.client, 'q', 1);
    const results = await Promise.allSettled(['a', 'b'].map((body) => batcher.send(message(body))));
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
  });
});
