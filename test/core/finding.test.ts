import { describe, expect, it } from 'vitest';
import {
  ASFF_LIMITS,
  batches,
  type DriftFinding,
  decodeFindingRef,
  decodeMemberFindings,
  encodeFindingRef,
  encodeMemberFindings,
  findingIdOf,
  MAX_MEMBER_FINDINGS,
  memberFindingIdOf,
  productArn,
  severityLabel,
  toAsff,
} from '../../handlers/core/finding.js';
import { forged, SEPARATORS, stringLeaves, UNSAFE } from '../alerts/hostile-text.js';

const HOSTILE_STRINGS = SEPARATORS.map(([, separator]) => forged(separator));

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const DETECTOR = '0ab12cd34ef56ab78cd90ef12ab34cd5';
const CASE = `case#${ACCOUNT}#${REGION}#${DETECTOR}`;

function drift(overrides: Partial<DriftFinding> = {}): DriftFinding {
  return {
    ref: { id: findingIdOf(CASE, 'event#e-1'), firstObservedAt: '2026-03-01T10:00:00.000Z' },
    partition: 'aws',
    accountId: ACCOUNT,
    region: REGION,
    resource: { accountId: ACCOUNT, region: REGION, detectorId: DETECTOR },
    state: 'open',
    severity: 'high',
    title: 'EKS Runtime Monitoring is off (notify mode: not re-enabled)',
    description: ['Protection is off.', 'What the responder did: Nothing (notify mode).'],
    recommendation: 'Next step: guardduty-drift enable --region eu-west-1 --dry-run.',
    updatedAt: '2026-03-01T10:00:05.000Z',
    ...overrides,
  };
}

describe('Security Hub finding ids', () => {
  it('is the same for the same case and opener: a retry, a takeover and the sweep joining update one finding', () => {
    expect(findingIdOf(CASE, 'event#e-1')).toBe(findingIdOf(CASE, 'event#e-1'));
  });

  it('differs for a new drift of the same detector (another opener) and for another detector', () => {
    const first = findingIdOf(CASE, 'event#e-1');
    expect(findingIdOf(CASE, 'sweep#s-2')).not.toBe(first);
    expect(findingIdOf(`case#${ACCOUNT}#${REGION}#none`, 'event#e-1')).not.toBe(first);
  });

  it('carries nothing of the event: a hostile opener gives a plain digest within ASFF limits', () => {
    for (const hostile of HOSTILE_STRINGS) {
      const id = findingIdOf(CASE, `event#${hostile}`);
      expect(id).toMatch(/^guardduty-drift-responder\/[0-9a-f]{40}$/);
      expect(id.length).toBeLessThanOrEqual(ASFF_LIMITS.id);
    }
  });

  it('round-trips what a case keeps, and refuses a forged or garbled record', () => {
    const ref = drift().ref;
    expect(decodeFindingRef(encodeFindingRef(ref))).toEqual(ref);
    expect(
      decodeFindingRef('{"id":"someone-else/1","firstObservedAt":"2026-03-01T10:00:00.000Z"}'),
    ).toBeUndefined();
    expect(decodeFindingRef('not json')).toBeUndefined();
    expect(decodeFindingRef(undefined)).toBeUndefined();
  });
});

