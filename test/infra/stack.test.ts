// infra/stack.ts and infra/trail.ts: the stacks of the app, one per Region, the trail in the first only, and the
// optional parts left out by default.
import type { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { FULL_CONTEXT, synthFirst, synthStacks } from './synth.js';

// The bundled CloudFormation validator costs ~1.8 s per synth; nag.test.ts keeps one synth with it on.
process.env.CDK_VALIDATION = 'false';

describe('Construct: GuardDutyDriftResponder (full configuration)', () => {
  let template: Template;

  beforeAll(() => {
    template = synthFirst({ ...FULL_CONTEXT }).template;
  });

  describe('the trail', () => {
    it("is multi-Region, validated and KMS-encrypted, in the first Region's stack only", () => {
      template.hasResourceProperties('AWS::CloudTrail::Trail', {
        IsMultiRegionTrail: true,
        IncludeGlobalServiceEvents: true,
        EnableLogFileValidation: true,
        IsLogging: true,
        KMSKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^TrailKey'), 'Arn'] },
      });
      const [, second] = synthStacks({ ...FULL_CONTEXT });
      expect(second).toBeDefined();
      Template.fromStack(second as Stack).resourceCountIs('AWS::CloudTrail::Trail', 0);
    });

    // Without these statements CloudTrail cannot use the key and creating the trail fails (aws-cdk #3822, #23391).
    it('lets CloudTrail encrypt with its key, for trails of this account only, and describe the key', () => {
      const key = Object.values(template.findResources('AWS::KMS::Key')).find((resource) =>
        JSON.stringify(resource).includes('CloudTrail log files'),
      );
      expect(key).toBeDefined();
      const statements =
        (key?.Properties as { KeyPolicy?: { Statement?: Record<string, unknown>[] } } | undefined)?.KeyPolicy
          ?.Statement ?? [];
      const cloudTrail = statements.filter(
        (statement) =>
          JSON.stringify(statement.Principal) === JSON.stringify({ Service: 'cloudtrail.amazonaws.com' }),
      );
      expect(cloudTrail).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            Effect: 'Allow',
            Action: 'kms:GenerateDataKey*',
            Condition: {
              StringLike: {
                'kms:EncryptionContext:aws:cloudtrail:arn': {
                  'Fn::Join': [
                    '',
                    [
                      'arn:',
                      { Ref: 'AWS::Partition' },
                      ':cloudtrail:*:',
                      { Ref: 'AWS::AccountId' },
                      ':trail/*',
                    ],
                  ],
                },
                'aws:SourceArn': {
                  'Fn::Join': [
                    '',
                    [
                      'arn:',
                      { Ref: 'AWS::Partition' },
                      ':cloudtrail:*:',
                      { Ref: 'AWS::AccountId' },
                      ':trail/*',
                    ],
                  ],
                },
              },
            },
          }),
          expect.objectContaining({ Effect: 'Allow', Action: 'kms:DescribeKey' }),
        ]),
      );
    });

    it('writes to a private, TLS-only bucket that logs its access and survives the stack', () => {
      const buckets = template.findResources('AWS::S3::Bucket', {
        Properties: { LoggingConfiguration: Match.anyValue() },
      });
      const entries = Object.values(buckets);
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({
        DeletionPolicy: 'Retain',
        Properties: {
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: true,
            BlockPublicPolicy: true,
            IgnorePublicAcls: true,
            RestrictPublicBuckets: true,
          },
          BucketEncryption: expect.anything(),
        },
      });
    });
  });
});

describe('Construct: GuardDutyDriftResponder (defaults)', () => {
  let template: Template;

  beforeAll(() => {
    template = synthFirst().template;
  });

  it('synthesizes one environment-agnostic stack when no Region is configured', () => {
    const stacks = synthStacks();
    expect(stacks.map((s) => s.stackName)).toEqual(['GuardDutyDriftResponder']);
    expect(stacks[0]?.environment).toBe('aws://unknown-account/unknown-region');
  });

  it('creates no subscription, Slack channel or trail', () => {
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    template.resourceCountIs('AWS::Chatbot::SlackChannelConfiguration', 0);
    template.resourceCountIs('AWS::CloudTrail::Trail', 0);
    template.resourceCountIs('AWS::S3::Bucket', 0);
  });

  it('names one stack per configured Region, each deployed to its Region', () => {
    const stacks = synthStacks({ regions: 'eu-west-1,ap-southeast-2' });
    expect(stacks.map((s) => [s.stackName, s.region])).toEqual([
      ['GuardDutyDriftResponder-eu-west-1', 'eu-west-1'],
      ['GuardDutyDriftResponder-ap-southeast-2', 'ap-southeast-2'],
    ]);
  });
});
