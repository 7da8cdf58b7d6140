// Resolves the CloudFormation intrinsics of a synthesized template the way a deploy would, with stand-in physical
// names: the tests read the function's environment and the rule patterns as AWS will see them.
import type { Template } from 'aws-cdk-lib/assertions';
import { FIXTURE_OWN } from '../support/tamper-fixtures.js';

/** The deploy's account, partition and Region, and how long the generated physical names are. */
export interface Deployment {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  /** The physical name CloudFormation generates for a resource (a function name, a queue name ...). */
  readonly physicalName: (logicalId: string, type: string) => string;
}

/** A deploy as the moto tests see it: physical names are the logical ids, lowercased. */
export function motoDeployment(region: string, account = '123456789012'): Deployment {
  return { partition: 'aws', region, account, physicalName: (logicalId) => logicalId.toLowerCase() };
}

/** A deploy whose own resources carry the names the tamper fixtures use (test/support/tamper-fixtures.ts). */
export const FIXTURE_DEPLOYMENT: Deployment = {
  partition: 'aws',
  region: FIXTURE_OWN.region,
  account: FIXTURE_OWN.account,
  physicalName: (logicalId, type) => {
    const names: Record<string, string> = {
      'AWS::Lambda::Function': FIXTURE_OWN.functionName,
      'AWS::SNS::Topic': FIXTURE_OWN.topicName,
      'AWS::DynamoDB::Table': FIXTURE_OWN.tableName,
    };
    return names[type] ?? logicalId.toLowerCase();
  },
};

/**
 * The longest names CloudFormation and AWS allow, for the size checks: the GovCloud partition and Region, and each
 * generated name at its service's maximum (function 64, queue 80, trail 128, table 255, topic 256, role 64).
 */
export const LONGEST_DEPLOYMENT: Deployment = {
  partition: 'aws-us-gov',
  region: 'us-gov-west-1',
  account: '123456789012',
  physicalName: (_logicalId, type) => {
    const limits: Record<string, number> = {
      'AWS::Lambda::Function': 64,
      'AWS::SQS::Queue': 80,
      'AWS::CloudTrail::Trail': 128,
      'AWS::DynamoDB::Table': 255,
      'AWS::SNS::Topic': 256,
      'AWS::IAM::Role': 64,
    };
    return 'n'.repeat(limits[type] ?? 64);
  },
};

/** Ref and Fn::GetAtt Arn of each resource type the responder's environment and patterns refer to. */
function attributes(deployment: Deployment, logicalId: string, type: string): { ref: string; arn: string } {
  const { partition, region, account } = deployment;
  const name = deployment.physicalName(logicalId, type);
  const arn = (service: string, resource: string, inRegion = region) =>
    `arn:${partition}:${service}:${inRegion}:${account}:${resource}`;
  switch (type) {
    case 'AWS::Lambda::Function':
      return { ref: name, arn: arn('lambda', `function:${name}`) };
    case 'AWS::SNS::Topic':
      return { ref: arn('sns', name), arn: arn('sns', name) };
    case 'AWS::SQS::Queue':
      return { ref: `https://sqs.${region}.amazonaws.com/${account}/${name}`, arn: arn('sqs', name) };
    case 'AWS::DynamoDB::Table':
      return { ref: name, arn: arn('dynamodb', `table/${name}`) };
    case 'AWS::KMS::Key': {
      // A key id is a UUID: 36 characters, whatever the deploy.
      const keyId = FIXTURE_OWN.keyId;
      return { ref: keyId, arn: arn('kms', `key/${keyId}`) };
    }
    case 'AWS::CloudTrail::Trail':
      return { ref: name, arn: arn('cloudtrail', `trail/${name}`) };
    case 'AWS::IAM::Role':
      return { ref: name, arn: `arn:${partition}:iam::${account}:role/${name}` };
    case 'AWS::Logs::LogGroup':
      return { ref: name, arn: arn('logs', `log-group:${name}:*`) };
    default:
      // Not part of what the tests read: a stand-in that shows where it came from.
      return { ref: name, arn: arn(type.split('::')[1]?.toLowerCase() ?? 'unknown', name) };
  }
}

/** `value` with every Ref, Fn::GetAtt (Arn) and Fn::Join resolved for `deployment`. */
export function resolveIntrinsics(value: unknown, template: Template, deployment: Deployment): unknown {
  const resources = template.toJSON().Resources as Record<string, { Type: string }>;
  const typeOf = (logicalId: string) => {
    const resource = resources[logicalId];
    if (resource === undefined) throw new Error(`no resource ${logicalId}`);
    return resource.Type;
  };
  const pseudo: Record<string, string> = {
    'AWS::Partition': deployment.partition,
    'AWS::Region': deployment.region,
    'AWS::AccountId': deployment.account,
    'AWS::URLSuffix': 'amazonaws.com',
  };
  const resolve = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(resolve);
    if (node === null || typeof node !== 'object') return node;
    const entries = Object.entries(node);
    const [first] = entries;
    if (entries.length === 1 && first !== undefined) {
      const [key, argument] = first;
      if (key === 'Ref' && typeof argument === 'string') {
        return pseudo[argument] ?? attributes(deployment, argument, typeOf(argument)).ref;
      }
      if (key === 'Fn::GetAtt' && Array.isArray(argument)) {
        const [logicalId, attribute] = argument as [string, string];
        const type = typeOf(logicalId);
        if (attribute === 'Arn') return attributes(deployment, logicalId, type).arn;
        return `${deployment.physicalName(logicalId, type)}.${attribute}`;
      }
      if (key === 'Fn::Join' && Array.isArray(argument)) {
        const [separator, parts] = argument as [string, unknown[]];
        return parts.map((part) => String(resolve(part))).join(separator);
      }
    }
    return Object.fromEntries(entries.map(([key, child]) => [key, resolve(child)]));
  };
  return resolve(value);
}

/** The function's environment variables, resolved for `deployment`. */
export function resolvedEnvironment(template: Template, deployment: Deployment): Record<string, string> {
  const functions = Object.values(template.findResources('AWS::Lambda::Function'));
  if (functions.length !== 1) throw new Error(`expected one function, found ${functions.length}`);
  const variables = (functions[0] as { Properties: { Environment: { Variables: Record<string, unknown> } } })
    .Properties.Environment.Variables;
  return resolveIntrinsics(variables, template, deployment) as Record<string, string>;
}
