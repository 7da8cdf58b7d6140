import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetDetectorCommand, ListDetectorsCommand, UpdateDetectorCommand } from '@aws-sdk/client-guardduty';
import { PublishCommand } from '@aws-sdk/client-sns';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRIFTED, FakeStateTable, mockAws, resetAws } from '../support/aws-mocks.js';
import {
  inEnvelope,
  type Json,
  RESPONDER_ROLE_ARN,
  realFixture,
  retarget,
  syntheticFixture,
} from '../support/fixtures.js';
import { ACCOUNT, coldStart, type MockedResponder, REGION } from '../support/mocked-responder.js';

const NUM_RUNS = 200;
const DETECTOR = '0ab12cd34ef56ab78cd90ef12ab34cd5';
const ALICE = 'arn:aws:sts::123456789012:assumed-role/PlatformAdmin/alice@example.com';
const RESPONDER_SESSION =
  'arn:aws:sts::123456789012:assumed-role/GuardDutyDriftResponderRole/guardduty-drift-responder';
const RESPONDER_AGENT =
  'aws-sdk-js/3.1169.0 ua/2.1 lang/js api/guardduty#3.1169.0 guardduty-drift-responder/0.1.0';
const CLI_AGENT = 'aws-cli/2.22.4 md/command#guardduty.update-detector';
const REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d$/;

const aws = mockAws();

/**
 * The worst case for these properties: every detector reads as drifted, so any event that got as far as a decision
 * would lead to an UpdateDetector call.
 */
function armAws(): void {
  resetAws(aws);
  new FakeStateTable(aws);
  aws.guardDuty.on(GetDetectorCommand).resolves(DRIFTED);
  aws.guardDuty.on(ListDetectorsCommand).resolves({ DetectorIds: [DETECTOR] });
  aws.guardDuty.on(UpdateDetectorCommand).resolves({});
  aws.sns.on(PublishCommand).resolves({ MessageId: 'message-1' });
  aws.cloudWatch.on(PutMetricDataCommand).resolves({});
}

afterAll(() => {
  aws.guardDuty.restore();
  aws.sns.restore();
  aws.cloudWatch.restore();
  aws.dynamoDb.restore();
});

/** Ignored: the unsupported-event shape, or every detector report ignored. */
function isIgnored(result: unknown): boolean {
  if (typeof result !== 'object' || result === null) return false;
  if ('ignored' in result) return typeof result.ignored === 'string';
  if (!('reports' in result) || !Array.isArray(result.reports)) return false;
  return result.reports.every(
    (report: unknown) =>
      typeof report === 'object' && report !== null && 'outcome' in report && report.outcome === 'ignored',
  );
}

type Settled = { status: 'rejected'; name: string } | { status: 'resolved'; ignored: boolean };

async function settle(responder: MockedResponder, event: unknown): Promise<Settled> {
  try {
    return { status: 'resolved', ignored: isIgnored(await responder.invoke(event)) };
  } catch (error) {
    return { status: 'rejected', name: error instanceof Error ? error.name : String(error) };
  }
}

/** The properties' common conclusion: rejected as invalid or resolved as ignored, and GuardDuty never written. */
function expectHarmless(settled: Settled): void {
  expect(aws.guardDuty.commandCalls(UpdateDetectorCommand)).toHaveLength(0);
  if (settled.status === 'rejected') expect(settled.name).toBe('InvalidEventError');
  else expect(settled.ignored).toBe(true);
}

// ---------------------------------------------------------------------------------------------------------------
// Mutations of valid events: each one breaks the event (invalid) or makes it none of the responder's business

type Path = readonly string[];
type Mutation =
  | { readonly path: Path; readonly kind: 'drop' }
  | { readonly path: Path; readonly value: unknown };

const wrongType = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.jsonValue(), { maxLength: 2 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue(), { maxKeys: 2 }),
);
const notARegion = fc.string({ maxLength: 20 }).filter((text) => !REGION_NAME.test(text));
const notOurs = (own: string) => fc.string({ maxLength: 30 }).filter((text) => text !== own);
const unsupportedName = fc
  .oneof(
    fc.constantFrom(
      'UpdateMemberDetectors',
      'UpdateOrganizationConfiguration',
      'CreateSampleFindings',
      'TagResource',
    ),
    fc.string({ maxLength: 30 }),
  )
  .filter((name) => !['UpdateDetector', 'CreateDetector', 'DeleteDetector'].includes(name));

