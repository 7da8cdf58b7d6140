// The in-memory state table evaluates the adapter's DynamoDB expressions; these are the rules of DynamoDB it keeps.
import { describe, expect, it } from 'vitest';
import { applySet, assertAllUsed, conditionHolds } from './fakes/expression.js';

const scope = (values: Record<string, string | number>, names: Record<string, string> = {}) => ({
  names,
  values: Object.fromEntries(
    Object.entries(values).map(([key, value]) => [
      key,
      typeof value === 'number' ? { N: String(value) } : { S: value },
    ]),
  ),
});

describe('Fake: DynamoDB expressions', () => {
  it('treats <> on a missing attribute as true and every other comparison as false', () => {
    const s = scope({ ':v': 'x' });
    expect(conditionHolds('missing <> :v', {}, s)).toBe(true);
    expect(conditionHolds('missing = :v', {}, s)).toBe(false);
    expect(conditionHolds('missing < :v', {}, s)).toBe(false);
  });

  it('evaluates AND before OR, parentheses, names and attribute_not_exists', () => {
    const item = { status: { S: 'IN_PROGRESS' }, leaseUntil: { N: '5' } };
    const s = scope({ ':now': 10, ':p': 'IN_PROGRESS', ':r': 'RETRYABLE' }, { '#status': 'status' });
    expect(
      conditionHolds(
        'attribute_not_exists(pk) OR #status = :r OR (#status = :p AND leaseUntil < :now)',
        item,
        s,
      ),
    ).toBe(true);
    expect(conditionHolds('#status = :r OR #status = :p AND leaseUntil > :now', item, s)).toBe(false);
    expect(conditionHolds('attribute_not_exists(pk)', undefined, s)).toBe(true);
  });

  it('refuses values or names no expression uses, as DynamoDB does', () => {
    expect(() => assertAllUsed(['SET a = :a'], scope({ ':a': 1, ':b': 2 }))).toThrow(
      /unused in expressions: :b/,
    );
    expect(() => assertAllUsed(['SET #a = :a'], scope({ ':a': 1 }, { '#a': 'a', '#b': 'b' }))).toThrow(/#b/);
    expect(() =>
      assertAllUsed(['SET #a = :a', 'attribute_not_exists(pk)'], scope({ ':a': 1 }, { '#a': 'a' })),
    ).not.toThrow();
  });

  it('applies a SET and keeps every other attribute', () => {
    const next = applySet(
      'SET #s = :s, lease = :l',
      { pk: { S: 'k' }, kept: { S: 'yes' } },
      scope({ ':s': 'X', ':l': 3 }, { '#s': 'status' }),
    );
    expect(next).toEqual({ pk: { S: 'k' }, kept: { S: 'yes' }, status: { S: 'X' }, lease: { N: '3' } });
  });
});
