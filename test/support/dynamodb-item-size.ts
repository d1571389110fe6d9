// An item's size as DynamoDB bills it (attribute names plus values; see "Item sizes and formats"
// in the DynamoDB developer guide): strings and binaries by length, numbers by significant digits,
// lists and maps 3 bytes plus 1 per element.
export function itemSize(item: Record<string, unknown>): number {
  return Object.entries(item).reduce((total, [name, value]) => total + Buffer.byteLength(name, 'utf8') + valueSize(value), 0);
}

function valueSize(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (value instanceof Uint8Array) return value.byteLength;
  if (typeof value === 'number') {
    const digits = String(Math.abs(value)).replace(/[.e+-]/g, '').replace(/^0+/, '').replace(/0+$/, '');
    return Math.ceil(Math.max(digits.length, 1) / 2) + 1;
  }
  if (typeof value === 'boolean' || value === null) return 1;
  if (Array.isArray(value)) return 3 + value.reduce((total: number, element) => total + 1 + valueSize(element), 0);
  if (typeof value === 'object' && value !== null) {
    return 3 + Object.entries(value).reduce((total, [name, element]) => total + 1 + Buffer.byteLength(name, 'utf8') + valueSize(element), 0);
  }
  return 0;
}