/** For each field the schema requires, the replacements that cannot leave a valid event for this responder. */
const BREAKING: readonly [Path, fc.Arbitrary<unknown>][] = [
  [['id'], fc.oneof(wrongType, fc.constant(''))],
  [['source'], fc.oneof(wrongType, notOurs('aws.guardduty'))],
  [['detail-type'], fc.oneof(wrongType, notOurs('AWS API Call via CloudTrail'))],
  [['account'], fc.oneof(wrongType, fc.constant(''))],
  [['time'], wrongType],
  [['region'], fc.oneof(wrongType, notARegion)],
  [['detail'], fc.oneof(wrongType, fc.constant(undefined))],
  [['detail', 'eventSource'], fc.oneof(wrongType, notOurs('guardduty.amazonaws.com'))],
  [['detail', 'eventName'], fc.oneof(wrongType, unsupportedName)],
  [['detail', 'eventID'], fc.oneof(wrongType, fc.constant(''))],
  [['detail', 'eventTime'], wrongType],
  [
    ['detail', 'requestParameters', 'detectorId'],
    fc.oneof(fc.integer(), fc.boolean(), fc.array(fc.string())),
  ],
  [['detail', 'requestParameters', 'enable'], fc.oneof(fc.integer(), fc.string(), fc.constant(null))],
  [
    ['detail', 'requestParameters', 'features'],
    fc.oneof(fc.integer(), fc.string(), fc.dictionary(fc.string(), fc.string())),
  ],
];

/** Request parameters are optional: dropping one leaves a valid event, so they are only ever retyped. */
const isOptional = (path: Path) => path[1] === 'requestParameters';

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  ...BREAKING.map(([path, replacement]) => {
    const replace = replacement.map((value): Mutation => ({ path, value }));
    return isOptional(path) ? replace : fc.oneof(fc.constant<Mutation>({ path, kind: 'drop' }), replace);
  }),
);

function mutate(event: Json, mutations: readonly Mutation[]): Json {
  const copy = structuredClone(event);
  for (const mutation of mutations) {
    const parentPath = mutation.path.slice(0, -1);
    const field = mutation.path.at(-1) ?? '';
    let parent: unknown = copy;
    for (const step of parentPath) {
      parent = typeof parent === 'object' && parent !== null ? (parent as Json)[step] : undefined;
    }
    // An earlier mutation already broke an ancestor: the event stays broken.
    if (typeof parent !== 'object' || parent === null || Array.isArray(parent)) continue;
    if ('kind' in mutation) {
      delete (parent as Json)[field];
    } else {
      (parent as Json)[field] = mutation.value;
    }
  }
  return copy;
}

const VALID_EVENTS: readonly (() => Json)[] = [
  () => syntheticFixture('UpdateDetector.disable-runtime-monitoring.synthetic.json'),
  () => syntheticFixture('UpdateDetector.disable-eks-runtime-monitoring.synthetic.json'),
  () => syntheticFixture('UpdateDetector.suspend-detector.synthetic.json'),
  () => syntheticFixture('UpdateDetector.denied-disable.synthetic.json'),
  () => syntheticFixture('UpdateDetector.responder-own-enable.synthetic.json'),
  () =>
    retarget(inEnvelope(realFixture('cloudtrail/DeleteDetector.cloudtrail.elastic-integrations.json')), {
      account: ACCOUNT,
      region: REGION,
    }),
];

// ---------------------------------------------------------------------------------------------------------------
// Well-formed CloudTrail events

const runtimeName = fc.constantFrom('RUNTIME_MONITORING', 'EKS_RUNTIME_MONITORING');
const anyFeatureName = fc.oneof(
  runtimeName,
  fc.constantFrom('S3_DATA_EVENTS', 'EKS_AUDIT_LOGS', 'AI_PROTECTION'),
  fc.string({ maxLength: 20 }),
);
const anyStatus = fc.constantFrom('ENABLED', 'DISABLED');

const anyRequest = fc.record(
  {
    enable: fc.boolean(),
    features: fc.array(
      fc.record(
        {
          name: anyFeatureName,
          status: anyStatus,
          additionalConfiguration: fc.array(
            fc.record({
              name: fc.constantFrom('EKS_ADDON_MANAGEMENT', 'EC2_AGENT_MANAGEMENT'),
              status: anyStatus,
            }),
            { maxLength: 2 },
          ),
        },
        { requiredKeys: ['name'] },
      ),
      { maxLength: 3 },
    ),
  },
  { requiredKeys: [] },
);

