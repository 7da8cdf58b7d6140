/*
 * Hostile events, end to end through the real Lambda entry point (mocked SDK clients): text an attacker controls in a
 * CloudTrail event (errorMessage, detector id, member account ids, user agent, principal) must not forge a line in any
 * rendering of the alert, and an event as large as EventBridge allows must still page within SNS's limit.
 */
import { Buffer } from 'node:buffer';
import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetDetectorCommand, UpdateDetectorCommand } from '@aws-sdk/client-guardduty';
import { PublishCommand, type PublishCommandInput } from '@aws-sdk/client-sns';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import {
  expectNoForgery,
  FORGED_OUTCOME,
  FORGED_WHO,
  forged,
  type Renderings,
  renderingsOf,
} from '../alerts/hostile-text.js';
import { expectWellFormedAlert } from '../support/alert-assertions.js';
import {
  DRIFTED,
  FakeStateTable,
  mockAws,
  PROTECTED,
  publishedInputs,
  resetAws,
} from '../support/aws-mocks.js';
import { type Json, syntheticFixture } from '../support/fixtures.js';
import { coldStart } from '../support/mocked-responder.js';

const DETECTOR = '0ab12cd34ef56ab78cd90ef12ab34cd5';
const PRINCIPAL = 'arn:aws:sts::123456789012:assumed-role/PlatformAdmin/alice@example.com';
const DENIED = 'UpdateDetector.denied-disable.synthetic.json';
const DISABLE_RUNTIME = 'UpdateDetector.disable-runtime-monitoring.synthetic.json';
const DENIED_MEMBERS = 'UpdateMemberDetectors.disable-runtime-monitoring.synthetic.json';

/** SNS refuses a Publish whose request (message, subject, attributes) exceeds 262,144 bytes. */
const SNS_LIMIT = 262_144;

const aws = mockAws();

function publishBytes(input: Partial<PublishCommandInput>): number {
  const attributes = Object.entries(input.MessageAttributes ?? {}).reduce(
    (sum, [name, value]) =>
      sum +
      Buffer.byteLength(name) +
      Buffer.byteLength(value.DataType ?? '') +
      Buffer.byteLength(value.StringValue ?? ''),
    0,
  );
  return Buffer.byteLength(input.Message ?? '') + Buffer.byteLength(input.Subject ?? '') + attributes;
}

