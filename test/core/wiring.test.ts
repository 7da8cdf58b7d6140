/* The sweep's wiring check, pure (handlers/core/wiring.ts): what is missing, how bad, what may be repaired. */
import { describe, expect, it } from 'vitest';
import { type RuleObservation, type WiringObservation, wiringGaps } from '../../handlers/core/wiring.js';
import { TOPIC_ARN } from '../support/mocked-responder.js';
import { FUNCTION_ARN, OWN, TRAIL_ARN } from '../support/tamper-events.js';

const [EVENTS_RULE, DEAD_RULE] = OWN.rules;
if (EVENTS_RULE === undefined || DEAD_RULE === undefined) throw new Error('OWN has two rules');
const EXPECTED = { functionArn: FUNCTION_ARN, topicArn: TOPIC_ARN, region: 'us-east-1' };

const ok = <T>(value: T) => ({ ok: true as const, value });
const whole = (rule = EVENTS_RULE, arn = FUNCTION_ARN): RuleObservation => ({
  rule,
  state: ok('ENABLED'),
  targets: ok([{ id: rule.targetId, arn }]),
});
const wiring = (patch: Partial<WiringObservation> = {}): WiringObservation => ({
  rules: [whole(), whole(DEAD_RULE, TOPIC_ARN)],
  trail: { arn: TRAIL_ARN, logging: ok(true) },
  topic: ok({ confirmed: 1, pending: 0 }),
  ...patch,
});

describe('Function: wiringGaps', () => {
  it('finds nothing in a whole wiring', () => {
    expect(wiringGaps(wiring(), EXPECTED)).toEqual([]);
  });

  it('a disabled rule that lost its target: both repairs, one gap', () => {
    const gaps = wiringGaps(
      wiring({ rules: [{ rule: EVENTS_RULE, state: ok('DISABLED'), targets: ok([]) }] }),
      EXPECTED,
    );
    expect(gaps).toEqual([
      expect.objectContaining({
        thing: `rule#${EVENTS_RULE.name}`,
        fingerprint: 'disabled',
        severity: 'critical',
        repairs: [
          { kind: 'enable-rule', rule: EVENTS_RULE },
          { kind: 'restore-target', rule: EVENTS_RULE },
        ],
      }),
    ]);
  });

  it('a target pointing elsewhere is a missing target; a missing rule is left to a deploy', () => {
    const gaps = wiringGaps(
      wiring({
        rules: [
          whole(EVENTS_RULE, `${FUNCTION_ARN}-decoy`),
          { rule: DEAD_RULE, state: ok(undefined), targets: ok(undefined) },
        ],
      }),
      EXPECTED,
    );
    expect(gaps.map((gap) => [gap.fingerprint, gap.repairs.map((repair) => repair.kind)])).toEqual([
      ['target-missing', ['restore-target']],
      ['missing', []],
    ]);
  });

  it('a trail not logging is restarted only in its home Region; a missing trail is left to a deploy', () => {
    const stopped = wiring({ trail: { arn: TRAIL_ARN, logging: ok(false) } });
    expect(wiringGaps(stopped, EXPECTED)[0]).toMatchObject({
      fingerprint: 'not-logging',
      repairs: [{ kind: 'start-logging' }],
    });
    expect(wiringGaps(stopped, { ...EXPECTED, region: 'eu-west-1' })[0]).toMatchObject({ repairs: [] });
    expect(
      wiringGaps(wiring({ trail: { arn: TRAIL_ARN, logging: ok(undefined) } }), EXPECTED)[0],
    ).toMatchObject({
      fingerprint: 'missing',
      repairs: [],
    });
  });

  it('pending subscriptions do not count', () => {
    const [gap] = wiringGaps(wiring({ topic: ok({ confirmed: 0, pending: 2 }) }), EXPECTED);
    expect(gap).toMatchObject({ thing: 'topic', fingerprint: 'no-subscription', severity: 'critical' });
    expect(gap?.consequence).toMatch(/2 subscription\(s\) still pending/);
  });

  it('what cannot be read is a gap of its own (high), not a pass', () => {
    const gaps = wiringGaps(
      wiring({
        rules: [{ rule: EVENTS_RULE, state: { ok: false, error: 'AccessDenied: no' }, targets: ok([]) }],
        topic: { ok: false, error: 'AuthorizationError: no' },
      }),
      EXPECTED,
    );
    expect(gaps.map((gap) => [gap.thing, gap.fingerprint, gap.severity])).toEqual([
      [`rule#${EVENTS_RULE.name}`, 'unreadable', 'high'],
      ['topic', 'unreadable', 'high'],
    ]);
  });
});
