import { describe, expect, it } from 'vitest';
import {
  buildScp,
  GUARDDUTY_LOSS_ACTIONS,
  SCP_MAX_CHARS,
  type ScpDocument,
  ScpPolicyError,
} from '../../handlers/core/scp.js';

const RESPONDER = 'arn:aws:iam::123456789012:role/guardduty-drift-responder-ResponderRole-1A2B3C4D5E6F';
const BREAK_GLASS = 'arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_BreakGlass_*';

/** Every call the policy must deny, by name: the loss paths, the exemption tags and the cluster tag. */
const DENIED = [
  'guardduty:UpdateDetector',
  'guardduty:DeleteDetector',
  'guardduty:UpdateMemberDetectors',
  'guardduty:UpdateOrganizationConfiguration',
  'guardduty:DisassociateFromAdministratorAccount',
  'guardduty:DisassociateFromMasterAccount',
  'guardduty:DisassociateMembers',
  'guardduty:DeleteMembers',
  'guardduty:StopMonitoringMembers',
  'guardduty:DisableOrganizationAdminAccount',
  'guardduty:CreateFilter',
  'guardduty:UpdateFilter',
  'organizations:LeaveOrganization',
  'guardduty:TagResource',
  'guardduty:UntagResource',
  'eks:TagResource',
  'eks:UntagResource',
] as const;

/** No policy evaluator: the Deny statements whose Action lists `action` by its exact name. */
const denying = (policy: ScpDocument, action: string) =>
  policy.Statement.filter((statement) => statement.Effect === 'Deny' && statement.Action.includes(action));

describe('Function: buildScp', () => {
  const both = buildScp({ responderRoleArn: RESPONDER, breakGlassRoleArn: BREAK_GLASS });

  it('is a 2012-10-17 policy that survives a JSON round trip, under the SCP limit with both roles', () => {
    const text = JSON.stringify(both.policy);
    expect(JSON.parse(text)).toEqual(both.policy);
    expect(both.policy.Version).toBe('2012-10-17');
    expect(both.minifiedSize).toBe(text.length);
    expect(both.minifiedSize).toBeLessThan(SCP_MAX_CHARS);
  });

  it.each(DENIED)('denies %s in a Deny statement', (action) => {
    expect(denying(both.policy, action).length).toBeGreaterThan(0);
  });

  it('lists every loss-path action the module exports', () => {
    for (const action of GUARDDUTY_LOSS_ACTIONS) expect(denying(both.policy, action)).toHaveLength(1);
  });

  it('exempts exactly the roles given, through ArnNotLike aws:PrincipalArn in every statement', () => {
    expect(both.exemptRoles).toEqual([RESPONDER, BREAK_GLASS]);
    for (const statement of both.policy.Statement) {
      expect(statement.Condition?.ArnNotLike).toEqual({ 'aws:PrincipalArn': [RESPONDER, BREAK_GLASS] });
    }
  });

  it('limits the tag statements to our exemption tags and the GuardDutyManaged cluster tag', () => {
    const [guardDutyTags] = denying(both.policy, 'guardduty:TagResource');
    expect(guardDutyTags?.Condition?.['ForAnyValue:StringEquals']).toEqual({
      'aws:TagKeys': ['drift-responder:exempt-until', 'drift-responder:exempt-reason'],
    });
    const [tagCluster] = denying(both.policy, 'eks:TagResource');
    expect(tagCluster?.Condition).toMatchObject({
      Null: { 'aws:RequestTag/GuardDutyManaged': 'false' },
      StringNotEquals: { 'aws:RequestTag/GuardDutyManaged': 'true' },
    });
    const [untagCluster] = denying(both.policy, 'eks:UntagResource');
    expect(untagCluster?.Condition?.['ForAnyValue:StringEquals']).toEqual({
      'aws:TagKeys': ['GuardDutyManaged'],
    });
  });

  it('with one role exempts only it, and without any still denies every action to everyone', () => {
    expect(buildScp({ breakGlassRoleArn: BREAK_GLASS }).policy.Statement[0]?.Condition).toEqual({
      ArnNotLike: { 'aws:PrincipalArn': [BREAK_GLASS] },
    });
    expect(buildScp({ responderRoleArn: RESPONDER, breakGlassRoleArn: RESPONDER }).exemptRoles).toEqual([
      RESPONDER,
    ]);
    const none = buildScp({});
    expect(none.exemptRoles).toEqual([]);
    expect(JSON.stringify(none.policy)).not.toContain('ArnNotLike');
    expect(none.policy.Statement[0]).not.toHaveProperty('Condition');
    for (const action of DENIED) expect(denying(none.policy, action).length).toBeGreaterThan(0);
  });

  it.each([
    ['a user, not a role', 'arn:aws:iam::123456789012:user/alice'],
    ['a wildcard in part of the account', 'arn:aws:iam::1234*:role/responder'],
    ['a name of wildcards alone, which would exempt every role', 'arn:aws:iam::123456789012:role/*'],
    ['a path ending without a name', 'arn:aws:iam::123456789012:role/ops/'],
    ['an empty path segment as the name', 'arn:aws:iam::123456789012:role//'],
    [
      'an Identity Center path with any role under it',
      'arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*',
    ],
    ['an unknown partition', 'arn:aws-moon:iam::123456789012:role/responder'],
    ['a short account', 'arn:aws:iam::12345:role/responder'],
    ['a wildcard partition', 'arn:*:iam::123456789012:role/responder'],
    ['a role name only', 'guardduty-drift-responder'],
  ])('rejects %s with the expected shape in the message', (_, arn) => {
    expect(() => buildScp({ responderRoleArn: arn })).toThrow(ScpPolicyError);
    expect(() => buildScp({ responderRoleArn: arn })).toThrow(
      /^responder role: expected an IAM role ARN such as/,
    );
  });

  it.each([
    'arn:aws-us-gov:iam::123456789012:role/ops/break-glass-?',
    'arn:aws-cn:iam::123456789012:role/responder',
    'arn:aws-iso-b:iam::123456789012:role/responder',
    'arn:aws:iam::*:role/guardduty-drift-responder',
    // Identity Center outside us-east-1: the Region is a path segment the pattern has to span.
    'arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_BreakGlass_*',
  ])('accepts %s', (arn) => {
    expect(buildScp({ breakGlassRoleArn: arn }).exemptRoles).toEqual([arn]);
  });

  it('throws rather than print a document over 5,120 characters', () => {
    const long = (name: string) => `arn:aws:iam::123456789012:role/${'p/'.repeat(250)}${name}`;
    expect(() => buildScp({ responderRoleArn: long('a'), breakGlassRoleArn: long('b') })).toThrow(
      /over the 5120-character SCP limit/,
    );
  });
});
