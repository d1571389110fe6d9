// Amazon EventBridge event patterns (content filtering), compiled once into a matcher. Customers
// write them as endpoint filters over an event's `data`, so every compile error names the path and
// says what to write instead; the local EventBridge runs the stack's own rules through it too.

export class EventPatternError extends Error {
  override name = 'EventPatternError';
}

export type EventMatcher = (event: unknown) => boolean;

/** Limits of customer filters: each one runs on every event of its endpoint. */
export const MAX_FILTER_BYTES = 4096;
export const MAX_FILTER_VALUES = 50;
const MAX_FILTER_DEPTH = 10;

type Leaf = string | number | boolean | null;
type LeafMatcher = (leaf: Leaf) => boolean;
type ObjectMatcher = (object: Record<string, unknown>) => boolean;
interface Context {
  readonly maxDepth: number;
  values: number;
}

const OPERATORS = ['prefix', 'suffix', 'equals-ignore-case', 'anything-but', 'numeric', 'exists'];
const COMPARATORS: Record<string, (value: number, bound: number) => boolean> = {
  '=': (value, bound) => value === bound,
  '<': (value, bound) => value < bound,
  '<=': (value, bound) => value <= bound,
  '>': (value, bound) => value > bound,
  '>=': (value, bound) => value >= bound,
};

/**
 * Validates and compiles `pattern`, by default as a customer filter; throws EventPatternError.
 * `label` names its root in error messages (`filter.country: unknown operator "prefixx"`); `limits: false` lifts the
 * customer limits, for the operator's own rules (the local EventBridge's).
 *
 * Values, counted for MAX_FILTER_VALUES: each literal in a field's list, the argument of `exists`,
 * `prefix`, `suffix` and `equals-ignore-case` (one each), each bound of a `numeric` (two in
 * `[">", 0, "<=", 5]`) and each value an `anything-but` excludes (two in `["a", "b"]`), in every
 * `$or` branch. Field names and numeric's comparison signs are not values.
 */
export function compileEventPattern(pattern: unknown, options: { label?: string; limits?: boolean } = {}): EventMatcher {
  const label = options.label ?? 'filter';
  const limited = options.limits !== false;
  if (!isObject(pattern) || Object.keys(pattern).length === 0) {
    throw new EventPatternError(`${label} must be a non-empty JSON object`);
  }
  if (limited) {
    const bytes = new TextEncoder().encode(JSON.stringify(pattern)).length;
    if (bytes > MAX_FILTER_BYTES) throw new EventPatternError(`${label} is ${bytes} bytes; at most ${MAX_FILTER_BYTES}`);
  }
  const context: Context = { maxDepth: limited ? MAX_FILTER_DEPTH : Infinity, values: 0 };
  const match = compileObject(pattern, label, 1, false, context);
  if (limited && context.values > MAX_FILTER_VALUES) {
    throw new EventPatternError(`${label} has ${context.values} values; at most ${MAX_FILTER_VALUES}`);
  }
  return (event) => match(isObject(event) ? event : {});
}

function fail(path: string, problem: string): never {
  throw new EventPatternError(`${path}: ${problem}`);
}

/** All fields must match; `inOr` because EventBridge refuses operator names as fields inside `$or`. */
function compileObject(pattern: Record<string, unknown>, path: string, depth: number, inOr: boolean, context: Context): ObjectMatcher {
  if (depth > context.maxDepth) return fail(path, `nested ${depth} levels deep; at most ${context.maxDepth}`);
  const entries = Object.entries(pattern);
  if (entries.length === 0) return fail(path, 'must not be an empty object');
  const checks = entries.map(([key, value]): ObjectMatcher => {
    const fieldPath = `${path}.${key}`;
    if (key === '$or') return compileOr(value, fieldPath, depth, context);
    if (key.startsWith('$')) return fail(fieldPath, `unknown operator "${key}"`);
    if (inOr && OPERATORS.includes(key)) return fail(fieldPath, `operator "${key}" used as a field name inside $or`);
    if (Array.isArray(value)) {
      const matchLeaves = compileList(value, fieldPath, context);
      return (object) => matchLeaves(leavesOf(own(object, key)));
    }
    if (isObject(value)) {
      const nested = compileObject(value, fieldPath, depth + 1, inOr, context);
      return (object) => matchNested(nested, own(object, key));
    }
    return fail(fieldPath, 'must be an array or an object, like ["US", "CA"] or {"plan": ["pro"]}');
  });
  return (object) => checks.every((check) => check(object));
}