beforeEach(() => {
  resetAws(aws);
  new FakeStateTable(aws);
  // As SNS does: a request over the limit is refused, so an oversize alert is a lost page.
  aws.sns.on(PublishCommand).callsFake((input: PublishCommandInput) => {
    if (publishBytes(input) > SNS_LIMIT) {
      throw Object.assign(new Error('Invalid parameter: Message too long'), {
        name: 'InvalidParameterException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      });
    }
    return { MessageId: 'message-1' };
  });
  aws.cloudWatch.on(PutMetricDataCommand).resolves({});
});

afterAll(() => {
  aws.guardDuty.restore();
  aws.sns.restore();
  aws.cloudWatch.restore();
  aws.dynamoDb.restore();
});

/** A synthetic fixture with fields of its CloudTrail `detail` replaced. */
function variantOf(fixture: string, detail: (record: Json) => Json): Json {
  const event = syntheticFixture(fixture);
  return { ...event, detail: detail(event.detail as Json) };
}

/** The one Publish of the invocation, its Message and the per-protocol renderings. */
function onlyPublish(): { input: PublishCommandInput | undefined; message: string; renderings: Renderings } {
  const inputs = publishedInputs(aws);
  expect(inputs).toHaveLength(1);
  const input = inputs[0];
  const message = input?.Message ?? '{}';
  return { input, message, renderings: renderingsOf(message) };
}

describe('Function: handler, hostile text in the event', () => {
  it('a denied UpdateDetector cannot forge Outcome or Who lines through errorMessage, detectorId or the user agent', async () => {
    // Prepare: every line separator an e-mail or chat client may honour, and a bidi override
    const responder = await coldStart();
    const event = variantOf(DENIED, (record) => ({
      ...record,
      errorMessage: `denied${forged('\n')}${forged('\r\n')}${forged('\u2028')}${forged('\u0085')}`,
      userAgent: `aws-cli/2.22.4${forged('\u2029')}\u202egnp.exe`,
      requestParameters: {
        ...(record.requestParameters as Json),
        detectorId: `${DETECTOR}${forged('\n')}`,
      },
    }));

    // Act
    const result = await responder.invoke(event);

    // Assess
    expect(result).toMatchObject({ reports: [{ outcome: 'disable-denied' }] });
    expect(aws.guardDuty.calls()).toHaveLength(0);
    const { input, message } = onlyPublish();
    expectWellFormedAlert(input, { outcome: 'disable-denied', severity: 'high' });
    const { email, structured } = expectNoForgery(message, 'denied UpdateDetector');
    expect(email).toMatch(/^Outcome: {3}disable-denied, severity high$/m);
    expect(email).toMatch(
      /^Who: {7}arn:aws:sts::123456789012:assumed-role\/PlatformAdmin\/alice@example\.com \(AssumedRole\)$/m,
    );
    expect(email).toMatch(/^Detector: {2}invalid detector id "0ab12cd34ef56ab78cd90ef12ab34cd5x Outcome/m);
    expect(structured).toMatchObject({ detectorId: null, actor: PRINCIPAL });
    expect(message).not.toContain('\\u202e');
    expect(message).not.toContain('\u202e');
  });

  it('a denied UpdateMemberDetectors cannot forge lines through its member account ids (organization scope)', async () => {
    // Prepare
    const responder = await coldStart({ RESPONDER_SCOPE: 'organization' });
    const event = variantOf(DENIED_MEMBERS, (record) => ({
      ...record,
      errorCode: 'AccessDenied',
      errorMessage: `explicit deny${forged('\n')}`,
      requestParameters: {
        ...(record.requestParameters as Json),
        accountIds: ['111111111111', `222222222222${forged('\n')}`, `333333333333${forged('\u2028')}`],
      },
    }));

    // Act
    const result = await responder.invoke(event);

    // Assess
    expect(result).toMatchObject({ organization: { outcome: 'disable-denied', affectedAccounts: 3 } });
    expect(aws.guardDuty.calls()).toHaveLength(0);
    const { message } = onlyPublish();
    const { email, structured } = expectNoForgery(message, 'denied UpdateMemberDetectors');
    expect(email).toMatch(/^Outcome: {3}disable-denied, severity high$/m);
    expect(email).toContain('  - 111111111111: RUNTIME_MONITORING → DISABLED');
    expect(email).toMatch(/^ {2}- invalid account id "222222222222x Outcome: remediate \(succeeded\)/m);
    expect(structured.accounts).toMatchObject([
      { accountId: '111111111111' },
      { accountId: null, invalidAccountId: expect.stringMatching(/^222222222222x Outcome/) },
      { accountId: null, invalidAccountId: expect.stringMatching(/^333333333333x Outcome/) },
    ]);
  });

  it('a remediated drift cannot forge lines through a user agent with Unicode separators', async () => {
    // Prepare
    const responder = await coldStart();
    aws.guardDuty.on(GetDetectorCommand).resolvesOnce(DRIFTED).resolves(PROTECTED);
    aws.guardDuty.on(UpdateDetectorCommand).resolves({});
    const event = variantOf(DISABLE_RUNTIME, (record) => ({
      ...record,
      userAgent: `curl/8${forged('\u2028')}${forged('\u0085')}${forged('\u000b')}`,
    }));

    // Act
    const result = await responder.invoke(event);

    // Assess
    expect(result).toMatchObject({ reports: [{ outcome: 'remediate', remediation: 'succeeded' }] });
    const { message } = onlyPublish();
    const { email } = expectNoForgery(message, 'remediated drift');
    expect(email).toMatch(/^Outcome: {3}remediate \(succeeded\), severity high$/m);
    // Runs of spaces fold to one: padding cannot push forged text onto a line of its own either.
    const folded = (text: string) => text.replace(/ +/g, ' ');
    expect(email).toContain(
      `From:      203.0.113.24 using curl/8x ${folded(FORGED_OUTCOME)} ${folded(FORGED_WHO)}`,
    );
  });
});

describe('Function: handler, an event as large as EventBridge allows', () => {
  /** A denied disable whose errorMessage and request parameters together make the event about `kilobytes` KB. */
  function oversizeDenied(kilobytes: number): Json {
    const half = Math.floor((kilobytes * 1024) / 2);
    const event = variantOf(DENIED, (record) => ({
      ...record,
      errorMessage:
        `User: ${PRINCIPAL} is not authorized to perform: guardduty:UpdateDetector ${'with an explicit deny in a service control policy '.repeat(Math.ceil(half / 50))}`.slice(
          0,
          half,
        ),
      requestParameters: {
        detectorId: DETECTOR,
        features: [
          { name: 'RUNTIME_MONITORING', status: 'DISABLED' },
          ...Array.from({ length: Math.floor(half / 1_050) }, (_, index) => ({
            name: 'RUNTIME_MONITORING',
            status: `${index}`.padEnd(1_000, 'X'),
          })),
        ],
      },
    }));
    expect(Buffer.byteLength(JSON.stringify(event))).toBeGreaterThan(kilobytes * 1024 * 0.95);
    return event;
  }

  it.each([121, 250])(
    'pages a %s KB denied event once, within SNS limit, naming the actor and the outcome and saying what was cut',
    async (kilobytes) => {
      // Prepare
      const responder = await coldStart();
      const event = oversizeDenied(kilobytes);

      // Act
      const result = await responder.invoke(event);

      // Assess
      expect(result).toMatchObject({ reports: [{ outcome: 'disable-denied', messageId: 'message-1' }] });
      const { input, message, renderings } = onlyPublish();
      expect(publishBytes(input ?? {})).toBeLessThanOrEqual(SNS_LIMIT);
      expect(Buffer.byteLength(message)).toBeLessThanOrEqual(240 * 1024);
      expectWellFormedAlert(input, { outcome: 'disable-denied', severity: 'high' });
      const { email, structured } = renderings;
      expect(email).toMatch(/^Outcome: {3}disable-denied, severity high$/m);
      expect(email).toContain(`Who:       ${PRINCIPAL} (AssumedRole)`);
      expect(email).toContain(`Detector:  ${DETECTOR}`);
      expect(email).toMatch(/^ {2}Nothing: the call failed with AccessDenied \(User: arn:aws:sts::/m);
      expect(email).toContain("cut to fit SNS's 256 KB limit");
      expect(structured).toMatchObject({
        outcome: 'disable-denied',
        actor: PRINCIPAL,
        detectorId: DETECTOR,
        cut: expect.stringContaining("cut to fit SNS's 256 KB limit"),
      });
    },
  );
});
