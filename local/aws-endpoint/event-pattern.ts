// EventBridge event patterns: the subset rules in this project use. Patterns are compiled once
// at configuration time so that an unsupported operator fails the local run at start instead of
// silently never matching.

export class EventPatternError extends Error {
  override name = 'EventPatternError';
}

export type EventMatcher = (event: unknown) => boolean;

type ValueMatcher = (value: unknown) => boolean;
/** Matches one field; `present` is false when the event has no such field. */
interface FieldMatcher {
  matches(value: unknown, present: boolean): boolean;
}

const SUPPORTED_OPERATORS = ['prefix', 'suffix', 'anything-but', 'exists', 'numeric', 'equals-ignore-case'];
const NUMERIC_COMPARATORS: Record<string, (value: number, bound: number) => boolean> = {
  '=': (value, bound) => value === bound,
  '<': (value, bound) => value < bound,
  '<=': (value, bound) => value <= bound,
  '>': (value, bound) => value > bound,
  '>=': (value, bound) => value >= bound,
};

/** Validates and compiles a pattern; `ruleName` only names the rule in error messages. */
export function compileEventPattern(pattern: unknown, ruleName: string): EventMatcher {
  if (!isPlainObject(pattern) || Object.keys(pattern).length === 0) {
    throw new EventPatternError(`event pattern of rule ${ruleName} must be a non-empty JSON object`);
  }
  const match = compileObject(pattern, '', ruleName);
  return (event) => match(event);
}

function compileObject(pattern: Record<string, unknown>, path: string, ruleName: string): (value: unknown) => boolean {
  const fields = Object.entries(pattern).map(([key, value]) => {
    const fieldPath = path === '' ? key : `${path}.${key}`;
    if (key.startsWith('$')) {
      throw new EventPatternError(`unsupported event pattern operator ${key} in rule ${ruleName}`);
    }
    if (Array.isArray(value)) return { key, matcher: compileAlternatives(value, fieldPath, ruleName) };
    if (isPlainObject(value)) {
      const nested = compileObject(value, fieldPath, ruleName);
      return { key, matcher: { matches: (fieldValue: unknown) => matchNested(nested, fieldValue) } satisfies FieldMatcher };
    }
    throw new EventPatternError(`event pattern of rule ${ruleName}: the value of ${fieldPath} must be an array or an object`);
  });
  return (value) => {
    const object = isPlainObject(value) ? value : {};
    return fields.every(({ key, matcher }) => matcher.matches(object[key], Object.hasOwn(object, key)));
  };
}

function matchNested(nested: (value: unknown) => boolean, value: unknown): boolean {
  // An array of objects matches when one of its elements does.
  if (Array.isArray(value)) return value.some((element) => isPlainObject(element) && nested(element));
  return nested(value);
}

/** A pattern array: the field matches when any alternative does. */
function compileAlternatives(alternatives: unknown[], path: string, ruleName: string): FieldMatcher {
  if (alternatives.length === 0) {
    throw new EventPatternError(`event pattern of rule ${ruleName}: ${path} must not be an empty array`);
  }
  const presence: boolean[] = [];
  const valueMatchers: ValueMatcher[] = [];
  for (const alternative of alternatives) {
    if (isPlainObject(alternative)) {
      const compiled = compileOperator(alternative, path, ruleName);
      if (typeof compiled === 'boolean') presence.push(compiled);
      else valueMatchers.push(compiled);
    } else if (alternative === null || ['string', 'number', 'boolean'].includes(typeof alternative)) {
      valueMatchers.push((value) => value === alternative);
    } else {
      throw new EventPatternError(`event pattern of rule ${ruleName}: ${path} may only list strings, numbers, booleans, null or operators`);
    }
  }
  return {
    matches(value, present) {
      if (!present) return presence.includes(false);
      if (isPlainObject(value)) return false; // patterns with arrays only match leaf values
      if (presence.includes(true) && !(Array.isArray(value) && value.length === 0)) return true;
      const candidates = Array.isArray(value) ? value : [value];
      return candidates.some((candidate) => valueMatchers.some((matcher) => matcher(candidate)));
    },
  };
}

