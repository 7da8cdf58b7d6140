// handlers/events.ts on the loss calls' CloudTrail records (synthetic, test/fixtures/SOURCES.md).
import { describe, expect, it } from 'vitest';
import { parseEvent } from '../../handlers/events.js';
import { type Json, syntheticFixture } from '../support/fixtures.js';

const fixture = (name: string) => syntheticFixture(`${name}.synthetic.json`);

describe('Function: parseEvent (organization loss calls)', () => {
  it('takes the accounts a DisassociateMembers names, once each, as they came (validated downstream)', () => {
    const event = fixture('DisassociateMembers.two-members');
    ((event.detail as Json).requestParameters as Json).accountIds = [
      '111111111111',
      '222222222222',
      '111111111111',
      'not-an-account',
    ];

    expect(parseEvent(event)).toMatchObject({
      status: 'ok',
      input: {
        eventName: 'DisassociateMembers',
        accountId: '123456789012',
        detectorId: '0ab12cd34ef56ab78cd90ef12ab34cd5',
        memberAccountIds: ['111111111111', '222222222222', 'not-an-account'],
        errorCode: undefined,
      },
    });
  });

  it('keeps the errorCode of a denied call', () => {
    expect(parseEvent(fixture('DisassociateMembers.denied-auto-enable-all'))).toMatchObject({
      status: 'ok',
      input: { errorCode: 'BadRequestException', memberAccountIds: ['111111111111', '222222222222'] },
    });
  });

  it('takes the administrator DisableOrganizationAdminAccount removed, in the management account', () => {
    expect(parseEvent(fixture('DisableOrganizationAdminAccount.management-account'))).toMatchObject({
      status: 'ok',
      input: { accountId: '999999999999', adminAccountId: '123456789012', detectorId: undefined },
    });
  });

  it("reads a member's DisassociateFromAdministratorAccount in the member account, with its detector", () => {
    expect(parseEvent(fixture('DisassociateFromAdministratorAccount.member-leaves'))).toMatchObject({
      status: 'ok',
      input: {
        accountId: '111111111111',
        detectorId: '1cd23ef45ab67cd89ef01ab23cd45ef6',
        memberAccountIds: undefined,
      },
    });
  });

  it('refuses an accountIds that is not a list of strings (input that claims to be ours is never dropped)', () => {
    const event = fixture('StopMonitoringMembers.two-members');
    ((event.detail as Json).requestParameters as Json).accountIds = [111111111111];

    expect(parseEvent(event)).toMatchObject({
      status: 'invalid',
      problems: [expect.stringContaining('detail.requestParameters.accountIds.0')],
    });
  });

  it('refuses an adminAccountId that is not a string', () => {
    const event = fixture('DisableOrganizationAdminAccount.management-account');
    ((event.detail as Json).requestParameters as Json).adminAccountId = { id: '123456789012' };

    expect(parseEvent(event)).toMatchObject({ status: 'invalid' });
  });
});
