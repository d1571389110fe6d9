// Messages sent to one SQS queue at about the same moment, sent together: a call waits
// `lingerMs` for others (or until ten are waiting) and they go as one SendMessageBatch, billed as
// one request per 64 KB. The dispatcher hands over its retries this way: the failed attempts of a
// batch end within milliseconds of each other (an open circuit refuses a whole batch at once), so
// ten handovers become one request instead of ten. Each call still resolves or rejects on its own.
import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, type SQSClient } from '@aws-sdk/client-sqs';

export interface OutgoingMessage {
  readonly body: string;
  readonly delaySeconds: number;
  /** The message's tenant on an SQS fair queue (MessageGroupId); none: a tenant of its own. */
  readonly groupId?: string;
}

/** SendMessageBatch's limit. */
export const SQS_BATCH_SIZE = 10;
/** Entries SQS failed on its side (throttled, internal error) are sent again this often at most. */
const RESEND_ROUNDS = 3;
const RESEND_PAUSE_MS = 50;

interface Waiting {
  readonly message: OutgoingMessage;
  readonly sent: () => void;
  readonly failed: (error: Error) => void;
}

export class SqsSendBatcher {
  private waiting: Waiting[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly sqs: Pick<SQSClient, 'send'>,
    private readonly queueUrl: string,
    /** How long a message waits for others to share its request. */
    private readonly lingerMs: number,
  ) {}

  /** Resolves once SQS took the message; rejects with SQS's reason when it did not. */
  send(message: OutgoingMessage): Promise<void> {
    const sent = new Promise<void>((resolve, reject) => this.waiting.push({ message, sent: resolve, failed: reject }));
    if (this.waiting.length >= SQS_BATCH_SIZE) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.lingerMs);
    return sent;
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.waiting.splice(0, SQS_BATCH_SIZE);
    if (this.waiting.length > 0) this.timer = setTimeout(() => this.flush(), this.lingerMs);
    if (batch.length > 0) void this.sendBatch(batch, 1);
  }

  private async sendBatch(batch: readonly Waiting[], round: number): Promise<void> {
    let failed: { entry: Waiting; reason: string; senderFault: boolean }[];
    try {
      const { Failed } = await this.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: batch.map(
            (entry, index): SendMessageBatchRequestEntry => ({
              Id: String(index),
              MessageBody: entry.message.body,
              DelaySeconds: entry.message.delaySeconds,
              ...(entry.message.groupId === undefined ? {} : { MessageGroupId: entry.message.groupId }),
            }),
          ),
        }),
      );
      failed = (Failed ?? []).flatMap((result) => {
        const entry = batch[Number(result.Id)];
        return entry ? [{ entry, reason: `${result.Code ?? 'Failed'}: ${result.Message ?? 'no message'}`, senderFault: result.SenderFault === true }] : [];
      });
    } catch (error) {
      // The request as a whole failed after the client's own retries: every message in it fails.
      const reason = error instanceof Error ? error : new Error(String(error));
      for (const entry of batch) entry.failed(reason);
      return;
    }
    const refused = new Set(failed.map((failure) => failure.entry));
    for (const entry of batch) if (!refused.has(entry)) entry.sent();
    const again = failed.filter((failure) => !failure.senderFault && round < RESEND_ROUNDS);
    for (const failure of failed) {
      if (!again.includes(failure)) failure.entry.failed(new Error(`SQS did not take the message: ${failure.reason}`));
    }
    if (again.length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, RESEND_PAUSE_MS * round));
    await this.sendBatch(again.map((failure) => failure.entry), round + 1);
  }
}