/** An operator object such as `{"prefix": "link."}`; `exists` compiles to the wanted presence. */
function compileOperator(operator: Record<string, unknown>, path: string, ruleName: string): ValueMatcher | boolean {
  const keys = Object.keys(operator);
  const name = keys[0];
  if (name === undefined || keys.length !== 1) {
    throw new EventPatternError(`event pattern of rule ${ruleName}: an operator object at ${path} must have exactly one key`);
  }
  if (!SUPPORTED_OPERATORS.includes(name)) {
    throw new EventPatternError(`unsupported event pattern operator ${name} in rule ${ruleName}`);
  }
  const argument = operator[name];
  const invalid = (expected: string) =>
    new EventPatternError(`event pattern of rule ${ruleName}: ${name} at ${path} expects ${expected}`);

  switch (name) {
    case 'exists':
      if (typeof argument !== 'boolean') throw invalid('true or false');
      return argument;
    case 'prefix':
    case 'suffix': {
      const test = name === 'prefix'
        ? (value: string, affix: string) => value.startsWith(affix)
        : (value: string, affix: string) => value.endsWith(affix);
      if (typeof argument === 'string') return (value) => typeof value === 'string' && test(value, argument);
      const ignoringCase = isPlainObject(argument) ? argument['equals-ignore-case'] : undefined;
      if (typeof ignoringCase === 'string' && Object.keys(argument as object).length === 1) {
        return (value) => typeof value === 'string' && test(value.toLowerCase(), ignoringCase.toLowerCase());
      }
      throw invalid('a string or {"equals-ignore-case": string}');
    }
    case 'equals-ignore-case':
      if (typeof argument !== 'string') throw invalid('a string');
      return (value) => typeof value === 'string' && value.toLowerCase() === argument.toLowerCase();
    case 'numeric':
      return compileNumeric(argument, invalid);
    default: // 'anything-but'
      return compileAnythingBut(argument, path, ruleName, invalid);
  }
}

function compileNumeric(argument: unknown, invalid: (expected: string) => EventPatternError): ValueMatcher {
  const expected = 'a list like [">", 0, "<=", 5]';
  if (!Array.isArray(argument) || argument.length === 0 || argument.length % 2 !== 0 || argument.length > 4) throw invalid(expected);
  const comparisons: Array<{ compare: (value: number, bound: number) => boolean; bound: number }> = [];
  for (let index = 0; index < argument.length; index += 2) {
    const compare = NUMERIC_COMPARATORS[String(argument[index])];
    const bound = argument[index + 1];
    if (!compare || typeof bound !== 'number') throw invalid(expected);
    comparisons.push({ compare, bound });
  }
  return (value) => typeof value === 'number' && comparisons.every(({ compare, bound }) => compare(value, bound));
}

function compileAnythingBut(
  argument: unknown,
  path: string,
  ruleName: string,
  invalid: (expected: string) => EventPatternError,
): ValueMatcher {
  const isScalar = (value: unknown) => typeof value === 'string' || typeof value === 'number';
  if (isScalar(argument)) return (value) => value !== argument && value !== null;
  if (Array.isArray(argument) && argument.length > 0 && argument.every(isScalar)) {
    const excluded: unknown[] = argument;
    return (value) => value !== null && !excluded.includes(value);
  }
  if (isPlainObject(argument) && Object.keys(argument).length === 1) {
    const inner = compileOperator(argument, path, ruleName);
    if (typeof inner !== 'boolean' && !('numeric' in argument) && !('anything-but' in argument)) {
      return (value) => typeof value === 'string' && !inner(value);
    }
  }
  throw invalid('a string, a number, a list of them, or {"prefix"|"suffix"|"equals-ignore-case": ...}');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
