import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { inEnvelope, type Json, realFixture, syntheticFixture } from '../support/fixtures.js';
import { createRuleUnderTest, type Entry, type RuleUnderTest } from '../support/moto-rule.js';
import { synthFirst } from './synth.js';

process.env.CDK_VALIDATION = 'false';

// moto keeps state per Region: this file owns sa-east-1, so files running in parallel never share rules or queues.
const region = 'sa-east-1';
const RULE = 'drift-responder-pattern-under-test';
const SENTINEL_ID = 'sentinel';

/** PutEvents entry for a whole EventBridge event (envelope + detail), marked with `marker` in `detail.eventID`. */
function entryOf(event: Json, marker: string): Entry {
  const detail = { ...(event.detail as Json), eventID: marker };
  return {
    Source: String(event.source),
    DetailType: String(event['detail-type']),
    Detail: JSON.stringify(detail),
  };
}

/** A fixture with another eventName: no public record of the organization calls exists (SOURCES.md). */
function renamed(event: Json, eventName: string): Json {
  return { ...event, detail: { ...(event.detail as Json), eventName } };
}

const synthetic = (name: string) => syntheticFixture(`${name}.synthetic.json`);

describe('EventBridge rule pattern (as synthesized), run by moto EventBridge', () => {
  let rule: RuleUnderTest;

  beforeAll(async () => {
    const pattern = Object.values(synthFirst().template.findResources('AWS::Events::Rule')).find(
      (candidate) => candidate.Properties.EventPattern !== undefined,
    )?.Properties.EventPattern;
    expect(pattern).toBeDefined();
    rule = await createRuleUnderTest({ endpoint: inject('motoEndpoint'), region, name: RULE, pattern });
  });

  afterAll(async () => {
    await rule.close();
  });

  /** Sends the entries in order (PutEvents takes 10 a call) and returns the markers delivered, once `until` are in. */
  async function deliveredMarkers(entries: readonly Entry[], until: readonly string[]): Promise<string[]> {
    expect(await rule.send(entries)).toBe(0);
    return rule.poll(until, (delivered) => delivered.detail?.eventID);
  }

  const updateDetector = () => synthetic('UpdateDetector.disable-runtime-monitoring');
  const createSampleFindings = () =>
    realFixture('cloudtrail/CreateSampleFindings.eventbridge-envelope.o7conseils.json');

  const supported: [string, () => Json][] = [
    [
      'CreateDetector (real CloudTrail record)',
      () => inEnvelope(realFixture('cloudtrail/CreateDetector.cloudtrail.elastic-integrations.json')),
    ],
    [
      'DeleteDetector (real CloudTrail record)',
      () => inEnvelope(realFixture('cloudtrail/DeleteDetector.cloudtrail.elastic-integrations.json')),
    ],
    ['UpdateDetector disabling RUNTIME_MONITORING', updateDetector],
    [
      'UpdateDetector disabling EKS_RUNTIME_MONITORING',
      () => synthetic('UpdateDetector.disable-eks-runtime-monitoring'),
    ],
    ['UpdateDetector suspending the detector', () => synthetic('UpdateDetector.suspend-detector')],
    [
      'UpdateDetector that failed with AccessDenied (errorCode)',
      () => synthetic('UpdateDetector.denied-disable'),
    ],
    ['UpdateDetector made by the responder itself', () => synthetic('UpdateDetector.responder-own-enable')],
    ['UpdateMemberDetectors', () => renamed(updateDetector(), 'UpdateMemberDetectors')],
    ['UpdateOrganizationConfiguration', () => renamed(updateDetector(), 'UpdateOrganizationConfiguration')],
    ['TagResource setting the exemption tags', () => synthetic('TagResource.set-exemption')],
    ['UntagResource removing the exemption tags', () => synthetic('UntagResource.remove-exemption')],
    // The organization loss paths, administrator and member side (docs/organizations.md).
    ['DisassociateMembers', () => synthetic('DisassociateMembers.two-members')],
    [
      'DisassociateMembers that failed (errorCode)',
      () => synthetic('DisassociateMembers.denied-auto-enable-all'),
    ],
    ['DeleteMembers', () => synthetic('DeleteMembers.one-member')],
    ['StopMonitoringMembers', () => synthetic('StopMonitoringMembers.two-members')],
    [
      'DisableOrganizationAdminAccount (management account)',
      () => synthetic('DisableOrganizationAdminAccount.management-account'),
    ],
    [
      'DisassociateFromAdministratorAccount (member account)',
      () => synthetic('DisassociateFromAdministratorAccount.member-leaves'),
    ],
    [
      'DisassociateFromMasterAccount (the older name, still recorded)',
      () =>
        renamed(
          synthetic('DisassociateFromAdministratorAccount.member-leaves'),
          'DisassociateFromMasterAccount',
        ),
    ],
  ];

  const unsupported: [string, () => Json][] = [
    ['CreateSampleFindings (real EventBridge event)', createSampleFindings],
    [
      'an IAM-style eventName "guardduty:UpdateDetector"',
      () => renamed(updateDetector(), 'guardduty:UpdateDetector'),
    ],
    ['a read-only GuardDuty call (GetDetector)', () => renamed(updateDetector(), 'GetDetector')],
    [
      "the responder's own restores (StartMonitoringMembers, not watched)",
      () => renamed(synthetic('StopMonitoringMembers.two-members'), 'StartMonitoringMembers'),
    ],
    [
      "another service's CloudTrail event with the same eventName",
      () => ({
        ...updateDetector(),
        source: 'aws.securityhub',
        detail: { ...(updateDetector().detail as Json), eventSource: 'securityhub.amazonaws.com' },
      }),
    ],
    [
      "a GuardDuty source with another service's eventSource",
      () => ({
        ...updateDetector(),
        detail: { ...(updateDetector().detail as Json), eventSource: 'iam.amazonaws.com' },
      }),
    ],
    ['a GuardDuty finding', () => ({ ...createSampleFindings(), 'detail-type': 'GuardDuty Finding' })],
    [
      'the scheduled sweep event (the schedule rule handles it)',
      () => syntheticFixture('ScheduledEvent.sweep.synthetic.json'),
    ],
  ];

  describe('delivers every event the handler supports', () => {
    let delivered: string[];

    beforeAll(async () => {
      delivered = await deliveredMarkers(
        supported.map(([name, event]) => entryOf(event(), name)),
        supported.map(([name]) => name),
      );
    });

    it.each(supported)('%s', (name) => {
      expect(delivered.filter((marker) => marker === name)).toEqual([name]);
    });

    it('and nothing else', () => {
      expect([...delivered].sort()).toEqual(supported.map(([name]) => name).sort());
    });

    it('keeps the errorCode of a failed call in the delivered event', async () => {
      // Act
      expect(await rule.send([entryOf(synthetic('UpdateDetector.denied-disable'), 'denied')])).toBe(0);
      const received = await rule.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: rule.queueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 1 }),
      );

      // Assess
      const [message] = received.Messages ?? [];
      expect(JSON.parse(message?.Body ?? '{}')).toMatchObject({
        source: 'aws.guardduty',
        'detail-type': 'AWS API Call via CloudTrail',
        detail: { eventName: 'UpdateDetector', errorCode: 'AccessDenied', eventID: 'denied' },
      });
      await rule.ack(received.Messages ?? []);
    });
  });

  describe('does not deliver other events (a supported sentinel sent after them is the only delivery)', () => {
    let delivered: string[];

    beforeAll(async () => {
      // PutEvents takes at most 10 entries: eight others, then the sentinel.
      delivered = await deliveredMarkers(
        [
          ...unsupported.map(([name, event]) => entryOf(event(), name)),
          entryOf(updateDetector(), SENTINEL_ID),
        ],
        [SENTINEL_ID],
      );
    });

    it.each(unsupported)('%s', (name) => {
      expect(delivered).not.toContain(name);
    });

    it('while the sentinel itself arrives', () => {
      expect(delivered).toEqual([SENTINEL_ID]);
    });
  });
});
