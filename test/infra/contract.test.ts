import { App, Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../handlers/config.js';
import { ENV, MAX_REMEDIATIONS_PER_HOUR } from '../../handlers/contract.js';
import { AppConfigError, loadAppConfig } from '../../infra/config.js';
import { GuardDutyDriftResponder } from '../../infra/responder/index.js';
import { motoDeployment, resolveIntrinsics } from './resolve.js';
import { FULL_CONTEXT, onlyResource, synthFirst } from './synth.js';

process.env.CDK_VALIDATION = 'false';

const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:drift-alerts';
const TABLE_NAME = 'drift-responder-state';
const ROLE_ARN = 'arn:aws:iam::123456789012:role/drift-responder';

/** The function's environment as the template sets it, with the references resolved as CloudFormation would. */
function deployedEnvironment(template: Template): Record<string, string> {
  const variables = (
    onlyResource(template, 'AWS::Lambda::Function').properties.Environment as {
      Variables: Record<string, unknown>;
    }
  ).Variables;
  const resolved: Record<string, string> = {
    [ENV.notificationTopicArn]: TOPIC_ARN,
    [ENV.stateTableName]: TABLE_NAME,
    [ENV.roleArn]: ROLE_ARN,
  };
  return Object.fromEntries(
    Object.entries(variables).map(([name, value]) => {
      if (typeof value === 'string') return [name, value];
      // Names and ARNs joined into JSON (infra/responder/own-resources.ts): resolved with stand-in names.
      if (name === ENV.ownResources) {
        return [name, String(resolveIntrinsics(value, template, motoDeployment('eu-west-1')))];
      }
      const reference = resolved[name];
      if (reference === undefined) throw new Error(`${name} is a reference the test cannot resolve`);
      return [name, reference];
    }),
  );
}

/** Whether the construct accepts a limit (it throws at synth otherwise). */
function constructAccepts(limit: number): boolean {
  const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Limit');
  try {
    new GuardDutyDriftResponder(stack, 'Responder', { maxRemediationsPerHour: limit });
    return true;
  } catch {
    return false;
  }
}

/** Whether the CDK context accepts a limit. */
function contextAccepts(limit: number): boolean {
  try {
    loadAppConfig({ maxRemediationsPerHour: limit });
    return true;
  } catch (error) {
    if (error instanceof AppConfigError) return false;
    throw error;
  }
}

/** Whether the function's cold-start check accepts a limit. */
function functionAccepts(limit: number): boolean {
  try {
    loadConfig({
      NOTIFICATION_TOPIC_ARN: TOPIC_ARN,
      STATE_TABLE_NAME: TABLE_NAME,
      [ENV.maxRemediationsPerHour]: String(limit),
    });
    return true;
  } catch {
    return false;
  }
}

describe('Contract: handlers/contract.ts between the function and the infrastructure', () => {
  it.each([
    ['account scope, defaults', {}],
    ['account scope, every key set', { ...FULL_CONTEXT }],
    ['organization scope', { ...FULL_CONTEXT, scope: 'organization', organizationAutoEnableTarget: 'NEW' }],
    [
      'account scope, with the alert settings',
      { ...FULL_CONTEXT, accountName: 'prod-payments', runbookUrl: 'https://wiki.example.com/guardduty' },
    ],
    ['account scope, with the alias lookup', { ...FULL_CONTEXT, lookupAccountAlias: true }],
    ['account scope, with Security Hub findings', { ...FULL_CONTEXT, securityHub: true }],
  ])(
    'the environment the construct sets in %s passes the cold-start check with the configured values',
    (_name, context) => {
      // Prepare
      const app = loadAppConfig(context);
      const environment = deployedEnvironment(synthFirst(context).template);

      // Act
      const config = loadConfig(environment);

      // Assess
      expect(Object.keys(environment).every((name) => (Object.values(ENV) as string[]).includes(name))).toBe(
        true,
      );
      expect(config).toStrictEqual({
        mode: app.mode,
        notificationTopicArn: TOPIC_ARN,
        metricNamespace: 'GuardDutyDriftResponder',
        requireAgentManagement: app.requireAgentManagement,
        maxRemediationsPerHour: app.maxRemediationsPerHour,
        maxExemptionDays: app.maxExemptionDays,
        stateTableName: TABLE_NAME,
        scope: app.scope,
        autoEnableTarget: app.scope === 'organization' ? app.organizationAutoEnableTarget : 'ALL',
        runtimeTarget: app.runtimeTarget,
        roleArn: ROLE_ARN,
        coverageClusterMetrics: app.coverageClusterMetrics,
        accountName: app.accountName,
        runbookUrl: app.runbookUrl,
        accountAliasLookup: app.lookupAccountAlias === true && app.accountName === undefined,
        securityHub: app.securityHub,
        // What the construct names as its own reaches the function whole: every rule with its target, every alarm.
        ownResources: JSON.parse(environment[ENV.ownResources] ?? 'null'),
      });
      expect(config.ownResources?.rules.map((rule) => rule.name.split('-').at(-1))).toEqual([
        'GuardDutyChangeRule',
        'SweepSchedule',
        'CoverageEventRule',
        'TamperEventRule',
        'DeadFunctionRule',
      ]);
      expect(config.ownResources?.alarmNames.length).toBeGreaterThanOrEqual(5);
    },
  );

  it('accepts the same maxRemediationsPerHour in the CDK context, the construct and the function', () => {
    const { min, max } = MAX_REMEDIATIONS_PER_HOUR;
    for (const limit of [min - 1, min, min + 1, max - 1, max, max + 1, 2.5]) {
      const expected = Number.isInteger(limit) && limit >= min && limit <= max;
      expect(
        [contextAccepts(limit), constructAccepts(limit), functionAccepts(limit)],
        `limit ${limit}`,
      ).toEqual([expected, expected, expected]);
    }
  });
});
