// Endpoints: created and deleted together with the account's quota counter, changed, rotated.
// Each endpoint has a partition of its own (the dispatcher reads it in every batch); the
// account's list is its gsi1 entries. Secrets and header values are sealed in the item
// (endpoint-items.ts): every write seals them, every read opens them.
import { DeleteCommand, TransactWriteCommand, type TransactWriteCommandInput, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Endpoint } from '../../domain/model';
import { cancelledConditions, conditionHeld, isConditionFailure, isTransactionConflict, stripInternalAttributes, type Table } from '../dynamodb-table';
import { openEndpoint, sealEndpoint, sealHeaders, sealSecret } from '../endpoint-items';
import type { SecretSealer } from '../secret-box';
import { GSI1, GSI1PK, GSI1SK, keys, PK } from '../table-keys';

export interface EndpointChanges {
  readonly url?: string;
  readonly events?: readonly string[];
  /** null removes the description. */
  readonly description?: string | null;
  /** Deliveries per second; null removes the limit. */
  readonly rateLimit?: number | null;
  /** null removes the filter. */
  readonly filter?: Readonly<Record<string, unknown>> | null;
  /** null (or an empty list) removes the redaction. */
  readonly redact?: readonly string[] | null;
  /** The whole new set of custom headers; null (or none) removes them. */
  readonly headers?: Readonly<Record<string, string>> | null;
  readonly status?: 'active' | 'disabled';
}

export type CreateEndpointResult = 'created' | 'quota_exceeded' | 'webhooks_disabled' | 'account_not_found';

/** A new secret, replacing `expectedSecret`, which keeps signing alongside until `previousExpiresAt`. */
export interface SecretRotation {
  readonly expectedSecret: string;
  readonly newSecret: string;
  readonly previousExpiresAt: string;
  readonly at: string;
  /** When the new secret takes over the single signature; absent: at once. */
  readonly activatesAt?: string;
}

export class EndpointStore {
  constructor(
    private readonly table: Table,
    private readonly sealer: SecretSealer,
  ) {}

  /** Creates the endpoint and counts it against the account's quota in one transaction. */
  async createEndpoint(endpoint: Endpoint): Promise<CreateEndpointResult> {
    const item = await sealEndpoint(endpoint, this.sealer);
    try {
      await this.transact({
        TransactItems: [
          {
            Update: {
              TableName: this.table.name,
              Key: keys.account(endpoint.accountId),
              UpdateExpression: 'SET endpointCount = endpointCount + :one, updatedAt = :at',
              ConditionExpression: 'attribute_exists(#pk) AND webhooksEnabled = :true AND endpointCount < maxEndpoints',
              ExpressionAttributeNames: { '#pk': PK },
              ExpressionAttributeValues: { ':one': 1, ':true': true, ':at': endpoint.createdAt },
            },
          },
          {
            Put: {
              TableName: this.table.name,
              Item: {
                ...keys.endpoint(endpoint.accountId, endpoint.endpointId),
                ...item,
                [GSI1PK]: keys.accountEndpoints(endpoint.accountId),
                [GSI1SK]: `${endpoint.createdAt}#${endpoint.endpointId}`,
              },
              ConditionExpression: 'attribute_not_exists(#pk)',
              ExpressionAttributeNames: { '#pk': PK },
            },
          },
        ],
      });
      return 'created';
    } catch (error) {
      const failed = cancelledConditions(error);
      if (!failed?.[0]) throw error;
      const account = await this.table.get<{ webhooksEnabled: boolean }>(keys.account(endpoint.accountId));
      if (!account) return 'account_not_found';
      return account.webhooksEnabled ? 'quota_exceeded' : 'webhooks_disabled';
    }
  }

  async getEndpoint(accountId: string, endpointId: string): Promise<Endpoint | undefined> {
    const item = await this.table.get<Endpoint>(keys.endpoint(accountId, endpointId), { consistentRead: true });
    return item && openEndpoint(item, this.sealer);
  }

