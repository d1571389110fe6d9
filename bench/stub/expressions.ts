// DynamoDB expressions (condition, filter, key condition and update), parsed and applied to items
// in the wire format, for the in-memory DynamoDB. Covers the grammar of the developer guide:
// comparisons, BETWEEN, IN, AND/OR/NOT, attribute_exists, attribute_not_exists, attribute_type,
// begins_with, contains, size; SET (with +, -, if_not_exists, list_append), REMOVE, ADD, DELETE;
// nested paths (a.b, a[0]). Anything else throws, so a gap shows up as an error, never a silent pass.
import type { AttributeValue, Item } from './item-size';

export interface ExpressionContext {
  readonly names?: Record<string, string>;
  readonly values?: Record<string, AttributeValue>;
}

type PathSegment = string | number;
type Operand =
  | { kind: 'path'; path: PathSegment[] }
  | { kind: 'value'; name: string }
  | { kind: 'size'; path: PathSegment[] }
  | { kind: 'if_not_exists'; path: PathSegment[]; fallback: Operand }
  | { kind: 'list_append'; left: Operand; right: Operand }
  | { kind: 'arith'; op: '+' | '-'; left: Operand; right: Operand };

export type Condition =
  | { kind: 'and' | 'or'; left: Condition; right: Condition }
  | { kind: 'not'; inner: Condition }
  | { kind: 'compare'; op: string; left: Operand; right: Operand }
  | { kind: 'between'; subject: Operand; low: Operand; high: Operand }
  | { kind: 'in'; subject: Operand; options: Operand[] }
  | { kind: 'function'; name: string; path: PathSegment[]; argument?: Operand };

// --- tokens ----------------------------------------------------------------------------------

const TOKEN = /\s*(#[A-Za-z0-9_]+|:[A-Za-z0-9_]+|[A-Za-z_][A-Za-z0-9_]*|\d+|<>|<=|>=|[=<>(),.[\]+-])/y;

function tokenize(expression: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < expression.length) {
    if (/^\s*$/.test(expression.slice(TOKEN.lastIndex))) break;
    const match = TOKEN.exec(expression);
    if (!match) throw new Error(`expression: cannot read "${expression.slice(TOKEN.lastIndex)}" in "${expression}"`);
    tokens.push(match[1]!);
  }
  return tokens;
}

class Parser {
  private position = 0;
  constructor(
    private readonly tokens: string[],
    private readonly context: ExpressionContext,
    private readonly source: string,
  ) {}

  peek(offset = 0): string | undefined {
    return this.tokens[this.position + offset];
  }
  next(): string {
    const token = this.tokens[this.position++];
    if (token === undefined) throw this.error('unexpected end');
    return token;
  }
  expect(token: string): void {
    const got = this.next();
    if (got.toUpperCase() !== token) throw this.error(`expected ${token}, got ${got}`);
  }
  keyword(word: string): boolean {
    if (this.peek()?.toUpperCase() !== word) return false;
    this.position += 1;
    return true;
  }
  done(): boolean {
    return this.position >= this.tokens.length;
  }
  error(message: string): Error {
    return new Error(`expression "${this.source}": ${message}`);
  }

  // path := name ( '.' name | '[' n ']' )*
  path(): PathSegment[] {
    const segments: PathSegment[] = [this.name(this.next())];
    for (;;) {
      if (this.peek() === '.') {
        this.next();
        segments.push(this.name(this.next()));
      } else if (this.peek() === '[') {
        this.next();
        segments.push(Number(this.next()));
        this.expect(']');
      } else return segments;
    }
  }
  name(token: string): string {
    if (token.startsWith('#')) {
      const resolved = this.context.names?.[token];
      if (resolved === undefined) throw this.error(`no value for name ${token}`);
      return resolved;
    }
    if (!/^[A-Za-z_]/.test(token)) throw this.error(`expected an attribute name, got ${token}`);
    return token;
  }

  operand(): Operand {
    const token = this.peek();
    if (token?.startsWith(':')) {
      this.next();
      return { kind: 'value', name: token };
    }
    const lower = token?.toLowerCase();
    if (this.peek(1) === '(' && (lower === 'size' || lower === 'if_not_exists' || lower === 'list_append')) {
      this.next();
      this.expect('(');
      let operand: Operand;
      if (lower === 'size') operand = { kind: 'size', path: this.path() };
      else if (lower === 'if_not_exists') {
        const path = this.path();
        this.expect(',');
        operand = { kind: 'if_not_exists', path, fallback: this.setValue() };
      } else {
        const left = this.setValue();
        this.expect(',');
        operand = { kind: 'list_append', left, right: this.setValue() };
      }
      this.expect(')');
      return operand;
    }
    return { kind: 'path', path: this.path() };
  }