/** `{"$or": [{...}, {...}]}`: the object matches when one branch does; EventBridge wants 2 or more. */
function compileOr(branches: unknown, path: string, depth: number, context: Context): ObjectMatcher {
  if (!Array.isArray(branches) || branches.length < 2) {
    return fail(path, 'expects a list of at least 2 patterns, like [{"a": [1]}, {"b": [2]}]');
  }
  const matchers = branches.map((branch, index) =>
    isObject(branch) ? compileObject(branch, `${path}[${index}]`, depth + 1, true, context) : fail(`${path}[${index}]`, 'must be an object'),
  );
  return (object) => matchers.some((matcher) => matcher(object));
}

/** A field's list: it matches when one of its entries matches one of the field's leaf values. */
function compileList(list: unknown[], path: string, context: Context): (leaves: Leaf[]) => boolean {
  if (list.length === 0) return fail(path, 'must not be an empty array');
  let whenAbsent = false;
  let whenPresent = false;
  const matchers: LeafMatcher[] = [];
  for (const entry of list) {
    if (isLeaf(entry)) {
      context.values += 1;
      matchers.push((leaf) => leaf === entry);
      continue;
    }
    if (!isObject(entry)) return fail(path, 'may only list strings, numbers, booleans, null or operators like {"prefix": "a"}');
    const [name, ...others] = Object.keys(entry);
    if (name === undefined || others.length > 0) return fail(path, 'an operator object has exactly one key, like {"prefix": "a"}');
    const argument = entry[name];
    if (name === 'exists') {
      if (typeof argument !== 'boolean') return fail(path, 'exists expects true or false');
      context.values += 1;
      if (argument) whenPresent = true;
      else whenAbsent = true;
      continue;
    }
    matchers.push(compileOperator(name, argument, path, context));
  }
  // A field with no leaf (missing, an empty array, an object) is absent to EventBridge.
  return (leaves) => (leaves.length === 0 ? whenAbsent : whenPresent || leaves.some((leaf) => matchers.some((matcher) => matcher(leaf))));
}

function compileOperator(name: string, argument: unknown, path: string, context: Context): LeafMatcher {
  const invalid = (expected: string): never => fail(path, `${name} expects ${expected}`);
  switch (name) {
    case 'prefix':
    case 'suffix': {
      const ignoringCase = isObject(argument) && Object.keys(argument).length === 1 ? argument['equals-ignore-case'] : undefined;
      const text = typeof ignoringCase === 'string' ? ignoringCase : argument;
      if (typeof text !== 'string') return invalid('a string or {"equals-ignore-case": "..."}');
      context.values += 1;
      const test = textTest(name, [text], text === ignoringCase);
      return (leaf) => typeof leaf === 'string' && test(leaf);
    }
    case 'equals-ignore-case': {
      if (typeof argument !== 'string') return invalid('a string');
      context.values += 1;
      const test = textTest(name, [argument], true);
      return (leaf) => typeof leaf === 'string' && test(leaf);
    }
    case 'numeric':
      return compileNumeric(argument, invalid, context);
    case 'anything-but':
      return compileAnythingBut(argument, invalid, context);
    default:
      return fail(path, `unknown operator "${name}"`);
  }
}

