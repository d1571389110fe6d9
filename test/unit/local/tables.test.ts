// Reusing a table kept by --persist only when its schema matches the template's.
import type { LocalTable } from '../../../local/local-stack';
import { schemaDifference } from '../../../local/tables';

describe('schemaDifference (reusing a persisted table)', () => {
  const keys = [
    { AttributeName: 'pk', KeyType: 'HASH' as const },
    { AttributeName: 'sk', KeyType: 'RANGE' as const },
  ];
  const gsi = { IndexName: 'gsi1', KeySchema: [{ AttributeName: 'g', KeyType: 'HASH' as const }], Projection: { ProjectionType: 'ALL' as const } };
  const table: LocalTable = {
    logicalId: 'Table',
    tableName: 't',
    createTable: { TableName: 't', KeySchema: keys, AttributeDefinitions: [], GlobalSecondaryIndexes: [gsi] },
  };

  it('accepts a table with the same keys and indexes', () => {
    expect(schemaDifference(table, { KeySchema: keys, GlobalSecondaryIndexes: [{ ...gsi, IndexStatus: 'ACTIVE' }] })).toBeUndefined();
  });

  it('names what differs', () => {
    expect(schemaDifference(table, { KeySchema: [keys[0]!], GlobalSecondaryIndexes: [gsi] })).toBe('key schema');
    expect(schemaDifference(table, { KeySchema: keys })).toBe('global secondary indexes');
    expect(schemaDifference(table, { KeySchema: keys, GlobalSecondaryIndexes: [{ ...gsi, Projection: { ProjectionType: 'KEYS_ONLY' } }] })).toBe(
      'global secondary indexes',
    );
  });
});
