import { describe, expect, it } from 'vitest';
import { AppConfigError, loadAppConfig } from '../../infra/config.js';

function problemsOf(context: Record<string, unknown>): readonly string[] {
  try {
    loadAppConfig(context);
  } catch (error) {
    if (error instanceof AppConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected loadAppConfig to throw an AppConfigError');
}

describe('Function: loadAppConfig', () => {
  it('applies the documented defaults to an empty context', () => {
    // Act
    const config = loadAppConfig({});

    // Assess
    expect(config).toEqual({
      mode: 'remediate',
      scope: 'account',
      organizationAutoEnableTarget: 'ALL',
      regions: [],
      notificationEmails: [],
      slack: undefined,
      sweepIntervalMinutes: 30,
      requireAgentManagement: true,
      runtimeTarget: 'any',
      maxRemediationsPerHour: 3,
      maxExemptionDays: 30,
      coverageAlarmMinutes: 60,
      coverageClusterMetrics: false,
      createTrail: false,
      lookupAccountAlias: false,
      securityHub: false,
    });
  });

  it('reads command-line strings (-c key=value) as lists, booleans and numbers', () => {
    // Act
    const config = loadAppConfig({
      mode: 'notify',
      regions: 'eu-west-1, us-east-1',
      notificationEmails: 'a@example.com,b@example.com',
      sweepIntervalMinutes: '15',
      requireAgentManagement: 'false',
      runtimeTarget: 'unified',
      maxRemediationsPerHour: '5',
      maxExemptionDays: '90',
      coverageAlarmMinutes: '120',
      coverageClusterMetrics: 'true',
      createTrail: 'true',
      securityHub: 'true',
      slackWorkspaceId: 'T012AB3CD',
      slackChannelId: 'C012AB3CD',
    });

    // Assess
    expect(config).toEqual({
      mode: 'notify',
      scope: 'account',
      organizationAutoEnableTarget: 'ALL',
      regions: ['eu-west-1', 'us-east-1'],
      notificationEmails: ['a@example.com', 'b@example.com'],
      slack: { workspaceId: 'T012AB3CD', channelId: 'C012AB3CD' },
      sweepIntervalMinutes: 15,
      requireAgentManagement: false,
      runtimeTarget: 'unified',
      maxRemediationsPerHour: 5,
      maxExemptionDays: 90,
      coverageAlarmMinutes: 120,
      coverageClusterMetrics: true,
      createTrail: true,
      lookupAccountAlias: false,
      securityHub: true,
    });
  });

  it('ignores context keys that are not its own (feature flags, CDK internals)', () => {
    expect(
      loadAppConfig({ '@aws-cdk/core:newStyleStackSynthesis': true, 'aws:cdk:bundling-stacks': [] }).mode,
    ).toBe('remediate');
  });

  it('names the bounds of coverageAlarmMinutes and what it received', () => {
    expect(problemsOf({ coverageAlarmMinutes: 2 })).toEqual([
      'coverageAlarmMinutes must be at least 5 (received 2)',
    ]);
    expect(problemsOf({ coverageAlarmMinutes: 1441 })).toEqual([
      'coverageAlarmMinutes must be at most 1440 (one day) (received 1441)',
    ]);
    expect(problemsOf({ coverageClusterMetrics: 'yes' })).toEqual([
      'coverageClusterMetrics must be true or false (received "yes")',
    ]);
  });

  it('names the key, the accepted values and the received value of a wrong runtimeTarget', () => {
    expect(problemsOf({ runtimeTarget: 'legacy' })).toEqual([
      'runtimeTarget must be one of "any", "unified" (received "legacy")',
    ]);
  });

  it('names the key, the accepted values and the received value of a wrong mode', () => {
    expect(problemsOf({ mode: 'remdiate' })).toEqual([
      'mode must be one of "remediate", "notify" (received "remdiate")',
    ]);
  });

  it('reads organization scope and its auto-enable target', () => {
    // Act
    const config = loadAppConfig({ scope: 'organization', organizationAutoEnableTarget: 'NEW' });

    // Assess
    expect(config).toMatchObject({ scope: 'organization', organizationAutoEnableTarget: 'NEW' });
  });

  it('defaults the auto-enable target of organization scope to ALL', () => {
    expect(loadAppConfig({ scope: 'organization' }).organizationAutoEnableTarget).toBe('ALL');
  });

  it('names the key, the accepted values and the received value of a wrong scope', () => {
    expect(problemsOf({ scope: 'org' })).toEqual([
      'scope must be one of "account", "organization" (received "org")',
    ]);
  });

  it('rejects an auto-enable target that is not ALL or NEW, including lower case and NONE', () => {
    for (const value of ['all', 'NONE']) {
      expect(problemsOf({ scope: 'organization', organizationAutoEnableTarget: value })).toEqual([
        `organizationAutoEnableTarget must be one of "ALL", "NEW" (upper case) (received "${value}")`,
      ]);
    }
  });

  it('rejects an auto-enable target without organization scope instead of silently ignoring it', () => {
    expect(problemsOf({ organizationAutoEnableTarget: 'NEW' })).toEqual([
      'organizationAutoEnableTarget applies only with scope "organization" (received "NEW" with scope "account")',
    ]);
  });

  it('names the position of a wrong Region in a comma-separated list', () => {
    expect(problemsOf({ regions: 'eu-west-1,Frankfurt' })).toEqual([
      'regions[1] must be Region names such as "eu-west-1" (received "Frankfurt")',
    ]);
  });

  it('accepts the Region names of every partition, the European Sovereign Cloud included', () => {
    const regions = ['us-gov-west-1', 'cn-north-1', 'us-isob-east-1', 'eusc-de-east-1'];
    expect(loadAppConfig({ regions: regions.join(',') }).regions).toEqual(regions);
  });

  it('rejects a repeated Region, which would define the same stack twice', () => {
    expect(problemsOf({ regions: ['eu-west-1', 'eu-west-1'] })[0]).toMatch(
      /^regions must not repeat a Region/,
    );
  });

  it('rejects an address that is not an e-mail address', () => {
    expect(problemsOf({ notificationEmails: ['secops.example.com'] })).toEqual([
      'notificationEmails[0] must be e-mail addresses such as "secops@example.com" ' +
        '(received "secops.example.com")',
    ]);
  });

  it.each([
    ['4', 'must be at least 5'],
    ['721', 'must be at most 720'],
    ['7.5', 'must be a whole number of minutes'],
    ['half an hour', 'must be a whole number of minutes'],
  ])('rejects a sweep interval of %s minutes', (value, expected) => {
    expect(problemsOf({ sweepIntervalMinutes: value })).toEqual([
      `sweepIntervalMinutes ${expected} (received ${JSON.stringify(value)})`,
    ]);
  });

  it('rejects a boolean it cannot read instead of treating it as false', () => {
    expect(problemsOf({ createTrail: 'yes' })).toEqual([
      'createTrail must be true or false (received "yes")',
    ]);
  });

  it('rejects an exemption limit beyond a year, the bound of the function and the CLI', () => {
    expect(problemsOf({ maxExemptionDays: 366 })).toEqual([
      'maxExemptionDays must be a whole number of days from 1 to 365 (received 366)',
    ]);
  });

  it('rejects a remediation limit of zero', () => {
    expect(problemsOf({ maxRemediationsPerHour: 0 })).toEqual([
      'maxRemediationsPerHour must be a whole number from 1 to 60 (received 0)',
    ]);
  });

  it('rejects a Slack workspace without a channel', () => {
    expect(problemsOf({ slackWorkspaceId: 'T012AB3CD' })).toEqual([
      'slackWorkspaceId and slackChannelId must be set together ' +
        '(received workspace "T012AB3CD", channel nothing)',
    ]);
  });

  it.each([
    ['regoins', 'regions'],
    ['notificationEmail', 'notificationEmails'],
    ['createtrail', 'createTrail'],
    ['scpoe', 'scope'],
    ['organizationAutoEnableTargets', 'organizationAutoEnableTarget'],
  ])('rejects the misspelt key %s instead of silently using the default', (typo, key) => {
    expect(problemsOf({ [typo]: 'x' })).toEqual([`${typo} is not a known key; did you mean ${key}?`]);
  });

  it('reports every problem at once, in a message that lists them', () => {
    // Act
    const act = () => loadAppConfig({ mode: 'off', createTrail: 1 });

    // Assess
    expect(act).toThrow(AppConfigError);
    expect(act).toThrow(
      /Invalid configuration \(CDK context, see docs\/deploy.md\):\n {2}- mode .*\n {2}- createTrail/,
    );
  });
});
