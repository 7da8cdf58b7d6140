// handlers/core/organization-loss.ts and the loss paths' triage: pure, no mocks.
import { describe, expect, it } from 'vitest';
import { describeChange } from '../../handlers/core/change.js';
import { type ResponderIdentity, triage } from '../../handlers/core/decide.js';
import {
  isMemberLossCall,
  isOrganizationLossCall,
  leavesMemberList,
  lossFix,
  lossKindOf,
  lossMeaning,
  lossSeverity,
  memberCountVerdict,
  restoreOf,
  splitAccountIds,
  statisticsLine,
} from '../../handlers/core/organization-loss.js';
import type { ApiCallInput, ResponderScope } from '../../handlers/core/types.js';

const SELF: ResponderIdentity = {
  region: 'us-east-1',
  accountId: '123456789012',
  functionName: 'responder-fn',
  roleArn: 'arn:aws:iam::123456789012:role/ResponderRole',
};

function lossCall(eventName: string, overrides: Partial<ApiCallInput> = {}): ApiCallInput {
  return {
    kind: 'api-call',
    eventId: 'e-1',
    eventTime: '2026-11-20T09:00:00Z',
    eventName,
    accountId: '123456789012',
    region: 'us-east-1',
    detectorId: '0ab12cd34ef56ab78cd90ef12ab34cd5',
    actor: { type: 'AssumedRole', principalArn: 'arn:aws:sts::123456789012:assumed-role/Admin/alice' },
    errorCode: undefined,
    errorMessage: undefined,
    change: describeChange(eventName, undefined),
    memberAccountIds: ['111111111111'],
    ...overrides,
  };
}

describe('Function: lossKindOf', () => {
  it.each([
    ['DisassociateMembers', 'disassociated'],
    ['DeleteMembers', 'deleted'],
    ['StopMonitoringMembers', 'monitoring-stopped'],
    ['DisableOrganizationAdminAccount', 'administrator-removed'],
    ['DisassociateFromAdministratorAccount', 'left-administrator'],
    ['DisassociateFromMasterAccount', 'left-administrator'],
    ['StartMonitoringMembers', undefined],
    ['CreateMembers', undefined],
    ['UpdateMemberDetectors', undefined],
  ])('%s → %s', (eventName, kind) => {
    expect(lossKindOf(eventName)).toBe(kind);
  });

  it('names the contract lists exactly', () => {
    expect(isOrganizationLossCall('DisassociateMembers')).toBe(true);
    expect(isOrganizationLossCall('DisassociateFromAdministratorAccount')).toBe(false);
    expect(isMemberLossCall('DisassociateFromMasterAccount')).toBe(true);
    expect(isMemberLossCall('DeleteMembers')).toBe(false);
  });
});

describe('Function: restoreOf / leavesMemberList', () => {
  it('restores only what the API can undo from the administrator', () => {
    expect(restoreOf('monitoring-stopped')).toBe('start-monitoring');
    expect(restoreOf('disassociated')).toBe('re-associate');
    expect(restoreOf('deleted')).toBeUndefined();
    expect(restoreOf('administrator-removed')).toBeUndefined();
    expect(restoreOf('left-administrator')).toBeUndefined();
  });

  it('counts as leaving the member list what ListMembers OnlyAssociated no longer returns', () => {
    expect(leavesMemberList('disassociated')).toBe(true);
    expect(leavesMemberList('deleted')).toBe(true);
    expect(leavesMemberList('monitoring-stopped')).toBe(false);
  });
});

describe('Function: splitAccountIds', () => {
  it('keeps each 12-digit id once and sets every other value aside, never to be sent', () => {
    expect(
      splitAccountIds([
        '111111111111',
        '111111111111',
        '12345',
        '2222222222220',
        'abcdefghijkl',
        '222222222222',
      ]),
    ).toEqual({
      valid: ['111111111111', '222222222222'],
      invalid: ['12345', '2222222222220', 'abcdefghijkl'],
    });
  });

  it('reads a request without accountIds as naming nobody', () => {
    expect(splitAccountIds(undefined)).toEqual({ valid: [], invalid: [] });
  });
});

describe('Function: lossMeaning / lossFix', () => {
  it('says what a loss means and that a denied one changed nothing', () => {
    expect(lossMeaning('disassociated', 2, false)).toContain('2 member accounts left');
    expect(lossMeaning('disassociated', 2, false)).toContain('turn GuardDuty off itself');
    expect(lossMeaning('deleted', 1, false)).toContain('1 member account was deleted');
    expect(lossMeaning('left-administrator', 0, false)).toContain('standalone');
    expect(lossMeaning('monitoring-stopped', 3, true)).toMatch(
      /tried to stop GuardDuty monitoring of 3 .*denied/,
    );
  });

  it('gives the exact commands, with the accounts and the administrator detector', () => {
    const facts = {
      region: 'eu-west-1',
      adminDetectorId: '0ab12cd34ef56ab78cd90ef12ab34cd5',
      accounts: ['111111111111', '222222222222'],
      adminAccountId: undefined,
    };
    expect(lossFix('monitoring-stopped', facts)).toContain(
      'aws guardduty start-monitoring-members --region eu-west-1 --detector-id 0ab12cd34ef56ab78cd90ef12ab34cd5 --account-ids 111111111111 222222222222',
    );
    expect(lossFix('deleted', facts)).toContain(
      '--account-details AccountId=111111111111,Email=<its e-mail> AccountId=222222222222,Email=<its e-mail>',
    );
    expect(lossFix('administrator-removed', { ...facts, adminAccountId: '123456789012' })).toContain(
      'aws guardduty enable-organization-admin-account --region eu-west-1 --admin-account-id 123456789012',
    );
    expect(lossFix('administrator-removed', facts)).toContain('<administrator account id>');
  });
});

