import { describe, expect, it } from 'vitest';
import { ConfigurationError, loadConfig } from '../../handlers/config.js';

const REQUIRED = {
  NOTIFICATION_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:drift-alerts',
  STATE_TABLE_NAME: 'drift-state',
};

describe('Function: loadConfig', () => {
  it('applies the documented defaults', () => {
    expect(loadConfig(REQUIRED)).toEqual({
      mode: 'remediate',
      notificationTopicArn: REQUIRED.NOTIFICATION_TOPIC_ARN,
      metricNamespace: 'GuardDutyDriftResponder',
      requireAgentManagement: true,
      maxRemediationsPerHour: 3,
      maxExemptionDays: 30,
      stateTableName: 'drift-state',
      scope: 'account',
      autoEnableTarget: 'ALL',
      runtimeTarget: 'any',
      accountAliasLookup: false,
      coverageClusterMetrics: false,
      securityHub: false,
    });
  });

  it('reads every variable', () => {
    const config = loadConfig({
      ...REQUIRED,
      RESPONDER_MODE: 'notify',
      METRIC_NAMESPACE: 'Security/Drift',
      REQUIRE_AGENT_MANAGEMENT: 'false',
      MAX_REMEDIATIONS_PER_HOUR: '10',
      MAX_EXEMPTION_DAYS: '365',
      RUNTIME_TARGET: 'unified',
      COVERAGE_CLUSTER_METRICS: 'true',
      SECURITY_HUB: 'true',
    });

    expect(config).toMatchObject({
      mode: 'notify',
      metricNamespace: 'Security/Drift',
      requireAgentManagement: false,
      maxRemediationsPerHour: 10,
      maxExemptionDays: 365,
      runtimeTarget: 'unified',
      coverageClusterMetrics: true,
      securityHub: true,
    });
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ ...REQUIRED, RESPONDER_MODE: '' }).mode).toBe('remediate');
  });

  it.each([
    [{ STATE_TABLE_NAME: 'x-table' }, /NOTIFICATION_TOPIC_ARN is required/],
    [
      { ...REQUIRED, RESPONDER_MODE: 'fix' },
      /RESPONDER_MODE expected "remediate" or "notify" \(received "fix"\)/,
    ],
    [{ ...REQUIRED, REQUIRE_AGENT_MANAGEMENT: 'yes' }, /REQUIRE_AGENT_MANAGEMENT expected "true" or "false"/],
    [{ ...REQUIRED, SECURITY_HUB: 'yes' }, /SECURITY_HUB expected "true" or "false" \(received "yes"\)/],
    [
      { ...REQUIRED, COVERAGE_CLUSTER_METRICS: 'on' },
      /COVERAGE_CLUSTER_METRICS expected "true" or "false" \(received "on"\)/,
    ],
    [
      { ...REQUIRED, MAX_REMEDIATIONS_PER_HOUR: '0' },
      /MAX_REMEDIATIONS_PER_HOUR expected a whole number from 1 to 60/,
    ],
    // The bound of handlers/contract.ts, which the construct and the CDK context refuse at synth too.
    [
      { ...REQUIRED, MAX_REMEDIATIONS_PER_HOUR: '61' },
      /MAX_REMEDIATIONS_PER_HOUR expected a whole number from 1 to 60 \(received "61"\)/,
    ],
    [{ ...REQUIRED, MAX_REMEDIATIONS_PER_HOUR: '2.5' }, /MAX_REMEDIATIONS_PER_HOUR/],
    // The CLI's own bound for backout --max-days: an exemption longer than a year is never honoured.
    [
      { ...REQUIRED, MAX_EXEMPTION_DAYS: '366' },
      /MAX_EXEMPTION_DAYS expected a whole number of days from 1 to 365 \(received "366"\)/,
    ],
    [
      { ...REQUIRED, MAX_EXEMPTION_DAYS: '0' },
      /MAX_EXEMPTION_DAYS expected a whole number of days from 1 to 365/,
    ],
    [
      { ...REQUIRED, NOTIFICATION_TOPIC_ARN: 'drift-alerts' },
      /NOTIFICATION_TOPIC_ARN expected an SNS topic ARN/,
    ],
    [{ ...REQUIRED, METRIC_NAMESPACE: 'AWS/GuardDuty' }, /METRIC_NAMESPACE the AWS\/ prefix is reserved/],
    [{ NOTIFICATION_TOPIC_ARN: REQUIRED.NOTIFICATION_TOPIC_ARN }, /STATE_TABLE_NAME is required/],
    [{ ...REQUIRED, RESPONDER_SCOPE: 'org' }, /RESPONDER_SCOPE expected "account" or "organization"/],
    [
      { ...REQUIRED, ORGANIZATION_AUTO_ENABLE_TARGET: 'NONE' },
      /ORGANIZATION_AUTO_ENABLE_TARGET expected "ALL" or "NEW"/,
    ],
    [
      { ...REQUIRED, RUNTIME_TARGET: 'legacy' },
      /RUNTIME_TARGET expected "any" or "unified" \(received "legacy"\)/,
    ],
  ])('rejects %o naming the variable and what it accepts', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigurationError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('names every bad variable at once and keeps the cause', () => {
    try {
      loadConfig({ RESPONDER_MODE: 'x' });
      expect.unreachable('loadConfig accepted a bad environment');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigurationError);
      const message = (error as Error).message;
      expect(message).toMatch(/RESPONDER_MODE/);
      expect(message).toMatch(/NOTIFICATION_TOPIC_ARN/);
      expect(message).toMatch(/STATE_TABLE_NAME/);
      expect((error as Error).cause).toBeDefined();
    }
  });
});

describe('Constant: RESPONDER_VERSION', () => {
  it('is the version in package.json (it marks the responder in CloudTrail user agents)', async () => {
    const { RESPONDER_VERSION } = await import('../../handlers/clients.js');
    const packageJson = await import('../../package.json', { with: { type: 'json' } });

    expect(RESPONDER_VERSION).toBe(packageJson.default.version);
  });
});
