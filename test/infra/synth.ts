import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { loadAppConfig } from '../../infra/config.js';
import { addResponderStacks, type DriftResponderStack } from '../../infra/stack.js';

/** A full configuration: every optional part (e-mails, Slack, trail) switched on, two Regions. */
export const FULL_CONTEXT = {
  mode: 'notify',
  regions: ['eu-west-1', 'us-east-1'],
  notificationEmails: ['secops@example.com', 'oncall@example.com'],
  slackWorkspaceId: 'T012AB3CD',
  slackChannelId: 'C012AB3CD',
  sweepIntervalMinutes: 20,
  requireAgentManagement: false,
  runtimeTarget: 'unified',
  maxRemediationsPerHour: 5,
  maxExemptionDays: 14,
  coverageAlarmMinutes: 90,
  coverageClusterMetrics: true,
  createTrail: true,
} as const;

/**
 * Synthesizes the app's stacks for a context, without bundling the function (the `aws:cdk:bundling-stacks` trick:
 * ~20 ms instead of ~1 s per stack). One test in bundle.test.ts bundles for real.
 */
export function synthStacks(context: Record<string, unknown> = {}): DriftResponderStack[] {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
  return addResponderStacks(app, loadAppConfig(app.node.getAllContext()), undefined);
}

/** The first stack of the app and its template. */
export function synthFirst(context: Record<string, unknown> = {}): {
  stack: DriftResponderStack;
  template: Template;
} {
  const [stack] = synthStacks(context);
  if (stack === undefined) throw new Error('the app defined no stack');
  return { stack, template: Template.fromStack(stack) };
}

/** The only resource of a type in a template, with its logical id. */
export function onlyResource(
  template: Template,
  type: string,
): { id: string; properties: Record<string, unknown> } {
  const entries = Object.entries(template.findResources(type));
  if (entries.length !== 1) throw new Error(`expected exactly one ${type}, found ${entries.length}`);
  const [id, resource] = entries[0] as [string, { Properties?: Record<string, unknown> }];
  return { id, properties: resource.Properties ?? {} };
}
