import { describe, expect, it } from 'vitest';
import { parseEvent } from '../../handlers/events.js';
import { inEnvelope, realFixture, sweepEvent, syntheticFixture } from '../support/fixtures.js';

describe('Function: parseEvent', () => {
  it('parses the real CreateDetector record, taking the detector id from the response', () => {
    // Prepare
    const event = inEnvelope(realFixture('cloudtrail/CreateDetector.cloudtrail.elastic-integrations.json'));

    // Act
    const parsed = parseEvent(event);

    // Assess
    expect(parsed).toMatchObject({
      status: 'ok',
      input: {
        kind: 'api-call',
        eventName: 'CreateDetector',
        eventId: '5066c6b7-e140-4fc9-96bf-0a2ce3c90687',
        // The sample's recipientAccountId is 11 digits: kept as AWS sent it, never "fixed".
        accountId: '00000000000',
        region: 'us-east-1',
        detectorId: '82c919daa523bc69d203c24868c06849',
        actor: {
          type: 'IAMUser',
          principalArn: 'arn:aws:iam::00000000000:user/test@elastic.co',
          sourceIp: '216.160.83.56',
        },
        change: { suspendsDetector: false, deletesDetector: false },
      },
    });
  });

  it('parses the real DeleteDetector record as a deletion', () => {
    const parsed = parseEvent(
      inEnvelope(realFixture('cloudtrail/DeleteDetector.cloudtrail.elastic-integrations.json')),
    );

    expect(parsed).toMatchObject({
      status: 'ok',
      input: {
        eventName: 'DeleteDetector',
        detectorId: '82c919daa523bc69d203c24868c06849',
        change: { deletesDetector: true },
      },
    });
  });

  it('takes account and Region from the envelope when the record lacks them (real CreateSampleFindings event)', () => {
    const parsed = parseEvent(
      realFixture('cloudtrail/CreateSampleFindings.eventbridge-envelope.o7conseils.json'),
    );

    expect(parsed).toMatchObject({
      status: 'ok',
      input: {
        eventName: 'CreateSampleFindings',
        accountId: '303697492861',
        region: 'ca-central-1',
        detectorId: 'e8b2d11eace51dd009880267917bb379',
      },
    });
  });

  it('reads what an UpdateDetector request turned off', () => {
    const parsed = parseEvent(syntheticFixture('UpdateDetector.disable-runtime-monitoring.synthetic.json'));

    expect(parsed).toMatchObject({
      status: 'ok',
      input: {
        errorCode: undefined,
        change: {
          disabledFeatures: ['RUNTIME_MONITORING'],
          disabledAgentManagement: ['RUNTIME_MONITORING'],
          summary: ['RUNTIME_MONITORING → DISABLED', 'RUNTIME_MONITORING.EKS_ADDON_MANAGEMENT → DISABLED'],
        },
      },
    });
  });

  it('reads the member accounts of an UpdateMemberDetectors request', () => {
    const parsed = parseEvent(
      syntheticFixture('UpdateMemberDetectors.disable-runtime-monitoring.synthetic.json'),
    );

    expect(parsed).toMatchObject({
      status: 'ok',
      input: {
        eventName: 'UpdateMemberDetectors',
        memberAccountIds: ['111111111111', '222222222222'],
        change: { disabledFeatures: ['RUNTIME_MONITORING'] },
      },
    });
  });

  it('reads the auto-enable settings of an UpdateOrganizationConfiguration request', () => {
    const parsed = parseEvent(
      syntheticFixture('UpdateOrganizationConfiguration.auto-enable-none.synthetic.json'),
    );

    expect(parsed).toMatchObject({
      status: 'ok',
      input: {
        organizationFeatures: [
          {
            name: 'RUNTIME_MONITORING',
            autoEnable: 'NONE',
            additionalConfiguration: [{ name: 'EKS_ADDON_MANAGEMENT', autoEnable: 'NONE' }],
          },
        ],
        change: {
          summary: [
            'RUNTIME_MONITORING auto-enable → NONE',
            'RUNTIME_MONITORING.EKS_ADDON_MANAGEMENT auto-enable → NONE',
          ],
        },
      },
    });
  });

  it('keeps the error of a failed call', () => {
    const parsed = parseEvent(syntheticFixture('UpdateDetector.denied-disable.synthetic.json'));

    expect(parsed).toMatchObject({
      status: 'ok',
      input: { errorCode: 'AccessDenied', errorMessage: expect.stringContaining('explicit deny') },
    });
  });

  it('recognises the sweep schedule', () => {
    expect(parseEvent(sweepEvent('eu-west-1', 'run-1'))).toEqual({
      status: 'ok',
      input: {
        kind: 'sweep',
        eventId: 'run-1',
        eventTime: '2026-11-20T09:30:00Z',
        accountId: '123456789012',
        region: 'eu-west-1',
      },
    });
  });

  it('calls another service’s event unsupported, with the reason', () => {
    const event = {
      ...sweepEvent('eu-west-1'),
      source: 'aws.ec2',
      'detail-type': 'EC2 Instance State-change Notification',
    };

    expect(parseEvent(event)).toMatchObject({
      status: 'unsupported',
      reason: expect.stringContaining('aws.ec2'),
    });
  });

  it.each([
    'us-east-1',
    'ap-southeast-5',
    'us-gov-west-1',
    'cn-northwest-1',
    'us-isob-east-1',
    // The AWS European Sovereign Cloud: a four-letter partition prefix.
    'eusc-de-east-1',
  ])('reads a sweep in %s (every partition the SDK knows)', (region) => {
    expect(parseEvent(sweepEvent(region, 'sweep-1'))).toMatchObject({ status: 'ok' });
  });

  it.each([
    ['not an object', 'UpdateDetector'],
    ['null', null],
    ['no envelope', realFixture('cloudtrail/DeleteDetector.cloudtrail.elastic-integrations.json')],
    [
      'a bad Region',
      { ...syntheticFixture('UpdateDetector.suspend-detector.synthetic.json'), region: 'mars-1' },
    ],
    [
      'a detail without eventID',
      (() => {
        const event = syntheticFixture('UpdateDetector.suspend-detector.synthetic.json');
        const { eventID: _dropped, ...detail } = event.detail as Record<string, unknown>;
        return { ...event, detail };
      })(),
    ],
    [
      'features that are not a list',
      (() => {
        const event = syntheticFixture('UpdateDetector.suspend-detector.synthetic.json');
        return {
          ...event,
          detail: {
            ...(event.detail as object),
            requestParameters: { detectorId: 'd', features: 'RUNTIME_MONITORING' },
          },
        };
      })(),
    ],
    [
      'another event source inside a GuardDuty envelope',
      (() => {
        const event = syntheticFixture('UpdateDetector.suspend-detector.synthetic.json');
        return { ...event, detail: { ...(event.detail as object), eventSource: 'ec2.amazonaws.com' } };
      })(),
    ],
  ])('rejects %s as invalid and says where', (_name, event) => {
    const parsed = parseEvent(event);

    expect(parsed.status).toBe('invalid');
    if (parsed.status === 'invalid') expect(parsed.problems.length).toBeGreaterThan(0);
  });
});