describe('Security Hub findings of organization members', () => {
  const seed = findingIdOf(`case#${ACCOUNT}#${REGION}#organization`, 'sweep#s-1');
  const record = { seed, firstObservedAt: '2026-03-01T10:00:00.000Z', open: ['111111111111'] };

  it('gives each member of a case its own stable id, free of event text, and another case other ids', () => {
    const id = memberFindingIdOf(seed, '111111111111');
    expect(id).toMatch(/^guardduty-drift-responder\/[0-9a-f]{40}$/);
    expect(memberFindingIdOf(seed, '111111111111')).toBe(id);
    expect(memberFindingIdOf(seed, '222222222222')).not.toBe(id);
    expect(
      memberFindingIdOf(findingIdOf(`case#${ACCOUNT}#${REGION}#organization`, 'sweep#s-2'), '111111111111'),
    ).not.toBe(id);
    expect(id).not.toBe(seed);
  });

  it('round-trips what the case keeps, and refuses a forged, garbled or oversized record', () => {
    expect(decodeMemberFindings(encodeMemberFindings(record))).toEqual(record);
    expect(decodeMemberFindings(JSON.stringify({ ...record, open: ['1111; drop'] }))).toBeUndefined();
    expect(decodeMemberFindings(JSON.stringify({ ...record, seed: 'someone-else/1' }))).toBeUndefined();
    const tooMany = Array.from({ length: MAX_MEMBER_FINDINGS + 1 }, (_, index) =>
      String(100000000000 + index),
    );
    expect(decodeMemberFindings(JSON.stringify({ ...record, open: tooMany }))).toBeUndefined();
    expect(decodeMemberFindings('not json')).toBeUndefined();
    // A detector's finding is not an organization's, nor the other way round.
    expect(
      decodeMemberFindings(encodeFindingRef({ id: seed, firstObservedAt: record.firstObservedAt })),
    ).toBeUndefined();
    expect(decodeFindingRef(encodeMemberFindings(record))).toBeUndefined();
  });

  it(`keeps ${MAX_MEMBER_FINDINGS} open members with their detectors within 50 KB of the case item (DynamoDB allows 400 KB)`, () => {
    const open = Array.from(
      { length: MAX_MEMBER_FINDINGS },
      (_, index) => `${100000000000 + index}:${'0ab12cd34ef56ab78cd90ef12ab34cd5'}`,
    );
    expect(decodeMemberFindings(encodeMemberFindings({ ...record, open }))?.open).toHaveLength(
      MAX_MEMBER_FINDINGS,
    );
    expect(Buffer.byteLength(encodeMemberFindings({ ...record, open }))).toBeLessThan(50 * 1024);
  });
});