  /**
   * The account's endpoints, each read again strongly consistent. The list itself comes from the
   * index, which can trail a create or delete by a moment.
   */
  async listEndpoints(accountId: string): Promise<Endpoint[]> {
    const listed = await this.table.queryAll<Endpoint>({
      IndexName: GSI1,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': GSI1PK },
      ExpressionAttributeValues: { ':pk': keys.accountEndpoints(accountId) },
      ProjectionExpression: 'endpointId',
    });
    const items = await this.table.batchGet(listed.map((endpoint) => keys.endpoint(accountId, endpoint.endpointId)));
    return Promise.all(items.map((item) => openEndpoint(stripInternalAttributes<Endpoint>(item) as Endpoint, this.sealer)));
  }

  /**
   * Applies the changes to an existing endpoint and returns it; undefined when it does not exist.
   * Becoming active resets the failure counter and closes the circuit; becoming disabled keeps an earlier reason.
   */
  async updateEndpoint(accountId: string, endpointId: string, changes: EndpointChanges, at: string): Promise<Endpoint | undefined> {
    const sets = ['updatedAt = :at'];
    const removes: string[] = [];
    const names: Record<string, string> = { '#pk': PK };
    const values: Record<string, unknown> = { ':at': at };
    if (changes.url !== undefined) {
      sets.push('#url = :url');
      names['#url'] = 'url';
      values[':url'] = changes.url;
    }
    if (changes.events !== undefined) {
      sets.push('events = :events');
      values[':events'] = [...changes.events];
    }
    if (changes.description === null) removes.push('description');
    else if (changes.description !== undefined) {
      sets.push('description = :description');
      values[':description'] = changes.description;
    }
    if (changes.rateLimit === null) removes.push('rateLimit');
    else if (changes.rateLimit !== undefined) {
      sets.push('rateLimit = :rateLimit');
      values[':rateLimit'] = changes.rateLimit;
    }
    if (changes.filter === null) removes.push('#filter');
    else if (changes.filter !== undefined) sets.push('#filter = :filter');
    if (changes.filter !== undefined) names['#filter'] = 'filter';
    if (changes.filter) values[':filter'] = changes.filter;
    if (changes.redact === null || changes.redact?.length === 0) removes.push('redact');
    else if (changes.redact !== undefined) {
      sets.push('redact = :redact');
      values[':redact'] = [...changes.redact];
    }
    if (changes.headers === null || (changes.headers && Object.keys(changes.headers).length === 0)) removes.push('headers');
    else if (changes.headers !== undefined) {
      sets.push('headers = :headers');
      values[':headers'] = await sealHeaders(accountId, endpointId, changes.headers, this.sealer);
    }
    if (changes.status !== undefined) names['#status'] = 'status';
    if (changes.status === 'active') {
      sets.push('#status = :active', 'consecutiveFailures = :zero');
      removes.push('disabledReason', 'disabledAt', 'circuitOpenUntil', 'slowUntil');
      Object.assign(values, { ':active': 'active', ':zero': 0 });
    } else if (changes.status === 'disabled') {
      sets.push('#status = :disabled', 'disabledReason = if_not_exists(disabledReason, :reason)', 'disabledAt = if_not_exists(disabledAt, :at)');
      Object.assign(values, { ':disabled': 'disabled', ':reason': 'disabled by the account' });
    }
    return this.updateExisting(accountId, endpointId, {
      UpdateExpression: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
      ConditionExpression: 'attribute_exists(#pk)',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    });
  }