/** A request that adds protection at most: runtime features and agent management only ever ENABLED. */
const nonReducingRequest = fc.record(
  {
    enable: fc.constant(true),
    features: fc.array(
      fc.oneof(
        fc.record(
          {
            name: runtimeName,
            status: fc.constant('ENABLED'),
            additionalConfiguration: fc.array(
              fc.oneof(
                fc.record({ name: fc.constant('EKS_ADDON_MANAGEMENT'), status: fc.constant('ENABLED') }),
                fc.record({
                  name: fc.constantFrom('EC2_AGENT_MANAGEMENT', 'ECS_FARGATE_AGENT_MANAGEMENT'),
                  status: anyStatus,
                }),
              ),
              { maxLength: 3 },
            ),
          },
          { requiredKeys: ['name'] },
        ),
        fc.record({
          name: fc.constantFrom('S3_DATA_EVENTS', 'EKS_AUDIT_LOGS', 'RDS_LOGIN_EVENTS'),
          status: anyStatus,
        }),
      ),
      { maxLength: 3 },
    ),
  },
  { requiredKeys: [] },
);

interface CallSpec {
  readonly eventName: string;
  readonly request: Json;
  readonly errorCode?: string | undefined;
  readonly principalArn: string;
  readonly userAgent: string;
  readonly account: string;
  readonly region: string;
}

/** A CloudTrail record of a GuardDuty call in its EventBridge envelope, with account and Region in both places. */
function cloudTrailEvent(spec: CallSpec, index: number): Json {
  const base = syntheticFixture('UpdateDetector.disable-runtime-monitoring.synthetic.json');
  const detail = base.detail as Json;
  const { errorCode: _code, errorMessage: _message, ...rest } = detail;
  return {
    ...base,
    id: `property-envelope-${index}`,
    account: spec.account,
    region: spec.region,
    detail: {
      ...rest,
      eventName: spec.eventName,
      eventID: `property-event-${index}`,
      awsRegion: spec.region,
      recipientAccountId: spec.account,
      userAgent: spec.userAgent,
      userIdentity: {
        ...(detail.userIdentity as Json),
        arn: spec.principalArn,
        // The role behind the session: the responder's own role for its own session, Alice's otherwise.
        sessionContext: {
          sessionIssuer: {
            type: 'Role',
            arn:
              spec.principalArn === RESPONDER_SESSION
                ? RESPONDER_ROLE_ARN
                : 'arn:aws:iam::123456789012:role/PlatformAdmin',
          },
        },
      },
      requestParameters: { detectorId: DETECTOR, ...spec.request },
      ...(spec.errorCode ? { errorCode: spec.errorCode, errorMessage: 'denied' } : {}),
    },
  };
}

const otherAccount = fc.stringMatching(/^\d{12}$/).filter((account) => account !== ACCOUNT);
const otherRegion = fc.constantFrom('eu-west-1', 'us-west-2', 'ap-southeast-2', 'sa-east-1');

const elsewhere = fc.oneof(
  fc.record({ account: otherAccount, region: fc.constant(REGION) }),
  fc.record({ account: fc.constant(ACCOUNT), region: otherRegion }),
  fc.record({ account: otherAccount, region: otherRegion }),
);

const foreignCall: fc.Arbitrary<CallSpec> = fc
  .record({
    eventName: fc.oneof(
      fc.constantFrom('UpdateDetector', 'CreateDetector', 'DeleteDetector', 'UpdateMemberDetectors'),
      fc.string({ minLength: 1, maxLength: 30 }),
    ),
    request: anyRequest,
    errorCode: fc.option(fc.constantFrom('AccessDenied', 'BadRequestException'), { nil: undefined }),
    principalArn: fc.constantFrom(ALICE, RESPONDER_SESSION),
    userAgent: fc.constantFrom(CLI_AGENT, RESPONDER_AGENT),
    where: elsewhere,
  })
  .map(({ where, ...spec }) => ({ ...spec, ...where }));

