// infra/responder/dashboard.ts: the widgets.
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { FULL_CONTEXT, onlyResource, synthFirst } from '../synth.js';
import { ORGANIZATION_METRICS } from './template.js';

// The bundled CloudFormation validator costs ~1.8 s per synth; nag.test.ts keeps one synth with it on.
process.env.CDK_VALIDATION = 'false';

describe('Construct: GuardDutyDriftResponder (full configuration)', () => {
  let template: Template;

  beforeAll(() => {
    template = synthFirst({ ...FULL_CONTEXT }).template;
  });

  describe('the dashboard', () => {
    it('shows compliance of every configured Region, drift counts, function errors and duration', () => {
      const dashboard = onlyResource(template, 'AWS::CloudWatch::Dashboard');
      expect(dashboard.properties.DashboardName).toBe('GuardDutyDriftResponder-eu-west-1');
      const body = JSON.stringify(dashboard.properties.DashboardBody);
      for (const expected of [
        '\\"EksRuntimeMonitoringCompliant\\",\\"Region\\",\\"eu-west-1\\"',
        '\\"EksRuntimeMonitoringCompliant\\",\\"Region\\",\\"us-east-1\\"',
        '\\"region\\":\\"us-east-1\\"',
        'DriftDetected',
        'RemediationSucceeded',
        'RemediationFailed',
        'DisableDenied',
        '\\"AWS/Lambda\\",\\"Errors\\"',
        '\\"AWS/Lambda\\",\\"Duration\\"',
      ]) {
        expect(body).toContain(expected);
      }
    });
  });
});

describe('Construct: GuardDutyDriftResponder (coverage row)', () => {
  it('shows the clusters covered, unhealthy and excluded, and a Logs Insights table of the unhealthy ones', () => {
    // Prepare
    const template = synthFirst({ ...FULL_CONTEXT }).template;
    const body = JSON.stringify(
      onlyResource(template, 'AWS::CloudWatch::Dashboard').properties.DashboardBody,
    );

    // Assess
    for (const name of ['EksClustersCovered', 'EksClustersUnhealthy', 'EksClustersExcluded']) {
      expect(body).toContain(`\\"${name}\\",\\"Region\\",\\"eu-west-1\\"`);
    }
    expect(body).toContain('\\"type\\":\\"log\\"');
    expect(body).toContain('filter message = \\\\\\"coverage-unhealthy-cluster\\\\\\"');
    expect(body).toMatch(/stats latest\(@timestamp\) as lastSeen.* by accountId, clusterName/);
    expect(body).toContain('\\"view\\":\\"table\\"');
    const logGroup = Object.keys(template.findResources('AWS::Logs::LogGroup'))[0];
    expect(body).toContain(logGroup);
    expect(body).toContain('CoverageUnhealthyAlarm');
  });
});

describe('Construct: GuardDutyDriftResponder (organization scope)', () => {
  let template: Template;

  beforeAll(() => {
    template = synthFirst({ ...FULL_CONTEXT, scope: 'organization' }).template;
  });

  it('shows the organization metrics and the new alarm on the dashboard', () => {
    const body = JSON.stringify(
      onlyResource(template, 'AWS::CloudWatch::Dashboard').properties.DashboardBody,
    );
    for (const name of ORGANIZATION_METRICS) {
      expect(body).toContain(`\\"${name}\\",\\"Region\\",\\"eu-west-1\\"`);
    }
    expect(body).toContain('OrganizationAutoEnableAlarm');
  });

  it("puts GuardDuty's own count (GetOrganizationStatistics) on the axis of the sweep's OrganizationAccountsEvaluated", () => {
    const body = JSON.stringify(
      onlyResource(template, 'AWS::CloudWatch::Dashboard').properties.DashboardBody,
    );
    const widgets = body.split('\\"type\\":\\"metric\\"');
    const evaluated = widgets.filter((widget) => widget.includes('OrganizationAccountsEvaluated'));
    expect(evaluated).toHaveLength(1);
    const [widget] = evaluated as [string];
    // One metric entry: [namespace, name, "Region", region, {…, "yAxis": "right"}] (quotes escaped in the body).
    const onRightAxis = (name: string) =>
      new RegExp(`${name}\\\\",\\\\"Region\\\\",\\\\"[a-z0-9-]+\\\\",\\{[^}]*yAxis\\\\":\\\\"right`);
    for (const name of [
      'OrganizationAccountsEvaluated',
      'OrganizationStatisticsMemberAccounts',
      'OrganizationStatisticsEnabledAccounts',
      'OrganizationStatisticsRuntimeMonitoringAccounts',
      'OrganizationStatisticsEksAgentManagementAccounts',
    ]) {
      expect(widget).toMatch(onRightAxis(name));
    }
    // The handful of drifted or vanished accounts stay on the left axis, not flattened by the thousands.
    expect(widget).not.toMatch(onRightAxis('OrganizationAccountsNonCompliant'));
    expect(widget).not.toMatch(onRightAxis('OrganizationMembersUnexplainedDrop'));
    expect(widget).toContain('OrganizationMembersUnexplainedDrop');
  });
});