/** One comparison, or a lower bound then an upper bound; only JSON numbers ever match. */
function compileNumeric(argument: unknown, invalid: (expected: string) => never, context: Context): LeafMatcher {
  if (!Array.isArray(argument) || (argument.length !== 2 && argument.length !== 4)) return invalid('a list like [">", 0, "<=", 5]');
  const [sign, bound, upperSign, upperBound] = argument as unknown[];
  if (argument.length === 4 && !(['>', '>='].includes(String(sign)) && ['<', '<='].includes(String(upperSign)))) {
    return invalid('a lower bound (">" or ">=") then an upper bound ("<" or "<="), like [">", 0, "<=", 5]');
  }
  const pairs = argument.length === 4 ? [[sign, bound], [upperSign, upperBound]] : [[sign, bound]];
  const comparisons = pairs.map(([comparator, limit]) => {
    const compare = COMPARATORS[String(comparator)];
    if (!compare || !isFiniteNumber(limit)) return invalid('a list like [">", 0, "<=", 5]');
    return (value: number) => compare(value, limit);
  });
  if (isFiniteNumber(bound) && isFiniteNumber(upperBound) && bound >= upperBound) {
    return invalid(`a lower bound below its upper bound; ${bound} is not below ${upperBound}`);
  }
  context.values += comparisons.length;
  return (leaf) => typeof leaf === 'number' && comparisons.every((compare) => compare(leaf));
}

/**
 * Strings only or numbers only, or `{"prefix"|"suffix"|"equals-ignore-case": a string or a list}`.
 * As in EventBridge, any other present value matches (5 and null are "anything but" "free").
 */
function compileAnythingBut(argument: unknown, invalid: (expected: string) => never, context: Context): LeafMatcher {
  const listOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);
  const excluded = listOf(argument);
  const exclusions = new Set(excluded);
  if (excluded.length > 0 && (excluded.every((value) => typeof value === 'string') || excluded.every(isFiniteNumber))) {
    context.values += excluded.length;
    return (leaf) => !exclusions.has(leaf);
  }
  const [kind, ...others] = isObject(argument) ? Object.keys(argument) : [];
  const texts = isObject(argument) && kind !== undefined ? listOf(argument[kind]) : [];
  const valid =
    (kind === 'prefix' || kind === 'suffix' || kind === 'equals-ignore-case') &&
    others.length === 0 &&
    texts.length > 0 &&
    texts.every((text) => typeof text === 'string' && (text !== '' || kind === 'equals-ignore-case'));
  if (!valid) {
    return invalid(
      'a string, a number, a list of strings or of numbers, or {"prefix"|"suffix"|"equals-ignore-case": a non-empty string or a list of them}',
    );
  }
  context.values += texts.length;
  const test = textTest(kind, texts as string[], kind === 'equals-ignore-case');
  return (leaf) => typeof leaf !== 'string' || !test(leaf);
}

function textTest(kind: string, texts: string[], ignoringCase: boolean): (text: string) => boolean {
  const wanted = ignoringCase ? texts.map((text) => text.toLowerCase()) : texts;
  const holds = (value: string, text: string) =>
    kind === 'prefix' ? value.startsWith(text) : kind === 'suffix' ? value.endsWith(text) : value === text;
  return (text) => {
    const value = ignoringCase ? text.toLowerCase() : text;
    return wanted.some((candidate) => holds(value, candidate));
  };
}

/** An object pattern against an array of objects matches when one element matches on its own. */
function matchNested(nested: ObjectMatcher, value: unknown): boolean {
  const objects = (Array.isArray(value) ? (value.flat(Infinity) as unknown[]) : [value]).filter(isObject);
  return objects.length === 0 ? nested({}) : objects.some((object) => nested(object));
}

/** The scalar values of a field, arrays flattened: what EventBridge compares a field's list with. */
function leavesOf(value: unknown): Leaf[] {
  if (Array.isArray(value)) return value.flatMap(leavesOf);
  return isLeaf(value) ? [value] : [];
}

function own(object: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

function isLeaf(value: unknown): value is Leaf {
  return value === null || typeof value === 'string' || typeof value === 'boolean' || isFiniteNumber(value);
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
