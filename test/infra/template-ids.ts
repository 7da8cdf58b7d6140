import { Template } from 'aws-cdk-lib/assertions';
import { FULL_CONTEXT, synthStacks } from './synth.js';

/**
 * The configurations whose templates guard the logical ids (test/infra/logical-ids.test.ts): the app's defaults,
 * organization scope, and every optional part on (e-mails, Slack, trail, two Regions) in both scopes.
 */
export const GUARDED_CONFIGURATIONS: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  defaults: {},
  organization: { scope: 'organization', organizationAutoEnableTarget: 'NEW' },
  full: FULL_CONTEXT,
  fullOrganization: { ...FULL_CONTEXT, scope: 'organization' },
};

/**
 * Resources that hold state or evidence: CloudFormation must never replace them on an upgrade. A resource is
 * replaced when its logical id changes or when one of the listed properties changes (each is "Update requires:
 * Replacement" in the CloudFormation reference), so the guard keeps exactly those, with the deletion policies.
 */
export const STATEFUL_TYPES: Readonly<Record<string, readonly string[]>> = {
  'AWS::DynamoDB::Table': ['TableName', 'KeySchema', 'LocalSecondaryIndexes'],
  'AWS::KMS::Key': ['KeySpec', 'KeyUsage', 'MultiRegion'],
  'AWS::SNS::Topic': ['TopicName', 'FifoTopic'],
  'AWS::SQS::Queue': ['QueueName', 'FifoQueue'],
  'AWS::Logs::LogGroup': ['LogGroupName', 'LogGroupClass'],
  'AWS::S3::Bucket': ['BucketName', 'ObjectLockEnabled'],
  'AWS::CloudTrail::Trail': ['TrailName'],
};

/** What the guard keeps of one stack: every resource's type, and the replacement-relevant facts of stateful ones. */
export interface StackIds {
  readonly resources: Readonly<Record<string, string>>;
  readonly stateful: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Readonly<Record<string, unknown>>;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
}

/** The logical ids of one template, as {@link StackIds}. */
export function stackIds(template: Template): StackIds {
  const resources: Record<string, string> = {};
  const stateful: Record<string, Record<string, unknown>> = {};
  const entries = Object.entries(template.toJSON().Resources as Record<string, TemplateResource>);
  for (const [id, resource] of entries) {
    resources[id] = resource.Type;
    const replacing = STATEFUL_TYPES[resource.Type];
    if (replacing === undefined) continue;
    const facts: Record<string, unknown> = { Type: resource.Type };
    if (resource.DeletionPolicy !== undefined) facts.DeletionPolicy = resource.DeletionPolicy;
    if (resource.UpdateReplacePolicy !== undefined) facts.UpdateReplacePolicy = resource.UpdateReplacePolicy;
    for (const property of replacing) {
      const value = resource.Properties?.[property];
      if (value !== undefined) facts[property] = value;
    }
    stateful[id] = facts;
  }
  return { resources, stateful };
}

/** Configuration name → stack name → {@link StackIds}, for every guarded configuration (bundling skipped). */
export function guardedIds(): Record<string, Record<string, StackIds>> {
  return Object.fromEntries(
    Object.entries(GUARDED_CONFIGURATIONS).map(([name, context]) => [
      name,
      Object.fromEntries(
        synthStacks({ ...context }).map((stack) => [stack.stackName, stackIds(Template.fromStack(stack))]),
      ),
    ]),
  );
}

/** The whole templates of every guarded configuration, for a byte-level diff before and after a refactor. */
export function guardedTemplates(): Record<string, Record<string, unknown>> {
  return Object.fromEntries(
    Object.entries(GUARDED_CONFIGURATIONS).map(([name, context]) => [
      name,
      Object.fromEntries(
        synthStacks({ ...context }).map((stack) => [stack.stackName, Template.fromStack(stack).toJSON()]),
      ),
    ]),
  );
}