describe('Function: lossSeverity', () => {
  it.each([
    ['a denied attempt', true, [], 'high'],
    ['everything restored and read back', false, ['restored', 'restored'], 'high'],
    ['one account not confirmed', false, ['restored', 'not confirmed'], 'critical'],
    ['notify mode', false, ['would restore'], 'critical'],
    ['nothing the API can restore', false, ['manual'], 'critical'],
    ['only invalid ids (nothing real restored)', false, ['invalid id'], 'critical'],
    ['restored, beside an invalid id', false, ['restored', 'invalid id'], 'high'],
  ] as const)('%s → %s', (_name, denied, results, severity) => {
    expect(lossSeverity(denied, results)).toBe(severity);
  });
});

describe('Function: memberCountVerdict', () => {
  it('makes the first count a baseline', () => {
    expect(memberCountVerdict(undefined, 10, 0)).toEqual({ status: 'baseline' });
  });

  it('sees no drop when the count holds or grows', () => {
    expect(memberCountVerdict(10, 10, 0)).toEqual({ status: 'steady', previous: 10 });
    expect(memberCountVerdict(10, 12, 0)).toEqual({ status: 'grew', previous: 10 });
  });

  it('explains a drop by the accounts the loss events named, and only by those', () => {
    expect(memberCountVerdict(10, 8, 2)).toMatchObject({ status: 'explained', drop: 2, unexplained: 0 });
    expect(memberCountVerdict(10, 8, 5)).toMatchObject({ status: 'explained', drop: 2, unexplained: 0 });
    expect(memberCountVerdict(10, 7, 1)).toEqual({
      status: 'unexplained',
      previous: 10,
      drop: 3,
      explained: 1,
      unexplained: 2,
    });
    expect(memberCountVerdict(10, 9, 0)).toMatchObject({ status: 'unexplained', unexplained: 1 });
  });
});

describe('Function: statisticsLine', () => {
  it("states GuardDuty's count with the runtime features and when it was taken", () => {
    const line = statisticsLine({
      status: 'read',
      statistics: {
        totalAccounts: 121,
        memberAccounts: 120,
        activeAccounts: 120,
        enabledAccounts: 118,
        enabledByFeature: { RUNTIME_MONITORING: 117, 'RUNTIME_MONITORING.EKS_ADDON_MANAGEMENT': 116 },
        updatedAt: '2026-11-20T08:00:00.000Z',
      },
    });
    expect(line).toBe(
      'GuardDuty counts 120 member accounts, 118 with GuardDuty enabled; RUNTIME_MONITORING in 117 (EKS agent management in 116) (as of 2026-11-20T08:00:00.000Z; it may lag up to 24 h)',
    );
  });

  it('says when the count is unavailable and why', () => {
    expect(statisticsLine({ status: 'unavailable', reason: 'AccessDeniedException: no' })).toBe(
      "GuardDuty's own count is unavailable (AccessDeniedException: no)",
    );
  });
});

describe('Function: triage (loss paths)', () => {
  const verdict = (eventName: string, scope: ResponderScope, overrides: Partial<ApiCallInput> = {}) =>
    triage(lossCall(eventName, overrides), SELF, true, scope);

  it.each([
    ['DisassociateMembers', 'disassociated'],
    ['DeleteMembers', 'deleted'],
    ['StopMonitoringMembers', 'monitoring-stopped'],
    ['DisableOrganizationAdminAccount', 'administrator-removed'],
    ['DisassociateFromAdministratorAccount', 'left-administrator'],
  ] as const)('organization scope acts on %s', (eventName, kind) => {
    expect(verdict(eventName, 'organization')).toEqual({ action: 'organization-loss', kind });
  });

  it.each(['DisassociateMembers', 'DeleteMembers', 'StopMonitoringMembers'])(
    'account scope leaves the administrator call %s alone, saying where to deploy',
    (eventName) => {
      expect(verdict(eventName, 'account')).toEqual({
        action: 'ignore',
        reason: expect.stringContaining('RESPONDER_SCOPE=organization'),
      });
    },
  );

  it('account scope reports the member side and the removal of the administrator (the management account)', () => {
    expect(verdict('DisassociateFromMasterAccount', 'account')).toEqual({
      action: 'organization-loss',
      kind: 'left-administrator',
    });
    expect(verdict('DisableOrganizationAdminAccount', 'account')).toEqual({
      action: 'organization-loss',
      kind: 'administrator-removed',
    });
  });

  it('routes a denied call too (reported as an attempt downstream)', () => {
    expect(verdict('DeleteMembers', 'organization', { errorCode: 'AccessDenied' })).toEqual({
      action: 'organization-loss',
      kind: 'deleted',
    });
  });

  it('ignores a loss call of another account or Region first', () => {
    expect(verdict('DeleteMembers', 'organization', { accountId: '999999999999' }).action).toBe('ignore');
    expect(verdict('DeleteMembers', 'organization', { region: 'eu-west-1' }).action).toBe('ignore');
  });
});