  setValue(): Operand {
    const left = this.operand();
    const op = this.peek();
    if (op === '+' || op === '-') {
      this.next();
      return { kind: 'arith', op, left, right: this.operand() };
    }
    return left;
  }

  condition(): Condition {
    let left = this.conjunction();
    while (this.keyword('OR')) left = { kind: 'or', left, right: this.conjunction() };
    return left;
  }
  conjunction(): Condition {
    let left = this.negation();
    while (this.keyword('AND')) left = { kind: 'and', left, right: this.negation() };
    return left;
  }
  negation(): Condition {
    if (this.keyword('NOT')) return { kind: 'not', inner: this.negation() };
    return this.primary();
  }
  primary(): Condition {
    if (this.peek() === '(') {
      this.next();
      const inner = this.condition();
      this.expect(')');
      return inner;
    }
    const lower = this.peek()?.toLowerCase() ?? '';
    if (this.peek(1) === '(' && ['attribute_exists', 'attribute_not_exists', 'attribute_type', 'begins_with', 'contains'].includes(lower)) {
      this.next();
      this.expect('(');
      const path = this.path();
      let argument: Operand | undefined;
      if (this.peek() === ',') {
        this.next();
        argument = this.operand();
      }
      this.expect(')');
      return { kind: 'function', name: lower, path, ...(argument ? { argument } : {}) };
    }
    const subject = this.operand();
    if (this.keyword('BETWEEN')) {
      const low = this.operand();
      this.expect('AND');
      return { kind: 'between', subject, low, high: this.operand() };
    }
    if (this.keyword('IN')) {
      this.expect('(');
      const options = [this.operand()];
      while (this.peek() === ',') {
        this.next();
        options.push(this.operand());
      }
      this.expect(')');
      return { kind: 'in', subject, options };
    }
    const op = this.next();
    if (!['=', '<>', '<', '<=', '>', '>='].includes(op)) throw this.error(`expected a comparison, got ${op}`);
    return { kind: 'compare', op, left: subject, right: this.operand() };
  }
}

// --- values ----------------------------------------------------------------------------------

function getPath(item: Item | undefined, path: readonly PathSegment[]): AttributeValue | undefined {
  let current: AttributeValue | undefined = item ? { M: item } : undefined;
  for (const segment of path) {
    if (!current) return undefined;
    current = typeof segment === 'number' ? current.L?.[segment] : current.M?.[segment];
  }
  return current;
}

function setPath(item: Item, path: readonly PathSegment[], value: AttributeValue): void {
  let container: AttributeValue = { M: item };
  for (const [index, segment] of path.entries()) {
    const last = index === path.length - 1;
    if (typeof segment === 'number') {
      const list = container.L;
      if (!list) throw new Error(`update: ${path.join('.')} is not a list`);
      if (last) {
        if (segment >= list.length) list.push(value);
        else list[segment] = value;
        return;
      }
      container = list[segment] ?? (() => { throw new Error(`update: no element ${segment} in ${path.join('.')}`); })();
    } else {
      const map = container.M;
      if (!map) throw new Error(`update: ${path.join('.')} is not a map`);
      if (last) {
        map[segment] = value;
        return;
      }
      const child = map[segment];
      if (!child) throw new Error(`update: the document path ${path.join('.')} does not exist`);
      container = child;
    }
  }
}

function removePath(item: Item, path: readonly PathSegment[]): void {
  const parent = path.length === 1 ? { M: item } : getPath(item, path.slice(0, -1));
  const last = path[path.length - 1]!;
  if (typeof last === 'number') parent?.L?.splice(last, 1);
  else if (parent?.M) delete parent.M[last];
}

function typeOf(value: AttributeValue): string {
  return Object.keys(value)[0] ?? 'NULL';
}