  /**
   * Replaces the secret, keeping the one being replaced as `previousSecret` until `previousExpiresAt`.
   * Conditional on the secret the caller saw, so two concurrent rotations cannot lose one. Sealing
   * makes a new ciphertext each time, so the condition compares the stored sealed string, read
   * here and checked to open to `expectedSecret`: a rotation in between changes it and fails the write.
   */
  async rotateSecret(accountId: string, endpointId: string, rotation: SecretRotation): Promise<Endpoint | undefined> {
    const stored = await this.table.get<Endpoint>(keys.endpoint(accountId, endpointId), { consistentRead: true });
    if (!stored || (await openEndpoint(stored, this.sealer)).secret !== rotation.expectedSecret) return undefined;
    const [sealedNew, sealedPrevious] = await Promise.all([
      sealSecret(accountId, endpointId, 'secret', rotation.newSecret, this.sealer),
      sealSecret(accountId, endpointId, 'previous-secret', rotation.expectedSecret, this.sealer),
    ]);
    const values = {
      ':new': sealedNew,
      ':previous': { secret: sealedPrevious, expiresAt: rotation.previousExpiresAt },
      ':at': rotation.at,
      ':expected': stored.secret,
    };
    return this.updateExisting(accountId, endpointId, {
      UpdateExpression: rotation.activatesAt
        ? 'SET secret = :new, previousSecret = :previous, updatedAt = :at, secretActivatesAt = :activatesAt'
        : 'SET secret = :new, previousSecret = :previous, updatedAt = :at REMOVE secretActivatesAt',
      ConditionExpression: 'attribute_exists(#pk) AND secret = :expected',
      ExpressionAttributeNames: { '#pk': PK },
      ExpressionAttributeValues: rotation.activatesAt ? { ...values, ':activatesAt': rotation.activatesAt } : values,
    });
  }

  /** Deletes the endpoint and frees its quota slot; false when it did not exist. */
  async deleteEndpoint(accountId: string, endpointId: string, at: string): Promise<boolean> {
    const exists = { ConditionExpression: 'attribute_exists(#pk)', ExpressionAttributeNames: { '#pk': PK } };
    try {
      await this.transact({
        TransactItems: [
          { Delete: { TableName: this.table.name, Key: keys.endpoint(accountId, endpointId), ...exists } },
          {
            Update: {
              TableName: this.table.name,
              Key: keys.account(accountId),
              UpdateExpression: 'SET endpointCount = endpointCount - :one, updatedAt = :at',
              ConditionExpression: 'attribute_exists(#pk) AND endpointCount > :zero',
              ExpressionAttributeNames: { '#pk': PK },
              ExpressionAttributeValues: { ':one': 1, ':zero': 0, ':at': at },
            },
          },
        ],
      });
      return true;
    } catch (error) {
      const failed = cancelledConditions(error);
      if (!failed) throw error;
      if (failed[0]) return false;
      // The counter was already at zero (an endpoint written outside this store): delete alone.
      return conditionHeld(this.table.documents.send(new DeleteCommand({ TableName: this.table.name, Key: keys.endpoint(accountId, endpointId), ...exists })));
    }
  }

  private async updateExisting(
    accountId: string,
    endpointId: string,
    update: Pick<ConstructorParameters<typeof UpdateCommand>[0], 'UpdateExpression' | 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'>,
  ): Promise<Endpoint | undefined> {
    try {
      const { Attributes } = await this.table.documents.send(
        new UpdateCommand({ TableName: this.table.name, Key: keys.endpoint(accountId, endpointId), ...update, ReturnValues: 'ALL_NEW' }),
      );
      const item = stripInternalAttributes<Endpoint>(Attributes);
      return item && (await openEndpoint(item, this.sealer));
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  /** Runs a transaction, trying again a few times when it only collided with a concurrent one. */
  private async transact(input: TransactWriteCommandInput): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.table.documents.send(new TransactWriteCommand(input));
        return;
      } catch (error) {
        if (!isTransactionConflict(error) || attempt >= 5) throw error;
        await new Promise((resolve) => setTimeout(resolve, 20 * attempt + Math.random() * 30));
      }
    }
  }
}
