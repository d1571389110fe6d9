// CloudFormation intrinsic functions, evaluated against the local resources. What a resource's
// Ref or GetAtt means is the caller's business (local-stack.ts); this module only walks values.

export class IntrinsicError extends Error {
  override readonly name = 'IntrinsicError';
}

export interface IntrinsicContext {
  /** Ref of a resource or parameter (not pseudo parameters). */
  ref(logicalId: string): unknown;
  getAtt(logicalId: string, attribute: string): unknown;
  /** `AWS::Region`, `AWS::AccountId`, ... */
  readonly pseudoParameters: Readonly<Record<string, unknown>>;
  readonly conditions?: Readonly<Record<string, unknown>>;
  readonly mappings?: Readonly<Record<string, Record<string, Record<string, unknown>>>>;
}

/** `Ref: AWS::NoValue`: the property disappears. */
const NO_VALUE = Symbol('AWS::NoValue');

const SUPPORTED = [
  'Ref',
  'Fn::GetAtt',
  'Fn::Join',
  'Fn::Sub',
  'Fn::Select',
  'Fn::Split',
  'Fn::If',
  'Fn::Equals',
  'Fn::And',
  'Fn::Or',
  'Fn::Not',
  'Condition',
  'Fn::FindInMap',
  'Fn::Base64',
  'Fn::GetAZs',
  'Fn::Length',
  'Fn::ToJsonString',
];

export class IntrinsicResolver {
  private readonly conditionValues = new Map<string, boolean>();

  constructor(private readonly context: IntrinsicContext) {}

  /** Resolves every intrinsic inside `value`; `where` names the property in error messages. */
  resolve(value: unknown, where = 'value'): unknown {
    const resolved = this.walk(value, where);
    return resolved === NO_VALUE ? undefined : resolved;
  }

  /** Like resolve, but the result must be a string. */
  resolveString(value: unknown, where: string): string {
    const resolved = this.resolve(value, where);
    if (typeof resolved === 'number' || typeof resolved === 'boolean') return String(resolved);
    if (typeof resolved !== 'string') throw new IntrinsicError(`${where} must resolve to a string, got ${JSON.stringify(resolved)}`);
    return resolved;
  }

  condition(name: string): boolean {
    const known = this.conditionValues.get(name);
    if (known !== undefined) return known;
    const definition = this.context.conditions?.[name];
    if (definition === undefined) throw new IntrinsicError(`condition ${name} is not defined in the template`);
    const value = this.walk(definition, `condition ${name}`);
    if (typeof value !== 'boolean') throw new IntrinsicError(`condition ${name} does not evaluate to true or false`);
    this.conditionValues.set(name, value);
    return value;
  }