function equal(a: AttributeValue | undefined, b: AttributeValue | undefined): boolean {
  if (!a || !b) return false;
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(value: AttributeValue): unknown {
  if (value.N !== undefined) return { N: Number(value.N) };
  if (value.M) return { M: Object.fromEntries(Object.entries(value.M).sort(([x], [y]) => (x < y ? -1 : 1)).map(([k, v]) => [k, canonical(v)])) };
  if (value.L) return { L: value.L.map(canonical) };
  if (value.SS) return { SS: [...value.SS].sort() };
  if (value.NS) return { NS: value.NS.map(Number).sort((x, y) => x - y) };
  return value;
}

/** Orders two scalars of the same type; undefined when they cannot be ordered. */
export function compareValues(a: AttributeValue, b: AttributeValue): number | undefined {
  if (a.N !== undefined && b.N !== undefined) return Math.sign(Number(a.N) - Number(b.N));
  if (a.S !== undefined && b.S !== undefined) return Buffer.compare(Buffer.from(a.S, 'utf8'), Buffer.from(b.S, 'utf8'));
  if (a.B !== undefined && b.B !== undefined) return Buffer.compare(Buffer.from(a.B, 'base64'), Buffer.from(b.B, 'base64'));
  return undefined;
}

function sizeOf(value: AttributeValue | undefined): AttributeValue | undefined {
  if (!value) return undefined;
  if (value.S !== undefined) return { N: String(Buffer.byteLength(value.S, 'utf8')) };
  if (value.B !== undefined) return { N: String(Buffer.from(value.B, 'base64').length) };
  const collection = value.L ?? value.SS ?? value.NS ?? value.BS ?? (value.M ? Object.keys(value.M) : undefined);
  return collection ? { N: String(collection.length) } : undefined;
}

function evaluateOperand(operand: Operand, item: Item | undefined, context: ExpressionContext): AttributeValue | undefined {
  switch (operand.kind) {
    case 'path':
      return getPath(item, operand.path);
    case 'value': {
      const value = context.values?.[operand.name];
      if (value === undefined) throw new Error(`expression: no value for ${operand.name}`);
      return value;
    }
    case 'size':
      return sizeOf(getPath(item, operand.path));
    case 'if_not_exists':
      return getPath(item, operand.path) ?? evaluateOperand(operand.fallback, item, context);
    case 'list_append': {
      const left = evaluateOperand(operand.left, item, context)?.L;
      const right = evaluateOperand(operand.right, item, context)?.L;
      if (!left || !right) throw new Error('update: list_append needs two lists');
      return { L: [...left, ...right] };
    }
    case 'arith': {
      const left = evaluateOperand(operand.left, item, context)?.N;
      const right = evaluateOperand(operand.right, item, context)?.N;
      if (left === undefined || right === undefined) throw new Error(`update: ${operand.op} needs two numbers`);
      return { N: String(operand.op === '+' ? Number(left) + Number(right) : Number(left) - Number(right)) };
    }
  }
}

function holds(condition: Condition, item: Item | undefined, context: ExpressionContext): boolean {
  switch (condition.kind) {
    case 'and':
      return holds(condition.left, item, context) && holds(condition.right, item, context);
    case 'or':
      return holds(condition.left, item, context) || holds(condition.right, item, context);
    case 'not':
      return !holds(condition.inner, item, context);
    case 'compare': {
      const left = evaluateOperand(condition.left, item, context);
      const right = evaluateOperand(condition.right, item, context);
      if (!left || !right) return condition.op === '<>' && (left !== undefined || right !== undefined);
      if (condition.op === '=') return equal(left, right);
      if (condition.op === '<>') return !equal(left, right);
      const order = compareValues(left, right);
      if (order === undefined) return false;
      return { '<': order < 0, '<=': order <= 0, '>': order > 0, '>=': order >= 0 }[condition.op] ?? false;
    }
    case 'between': {
      const subject = evaluateOperand(condition.subject, item, context);
      const low = evaluateOperand(condition.low, item, context);
      const high = evaluateOperand(condition.high, item, context);
      if (!subject || !low || !high) return false;
      const above = compareValues(subject, low);
      const below = compareValues(subject, high);
      return above !== undefined && below !== undefined && above >= 0 && below <= 0;
    }
    case 'in': {
      const subject = evaluateOperand(condition.subject, item, context);
      return condition.options.some((option) => equal(subject, evaluateOperand(option, item, context)));
    }
    case 'function': {
      const value = getPath(item, condition.path);
      const argument = condition.argument ? evaluateOperand(condition.argument, item, context) : undefined;
      switch (condition.name) {
        case 'attribute_exists':
          return value !== undefined;
        case 'attribute_not_exists':
          return value === undefined;
        case 'attribute_type':
          return value !== undefined && argument?.S === typeOf(value);
        case 'begins_with':
          if (value?.S !== undefined && argument?.S !== undefined) return value.S.startsWith(argument.S);
          if (value?.B !== undefined && argument?.B !== undefined) return Buffer.from(value.B, 'base64').subarray(0, Buffer.from(argument.B, 'base64').length).equals(Buffer.from(argument.B, 'base64'));
          return false;
        case 'contains':
          if (!value || !argument) return false;
          if (value.S !== undefined && argument.S !== undefined) return value.S.includes(argument.S);
          if (value.SS && argument.S !== undefined) return value.SS.includes(argument.S);
          if (value.NS && argument.N !== undefined) return value.NS.some((n) => Number(n) === Number(argument.N));
          if (value.L) return value.L.some((element) => equal(element, argument));
          return false;
        default:
          throw new Error(`expression: unknown function ${condition.name}`);
      }
    }
  }
}

// --- public ----------------------------------------------------------------------------------

/** Parsed conditions by expression and names (a parse resolves #names, values stay placeholders). */
const parsedConditions = new Map<string, Condition>();
const PARSED_CONDITIONS_KEPT = 1000;

export function parseCondition(expression: string, context: ExpressionContext): Condition {
  const cacheKey = context.names ? `${expression}\u0000${JSON.stringify(context.names)}` : expression;
  const cached = parsedConditions.get(cacheKey);
  if (cached) return cached;
  const parser = new Parser(tokenize(expression), context, expression);
  const condition = parser.condition();
  if (!parser.done()) throw parser.error(`unexpected ${parser.peek()}`);
  if (parsedConditions.size >= PARSED_CONDITIONS_KEPT) parsedConditions.clear();
  parsedConditions.set(cacheKey, condition);
  return condition;
}

/** Whether `expression` holds for `item` (undefined = no such item); no expression always holds. */
export function conditionHolds(expression: string | undefined, item: Item | undefined, context: ExpressionContext): boolean {
  if (!expression) return true;
  return holds(parseCondition(expression, context), item, context);
}

/**
 * The value a key condition pins `attribute` to (`attribute = :v`), found in its top-level ANDs;
 * the whole condition is then applied to every item of that partition.
 */
export function equalityValue(condition: Condition, attribute: string, context: ExpressionContext): AttributeValue | undefined {
  if (condition.kind === 'and') return equalityValue(condition.left, attribute, context) ?? equalityValue(condition.right, attribute, context);
  if (condition.kind !== 'compare' || condition.op !== '=') return undefined;
  const [path, value] = condition.left.kind === 'path' ? [condition.left, condition.right] : [condition.right, condition.left];
  if (path.kind !== 'path' || path.path.length !== 1 || path.path[0] !== attribute) return undefined;
  return evaluateOperand(value, undefined, context);
}

export function conditionMatches(condition: Condition, item: Item, context: ExpressionContext): boolean {
  return holds(condition, item, context);
}

/** The item after `expression` (a new object; `item` is left as it was). */
export function applyUpdate(item: Item, expression: string, context: ExpressionContext): Item {
  const updated = structuredClone(item);
  const parser = new Parser(tokenize(expression), context, expression);
  let clause: string | undefined;
  const sets: Array<[PathSegment[], AttributeValue]> = [];
  const removes: PathSegment[][] = [];
  while (!parser.done()) {
    const word = parser.peek()?.toUpperCase();
    if (word === 'SET' || word === 'REMOVE' || word === 'ADD' || word === 'DELETE') {
      clause = word;
      parser.next();
    } else if (parser.peek() === ',') parser.next();
    else if (!clause) throw parser.error('expected SET, REMOVE, ADD or DELETE');
    const path = parser.path();
    if (clause === 'SET') {
      parser.expect('=');
      // Every right-hand side reads the item as it was before the update.
      const value = evaluateOperand(parser.setValue(), item, context);
      if (!value) throw parser.error(`SET ${path.join('.')}: the operand has no value`);
      sets.push([path, value]);
    } else if (clause === 'REMOVE') removes.push(path);
    else {
      const value = evaluateOperand(parser.operand(), item, context);
      if (!value) throw parser.error(`${clause} ${path.join('.')}: no value`);
      const current = getPath(updated, path);
      sets.push([path, clause === 'ADD' ? added(current, value) : deleted(current, value)]);
    }
  }
  for (const [path, value] of sets) setPath(updated, path, value);
  // Highest list index first, so removing one element does not shift the next.
  for (const path of removes.sort((a, b) => Number(b[b.length - 1]) - Number(a[a.length - 1]) || 0)) removePath(updated, path);
  return updated;
}

function added(current: AttributeValue | undefined, value: AttributeValue): AttributeValue {
  if (value.N !== undefined) return { N: String(Number(current?.N ?? 0) + Number(value.N)) };
  if (value.SS) return { SS: [...new Set([...(current?.SS ?? []), ...value.SS])] };
  if (value.NS) return { NS: [...new Set([...(current?.NS ?? []), ...value.NS])] };
  if (value.BS) return { BS: [...new Set([...(current?.BS ?? []), ...value.BS])] };
  throw new Error('update: ADD takes a number or a set');
}

function deleted(current: AttributeValue | undefined, value: AttributeValue): AttributeValue {
  if (value.SS) return { SS: (current?.SS ?? []).filter((element) => !value.SS!.includes(element)) };
  if (value.NS) return { NS: (current?.NS ?? []).filter((element) => !value.NS!.includes(element)) };
  if (value.BS) return { BS: (current?.BS ?? []).filter((element) => !value.BS!.includes(element)) };
  throw new Error('update: DELETE takes a set');
}
