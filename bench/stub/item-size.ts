// DynamoDB's published sizing rules ("Item sizes and formats" and "Read/write capacity" in the
// DynamoDB developer guide), on items in the wire format (AttributeValue maps):
// - an attribute counts its name's UTF-8 bytes plus its value;
// - strings: UTF-8 bytes; binary: raw bytes; numbers: 1 byte per two significant digits + 1
//   (+1 if negative), the digit pairs aligned on the decimal point (as DynamoDB Local counts);
//   booleans and null: 1 byte;
// - lists and maps: 3 bytes + 1 byte per element + the elements (a map's keys count as names);
// - sets: the sum of their elements.
// A write request unit covers 1 KB, a read request unit a 4 KB strongly consistent read (half for
// an eventually consistent one); every request consumes at least one unit (half for an eventual read).
export interface AttributeValue {
  S?: string;
  N?: string;
  /** Base64 on the wire. */
  B?: string;
  BOOL?: boolean;
  NULL?: boolean;
  L?: AttributeValue[];
  M?: Record<string, AttributeValue>;
  SS?: string[];
  NS?: string[];
  BS?: string[];
}

export type Item = Record<string, AttributeValue>;

const utf8 = (text: string): number => Buffer.byteLength(text, 'utf8');

export function numberSize(value: string): number {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(value.trim());
  if (!match) throw new Error(`item size: not a number: ${value}`);
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = match;
  // DynamoDB keeps base-100 digits aligned on the decimal point: pad each side to whole pairs,
  // drop the all-zero pairs at both ends; one byte per pair, one more, one more if negative.
  let digits = whole + fraction;
  let point = whole.length + Number(exponent);
  if (point < 0) {
    digits = '0'.repeat(-point) + digits;
    point = 0;
  }
  if (point > digits.length) digits += '0'.repeat(point - digits.length);
  const integer = digits.slice(0, point);
  const decimals = digits.slice(point);
  const aligned = (integer.length % 2 ? '0' : '') + integer + decimals + (decimals.length % 2 ? '0' : '');
  const pairs = aligned.match(/../g) ?? [];
  while (pairs[0] === '00') pairs.shift();
  while (pairs[pairs.length - 1] === '00') pairs.pop();
  const negative = sign === '-' && pairs.length > 0;
  return Math.max(pairs.length, 1) + 1 + (negative ? 1 : 0);
}

export function attributeValueSize(value: AttributeValue): number {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) return numberSize(value.N);
  if (value.B !== undefined) return Buffer.byteLength(value.B, 'base64');
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.L !== undefined) return 3 + value.L.reduce((sum, element) => sum + 1 + attributeValueSize(element), 0);
  if (value.M !== undefined) {
    return 3 + Object.entries(value.M).reduce((sum, [name, element]) => sum + 1 + utf8(name) + attributeValueSize(element), 0);
  }
  if (value.SS !== undefined) return value.SS.reduce((sum, element) => sum + utf8(element), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, element) => sum + numberSize(element), 0);
  if (value.BS !== undefined) return value.BS.reduce((sum, element) => sum + Buffer.byteLength(element, 'base64'), 0);
  throw new Error(`item size: unknown attribute value ${JSON.stringify(value)}`);
}

export function itemSize(item: Item | undefined): number {
  if (!item) return 0;
  return Object.entries(item).reduce((sum, [name, value]) => sum + utf8(name) + attributeValueSize(value), 0);
}

/** Write request units for a write touching `bytes` (the larger of the item before and after). */
export function writeUnits(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / 1024));
}

/** Read request units for reading `bytes` in one go (an item, or all items a query evaluated). */
export function readUnits(bytes: number, consistent: boolean): number {
  const units = Math.max(1, Math.ceil(bytes / 4096));
  return consistent ? units : units / 2;
}