/** In scope, but a call that cannot have changed EKS runtime protection for the worse. */
const harmlessLocalCall: fc.Arbitrary<CallSpec> = fc.oneof(
  // failed, and would only have added protection
  fc.record({
    eventName: fc.constantFrom('UpdateDetector', 'CreateDetector'),
    request: nonReducingRequest,
    errorCode: fc.constantFrom('AccessDenied', 'BadRequestException', 'InternalServerErrorException'),
    principalArn: fc.constantFrom(ALICE, RESPONDER_SESSION),
    userAgent: fc.constantFrom(CLI_AGENT, RESPONDER_AGENT),
    account: fc.constant(ACCOUNT),
    region: fc.constant(REGION),
  }),
  // the responder's own re-enable
  fc.record({
    eventName: fc.constant('UpdateDetector'),
    request: nonReducingRequest,
    errorCode: fc.constant(undefined),
    principalArn: fc.constant(RESPONDER_SESSION),
    userAgent: fc.constant(RESPONDER_AGENT),
    account: fc.constant(ACCOUNT),
    region: fc.constant(REGION),
  }),
  // not a call the responder acts on (organization level, or another operation), whatever it asked for
  fc.record({
    eventName: unsupportedName.filter((name) => name.length > 0),
    request: anyRequest,
    errorCode: fc.option(fc.constant('AccessDenied'), { nil: undefined }),
    principalArn: fc.constantFrom(ALICE, RESPONDER_SESSION),
    userAgent: fc.constantFrom(CLI_AGENT, RESPONDER_AGENT),
    account: fc.constant(ACCOUNT),
    region: fc.constant(REGION),
  }),
);

describe('Function: handler, properties', () => {
  let responder: MockedResponder;
  let counter = 0;
  beforeAll(async () => {
    responder = await coldStart({ RESPONDER_MODE: 'remediate' });
  });

  it('remediates the unbroken events under the same mocks (control: the properties below can fail)', async () => {
    // Prepare
    armAws();

    // Act
    for (const validEvent of VALID_EVENTS) await settle(responder, validEvent());

    // Assess
    // (The read-back still finds the detector drifted, so these remediations count as failed and reject.)
    // The four successful disables, suspends and the deletion's detector; not the denied call or the own re-enable.
    expect(aws.guardDuty.commandCalls(UpdateDetectorCommand)).toHaveLength(4);
  });

  it('never writes to GuardDuty for arbitrary input: it rejects it as invalid or ignores it', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.anything(), fc.jsonValue()), async (event) => {
        // Prepare
        armAws();

        // Act
        const settled = await settle(responder, event);

        // Assess
        expectHarmless(settled);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('rejects an EventBridge envelope from GuardDuty whose detail is arbitrary JSON', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (detail) => {
        // Prepare
        armAws();
        const event = {
          ...syntheticFixture('UpdateDetector.disable-runtime-monitoring.synthetic.json'),
          detail,
        };

        // Act
        const settled = await settle(responder, event);

        // Assess
        expect(settled).toEqual({ status: 'rejected', name: 'InvalidEventError' });
        expect(aws.guardDuty.calls()).toHaveLength(0);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('never writes to GuardDuty for a valid event broken by dropped, retyped or replaced fields', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...VALID_EVENTS),
        fc.uniqueArray(mutationArb, {
          minLength: 1,
          maxLength: 3,
          selector: (mutation) => mutation.path.join('.'),
        }),
        async (validEvent, mutations) => {
          // Prepare
          armAws();
          const event = mutate(validEvent(), mutations);

          // Act
          const settled = await settle(responder, event);

          // Assess
          expectHarmless(settled);
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it('ignores any well-formed GuardDuty call from another account or Region without calling AWS', async () => {
    await fc.assert(
      fc.asyncProperty(foreignCall, async (spec) => {
        // Prepare
        armAws();
        counter += 1;

        // Act
        const settled = await settle(responder, cloudTrailEvent(spec, counter));

        // Assess
        expect(settled).toEqual({ status: 'resolved', ignored: true });
        expect(aws.guardDuty.calls()).toHaveLength(0);
        expect(aws.sns.calls()).toHaveLength(0);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('ignores in-scope calls that cannot have reduced protection (failed, own, or not acted on) and never writes', async () => {
    await fc.assert(
      fc.asyncProperty(harmlessLocalCall, async (spec) => {
        // Prepare
        armAws();
        counter += 1;

        // Act
        const settled = await settle(responder, cloudTrailEvent(spec, counter));

        // Assess
        expect(settled).toEqual({ status: 'resolved', ignored: true });
        expect(aws.guardDuty.commandCalls(UpdateDetectorCommand)).toHaveLength(0);
        expect(aws.sns.calls()).toHaveLength(0);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
