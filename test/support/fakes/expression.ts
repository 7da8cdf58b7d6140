/**
 * A small evaluator of the DynamoDB expressions the state store writes — `SET a = :v, #b = :w` updates and
 * conditions made of `attribute_not_exists(x)`, `=`, `<>`, `<`, `>`, `AND`, `OR` and parentheses — so the in-memory
 * state table answers whatever condition the adapter sends, as DynamoDB would, instead of re-implementing its rule.
 * A comparison with a missing attribute is false, except `<>`, which is true: a value that does not exist equals
 * nothing (as real DynamoDB answers; see ExtendDB/extenddb#5 and nubo-db/dynoxide#8, both checked against it).
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

type Item = Record<string, AttributeValue>;

interface Scope {
  readonly names: Record<string, string>;
  readonly values: Record<string, AttributeValue>;
}

const TOKEN =
  /\s*(attribute_not_exists|attribute_exists|AND|OR|NOT|\(|\)|<>|<=|>=|=|<|>|,|[#:]?[A-Za-z_][\w]*)/y;

function tokenize(expression: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < expression.length) {
    const start = TOKEN.lastIndex;
    const match = TOKEN.exec(expression);
    if (!match?.[1]) {
      if (expression.slice(start).trim() === '') break;
      throw new Error(`unsupported expression near "${expression.slice(start, start + 20)}"`);
    }
    tokens.push(match[1]);
  }
  return tokens;
}

function attributeName(token: string, scope: Scope): string {
  return token.startsWith('#') ? (scope.names[token] ?? token) : token;
}

function scalar(value: AttributeValue | undefined): string | number | boolean | undefined {
  if (value === undefined) return undefined;
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) return Number(value.N);
  if (value.BOOL !== undefined) return value.BOOL;
  return JSON.stringify(value);
}

/**
 * DynamoDB refuses a request whose ExpressionAttributeValues or ExpressionAttributeNames hold an entry no expression
 * uses ("Value provided in ExpressionAttributeValues unused in expressions"): so does this model.
 */
export function assertAllUsed(expressions: readonly (string | undefined)[], scope: Scope): void {
  const text = expressions.filter((expression) => expression !== undefined).join(' ');
  const used = new Set(text.match(/[#:][A-Za-z_][\w]*/g) ?? []);
  const unused = [...Object.keys(scope.values), ...Object.keys(scope.names)].filter(
    (token) => !used.has(token),
  );
  if (unused.length > 0) {
    throw new Error(`ValidationException: unused in expressions: ${unused.join(', ')}`);
  }
}

/** Whether the condition holds for the item (undefined: the item does not exist). */
export function conditionHolds(expression: string, item: Item | undefined, scope: Scope): boolean {
  const tokens = tokenize(expression);
  let position = 0;
  const peek = () => tokens[position];
  const take = (expected?: string) => {
    const token = tokens[position++];
    if (token === undefined || (expected !== undefined && token !== expected)) {
      throw new Error(`expected ${expected ?? 'a token'} in "${expression}"`);
    }
    return token;
  };
  const operand = (token: string) =>
    token.startsWith(':') ? scalar(scope.values[token]) : scalar(item?.[attributeName(token, scope)]);

  const primary = (): boolean => {
    const token = take();
    if (token === '(') {
      const value = or();
      take(')');
      return value;
    }
    if (token === 'NOT') return !primary();
    if (token === 'attribute_not_exists' || token === 'attribute_exists') {
      take('(');
      const name = attributeName(take(), scope);
      take(')');
      const exists = item !== undefined && item[name] !== undefined;
      return token === 'attribute_exists' ? exists : !exists;
    }
    const comparator = take();
    const left = operand(token);
    const right = operand(take());
    if (left === undefined || right === undefined) return comparator === '<>';
    switch (comparator) {
      case '=':
        return left === right;
      case '<>':
        return left !== right;
      case '<':
        return left < right;
      case '<=':
        return left <= right;
      case '>':
        return left > right;
      case '>=':
        return left >= right;
      default:
        throw new Error(`unsupported comparator ${comparator}`);
    }
  };
  const and = (): boolean => {
    let value = primary();
    while (peek() === 'AND') {
      take();
      const right = primary();
      value = value && right;
    }
    return value;
  };
  const or = (): boolean => {
    let value = and();
    while (peek() === 'OR') {
      take();
      const right = and();
      value = value || right;
    }
    return value;
  };
  const result = or();
  if (position !== tokens.length) throw new Error(`unexpected "${tokens[position]}" in "${expression}"`);
  return result;
}

/**
 * The item after a `SET a = :v, #b = if_not_exists(#b, :w)` update (every other attribute kept), or after a
 * `REMOVE a, #b`.
 */
export function applySet(expression: string, item: Item, scope: Scope): Item {
  const next: Item = { ...item };
  const remove = /^\s*REMOVE\s+(.*)$/s.exec(expression);
  if (remove?.[1]) {
    for (const name of remove[1].split(',')) delete next[attributeName(name.trim(), scope)];
    return next;
  }
  const match = /^\s*SET\s+(.*)$/s.exec(expression);
  if (!match?.[1]) throw new Error(`unsupported update "${expression}"`);
  // Commas inside if_not_exists( … ) do not separate assignments.
  for (const assignment of match[1].split(/,(?![^(]*\))/)) {
    const [left, right] = assignment.split('=').map((part) => part.trim());
    if (!left || !right) throw new Error(`unsupported assignment "${assignment}"`);
    const name = attributeName(left, scope);
    const ifNotExists = /^if_not_exists\(\s*([#\w]+)\s*,\s*(:\w+)\s*\)$/.exec(right);
    const valueName = ifNotExists?.[2] ?? right;
    const value = scope.values[valueName];
    if (value === undefined) throw new Error(`no value for ${valueName}`);
    const kept = ifNotExists?.[1] === undefined ? undefined : item[attributeName(ifNotExists[1], scope)];
    next[name] = kept ?? value;
  }
  return next;
}