describe('Function: toAsff', () => {
  it('builds every required ASFF field for an open drift of a detector', () => {
    const asff = toAsff(drift());
    expect(asff).toMatchObject({
      SchemaVersion: '2018-10-08',
      Id: drift().ref.id,
      ProductArn: `arn:aws:securityhub:${REGION}:${ACCOUNT}:product/${ACCOUNT}/default`,
      GeneratorId: 'guardduty-drift-responder',
      AwsAccountId: ACCOUNT,
      Types: [
        'Software and Configuration Checks/AWS Security Best Practices/GuardDuty EKS Runtime Monitoring',
      ],
      CreatedAt: '2026-03-01T10:00:00.000Z',
      FirstObservedAt: '2026-03-01T10:00:00.000Z',
      UpdatedAt: '2026-03-01T10:00:05.000Z',
      Severity: { Label: 'HIGH', Original: 'high' },
      FindingProviderFields: { Severity: { Label: 'HIGH' } },
      Resources: [
        {
          Type: 'AwsGuardDutyDetector',
          Id: `arn:aws:guardduty:${REGION}:${ACCOUNT}:detector/${DETECTOR}`,
          Region: REGION,
          Partition: 'aws',
        },
      ],
      Compliance: { Status: 'FAILED' },
      RecordState: 'ACTIVE',
      Workflow: { Status: 'NEW' },
      Remediation: {
        Recommendation: { Text: 'Next step: guardduty-drift enable --region eu-west-1 --dry-run.' },
      },
    });
  });

  it('keeps CreatedAt and FirstObservedAt on an update and moves UpdatedAt: the resolve of the same drift', () => {
    const open = toAsff(drift());
    const resolved = toAsff(drift({ state: 'resolved', updatedAt: '2026-03-01T10:09:00.000Z' }));
    expect(resolved.Id).toBe(open.Id);
    expect(resolved.CreatedAt).toBe(open.CreatedAt);
    expect(resolved.FirstObservedAt).toBe(open.FirstObservedAt);
    expect(resolved.UpdatedAt).toBe('2026-03-01T10:09:00.000Z');
    expect(resolved).toMatchObject({
      Compliance: { Status: 'PASSED' },
      RecordState: 'ACTIVE',
      Workflow: { Status: 'RESOLVED' },
    });
  });

  it.each([
    ['critical', 'CRITICAL'],
    ['high', 'HIGH'],
    ['medium', 'MEDIUM'],
    ['low', 'LOW'],
  ] as const)('maps the alert severity %s to %s', (severity, label) => {
    expect(severityLabel(severity)).toBe(label);
    expect(toAsff(drift({ severity })).Severity).toEqual({ Label: label, Original: severity });
  });

  it('names the member account detector in organization scope, in the administrator account`s own product', () => {
    const member = '210987654321';
    const asff = toAsff(drift({ resource: { accountId: member, region: REGION, detectorId: 'member1' } }));
    expect(asff.AwsAccountId).toBe(ACCOUNT);
    expect(asff.ProductArn).toBe(productArn('aws', REGION, ACCOUNT));
    expect(asff.Resources).toEqual([
      expect.objectContaining({ Id: `arn:aws:guardduty:${REGION}:${member}:detector/member1` }),
    ]);
  });

  it('names the account when there is no detector (deleted), and uses the partition of the deployment', () => {
    const asff = toAsff(
      drift({
        partition: 'aws-cn',
        region: 'cn-north-1',
        resource: { accountId: ACCOUNT, region: 'cn-north-1', detectorId: null },
      }),
    );
    expect(asff.ProductArn).toBe(`arn:aws-cn:securityhub:cn-north-1:${ACCOUNT}:product/${ACCOUNT}/default`);
    expect(asff.Resources).toEqual([
      { Type: 'AwsAccount', Id: `AWS::::Account:${ACCOUNT}`, Region: 'cn-north-1', Partition: 'aws-cn' },
    ]);
  });

  it('never builds a resource ARN from a malformed detector id, account or Region', () => {
    const asff = toAsff(
      drift({ resource: { accountId: '12345', region: 'moon-1', detectorId: 'abc/../../x' } }),
    );
    expect(asff.Resources).toEqual([
      { Type: 'AwsAccount', Id: `AWS::::Account:${ACCOUNT}`, Region: REGION, Partition: 'aws' },
    ]);
  });

  it('respects the ASFF lengths whatever the input, and stays far under the 240 KB of a finding', () => {
    const long = 'x'.repeat(50_000);
    const asff = toAsff(
      drift({ title: long, description: [long, long], recommendation: long, productFields: { actor: long } }),
    );
    expect(String(asff.Title).length).toBeLessThanOrEqual(ASFF_LIMITS.title);
    expect(String(asff.Description).length).toBeLessThanOrEqual(ASFF_LIMITS.description);
    const text = (asff.Remediation as { Recommendation: { Text: string } }).Recommendation.Text;
    expect(text.length).toBeLessThanOrEqual(ASFF_LIMITS.recommendationText);
    expect(Buffer.byteLength(JSON.stringify(asff))).toBeLessThan(ASFF_LIMITS.findingBytes);
  });

  it('scrubs every hostile string: no line break, control, bidi or zero-width character reaches the finding', () => {
    for (const hostile of HOSTILE_STRINGS) {
      const asff = toAsff(
        drift({
          title: `off ${hostile}`,
          description: [`Changed by ${hostile}`],
          recommendation: `Next step ${hostile}`,
          productFields: { [`k${hostile}`]: hostile },
        }),
      );
      for (const leaf of stringLeaves(asff)) expect(leaf.value).not.toMatch(UNSAFE);
      expect(Object.keys(asff.ProductFields as object).join('')).not.toMatch(UNSAFE);
      expect(String(asff.Description)).not.toBe('');
    }
  });

  it('takes a runbook URL only when it is an https URL', () => {
    const withUrl = toAsff(
      drift({ runbookUrl: 'https://wiki.example.com/runbook#2-implementation-turn-it-on' }),
    );
    expect(withUrl.Remediation).toMatchObject({
      Recommendation: { Url: 'https://wiki.example.com/runbook#2-implementation-turn-it-on' },
    });
    const relative = toAsff(drift({ runbookUrl: 'docs/runbook.md#x' }));
    expect(relative.Remediation).toEqual({ Recommendation: { Text: expect.any(String) } });
  });
});

describe('Function: batches', () => {
  it('splits findings into requests of at most 100 (BatchImportFindings and BatchUpdateFindings limit)', () => {
    const sizes = batches(Array.from({ length: 250 }, (_, index) => index)).map((batch) => batch.length);
    expect(sizes).toEqual([100, 100, 50]);
    expect(batches([])).toEqual([]);
  });
});