  private walk(value: unknown, where: string): unknown {
    if (Array.isArray(value)) {
      return value.map((item, index) => this.walk(item, `${where}[${index}]`)).filter((item) => item !== NO_VALUE);
    }
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value);
    const [key, argument] = entries[0] ?? [];
    // `{Condition: {...}}` is an IAM condition block, not the intrinsic (whose argument is a name).
    const isIntrinsic = key === 'Ref' || key?.startsWith('Fn::') || (key === 'Condition' && typeof argument === 'string');
    if (entries.length === 1 && key !== undefined && isIntrinsic) {
      return this.intrinsic(key, argument, `${where}.${key}`);
    }
    const result: Record<string, unknown> = {};
    for (const [name, item] of entries) {
      const resolved = this.walk(item, `${where}.${name}`);
      if (resolved !== NO_VALUE) result[name] = resolved;
    }
    return result;
  }

  private intrinsic(name: string, argument: unknown, where: string): unknown {
    switch (name) {
      case 'Ref':
        return this.ref(this.text(argument, where), where);
      case 'Fn::GetAtt':
        return this.getAtt(argument, where);
      case 'Fn::Join': {
        const [delimiter, list] = this.tuple(argument, 2, where);
        return this.list(list, where).map((item) => this.scalar(item, where)).join(this.text(delimiter, where));
      }
      case 'Fn::Sub':
        return this.sub(argument, where);
      case 'Fn::Select': {
        const [index, list] = this.tuple(argument, 2, where);
        const items = this.list(list, where);
        const position = Number(this.walk(index, where));
        if (!Number.isInteger(position) || position < 0 || position >= items.length) {
          throw new IntrinsicError(`${where}: index ${position} is outside a list of ${items.length}`);
        }
        return items[position];
      }
      case 'Fn::Split': {
        const [delimiter, source] = this.tuple(argument, 2, where);
        return this.text(this.walk(source, where), where).split(this.text(delimiter, where));
      }
      case 'Fn::If': {
        const [conditionName, whenTrue, whenFalse] = this.tuple(argument, 3, where);
        return this.walk(this.condition(this.text(conditionName, where)) ? whenTrue : whenFalse, where);
      }
      case 'Fn::Equals': {
        const [left, right] = this.tuple(argument, 2, where);
        return JSON.stringify(this.walk(left, where)) === JSON.stringify(this.walk(right, where));
      }
      case 'Fn::And':
        return this.booleans(argument, where).every(Boolean);
      case 'Fn::Or':
        return this.booleans(argument, where).some(Boolean);
      case 'Fn::Not': {
        const [only] = this.booleans(argument, where);
        return !only;
      }
      case 'Condition':
        return this.condition(this.text(argument, where));
      case 'Fn::FindInMap': {
        const [mapName, topKey, secondKey] = this.tuple(argument, 3, where).map((part) => this.text(this.walk(part, where), where));
        const value = this.context.mappings?.[mapName ?? '']?.[topKey ?? '']?.[secondKey ?? ''];
        if (value === undefined) throw new IntrinsicError(`${where}: mapping ${mapName}.${topKey}.${secondKey} does not exist`);
        return value;
      }
      case 'Fn::Base64':
        return Buffer.from(this.text(this.walk(argument, where), where), 'utf8').toString('base64');
      case 'Fn::GetAZs': {
        const region = String(this.context.pseudoParameters['AWS::Region']);
        return ['a', 'b', 'c'].map((zone) => `${region}${zone}`);
      }
      case 'Fn::Length':
        return this.list(argument, where).length;
      case 'Fn::ToJsonString':
        return JSON.stringify(this.walk(argument, where));
      default:
        throw new IntrinsicError(
          `${where}: ${name} is not supported by the local run (supported: ${SUPPORTED.join(', ')})` +
            (name === 'Fn::ImportValue' ? '; cross-stack imports need the exporting stack deployed' : ''),
        );
    }
  }

  private ref(target: string, where: string): unknown {
    if (target === 'AWS::NoValue') return NO_VALUE;
    if (target.startsWith('AWS::')) {
      if (!(target in this.context.pseudoParameters)) throw new IntrinsicError(`${where}: pseudo parameter ${target} is not supported locally`);
      return this.context.pseudoParameters[target];
    }
    return this.context.ref(target);
  }

  private getAtt(argument: unknown, where: string): unknown {
    let logicalId: string;
    let attribute: string;
    if (typeof argument === 'string') {
      const dot = argument.indexOf('.');
      if (dot <= 0) throw new IntrinsicError(`${where}: expected "LogicalId.Attribute", got ${JSON.stringify(argument)}`);
      logicalId = argument.slice(0, dot);
      attribute = argument.slice(dot + 1);
    } else {
      const [id, attributeName] = this.tuple(argument, 2, where);
      logicalId = this.text(id, where);
      attribute = this.text(this.walk(attributeName, where), where);
    }
    return this.context.getAtt(logicalId, attribute);
  }

  /** `${Name}`, `${Resource.Attribute}`, `${!Literal}`, with optional local variables. */
  private sub(argument: unknown, where: string): string {
    let template: string;
    let variables: Record<string, unknown> = {};
    if (typeof argument === 'string') {
      template = argument;
    } else {
      const [text, vars] = this.tuple(argument, 2, where);
      template = this.text(text, where);
      if (vars === null || typeof vars !== 'object' || Array.isArray(vars)) throw new IntrinsicError(`${where}: variables must be an object`);
      variables = vars as Record<string, unknown>;
    }
    return template.replace(/\$\{([^}]*)\}/g, (_match, expression: string) => {
      if (expression.startsWith('!')) return `\${${expression.slice(1)}}`;
      const name = expression.trim();
      if (Object.hasOwn(variables, name)) return this.scalar(this.walk(variables[name], `${where}.${name}`), where);
      if (name.startsWith('AWS::') || !name.includes('.')) return this.scalar(this.ref(name, where), where);
      const dot = name.indexOf('.');
      return this.scalar(this.context.getAtt(name.slice(0, dot), name.slice(dot + 1)), where);
    });
  }

  private tuple(argument: unknown, length: number, where: string): unknown[] {
    if (!Array.isArray(argument) || argument.length !== length) {
      throw new IntrinsicError(`${where}: expected a list of ${length}, got ${JSON.stringify(argument)}`);
    }
    return argument;
  }

  private list(value: unknown, where: string): unknown[] {
    const resolved = this.walk(value, where);
    if (!Array.isArray(resolved)) throw new IntrinsicError(`${where}: expected a list, got ${JSON.stringify(resolved)}`);
    return resolved;
  }

  private booleans(argument: unknown, where: string): boolean[] {
    if (!Array.isArray(argument)) throw new IntrinsicError(`${where}: expected a list of conditions`);
    return argument.map((item) => {
      const value = this.walk(item, where);
      if (typeof value !== 'boolean') throw new IntrinsicError(`${where}: ${JSON.stringify(item)} is not a condition`);
      return value;
    });
  }

  private text(value: unknown, where: string): string {
    if (typeof value !== 'string') throw new IntrinsicError(`${where}: expected a string, got ${JSON.stringify(value)}`);
    return value;
  }

  private scalar(value: unknown, where: string): string {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
    throw new IntrinsicError(`${where}: ${JSON.stringify(value)} cannot be part of a string`);
  }
}
