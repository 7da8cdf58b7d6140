import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../cli/args.js';
import { UsageError } from '../../cli/errors.js';

const NOW = new Date('2026-11-20T10:00:00Z');
const parse = (...argv: string[]) => parseCommandLine(argv, NOW);
const usageMessage = (...argv: string[]) => {
  try {
    parse(...argv);
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  throw new Error('expected a UsageError');
};

describe('Function: parseCommandLine', () => {
  it('parses check with repeated, de-duplicated Regions and the global options', () => {
    expect(
      parse(
        'check',
        '--region',
        'eu-west-1',
        '--region',
        'us-east-1',
        '--region',
        'eu-west-1',
        '--json',
        '--strict',
      ),
    ).toEqual({
      command: 'check',
      strict: true,
      options: {
        scope: { kind: 'list', regions: ['eu-west-1', 'us-east-1'] },
        profile: undefined,
        accountId: undefined,
        json: true,
        requireAgentManagement: true,
        runtimeTarget: 'any',
      },
    });
  });

  it('takes --target any|unified on every command, and names both values when it is wrong', () => {
    expect(parse('check', '--target', 'unified')).toMatchObject({ options: { runtimeTarget: 'unified' } });
    expect(parse('enable', '--target', 'any')).toMatchObject({ options: { runtimeTarget: 'any' } });
    expect(usageMessage('check', '--target', 'legacy')).toMatch(
      /^--target: expected "any" \(either generation, Security Hub GuardDuty.7\) or "unified" .*\(received "legacy"\)/,
    );
  });

  it('parses migrate with --dry-run and --all-regions, always under the unified target', () => {
    expect(parse('migrate', '--region', 'eu-west-1', '--dry-run')).toEqual({
      command: 'migrate',
      dryRun: true,
      options: expect.objectContaining({
        scope: { kind: 'list', regions: ['eu-west-1'] },
        runtimeTarget: 'unified',
      }),
    });
    expect(parse('migrate', '--all-regions')).toMatchObject({
      dryRun: false,
      options: { scope: { kind: 'all' } },
    });
    expect(usageMessage('migrate', '--target', 'any')).toMatch(/--target any makes no sense for migrate/);
    expect(usageMessage('migrate', '--all-regions', '--region', 'eu-west-1')).toMatch(/exclude each other/);
  });

  it('refuses enable --generation eks under --target unified', () => {
    expect(usageMessage('enable', '--generation', 'eks', '--target', 'unified')).toMatch(
      /--generation eks and --target unified exclude each other/,
    );
  });

  it('defaults to the SDK Region, and takes --all-regions, --profile and --require-agent-management false', () => {
    expect(parse('check')).toMatchObject({ options: { scope: { kind: 'default' } } });
    expect(
      parse('check', '--all-regions', '--profile', 'audit', '--require-agent-management', 'false'),
    ).toMatchObject({
      options: { scope: { kind: 'all' }, profile: 'audit', requireAgentManagement: false },
    });
  });

  it('rejects --all-regions together with --region', () => {
    expect(usageMessage('check', '--all-regions', '--region', 'eu-west-1')).toMatch(
      /^--all-regions and --region exclude each other/,
    );
  });

  it('rejects an unknown Region and suggests the closest known one', () => {
    expect(usageMessage('check', '--region', 'eu-wset-1')).toMatch(
      /^--region: unknown Region "eu-wset-1"; did you mean eu-west-1\?/,
    );
    expect(usageMessage('check', '--region', 'Frankfurt')).toMatch(
      /^--region: unknown Region "Frankfurt" \(expected/,
    );
  });

  it('rejects unknown commands, unknown options and options of another command', () => {
    expect(usageMessage('status')).toMatch(/^unknown command "status" \(expected one of: check, enable,/);
    expect(usageMessage('check', '--force')).toMatch(/^check: Unknown option '--force'/);
    expect(usageMessage('enable', '--all-regions')).toMatch(/^enable: Unknown option '--all-regions'/);
    expect(usageMessage('check', 'eu-west-1')).toMatch(/^check: Unexpected argument 'eu-west-1'/);
    expect(usageMessage('--region', 'eu-west-1')).toMatch(/^expected a command before --region/);
  });

  it('maps --generation to the feature name and rejects anything else', () => {
    expect(parse('enable', '--generation', 'runtime')).toMatchObject({ generation: 'RUNTIME_MONITORING' });
    expect(parse('enable', '--generation', 'eks', '--dry-run')).toMatchObject({
      generation: 'EKS_RUNTIME_MONITORING',
      dryRun: true,
    });
    expect(parse('enable')).toMatchObject({ generation: undefined, dryRun: false });
    expect(usageMessage('enable', '--generation', 'both')).toMatch(/^--generation: expected "runtime"/);
  });

  it('returns help for every way of asking', () => {
    expect(parse()).toEqual({ command: 'help', topic: undefined });
    expect(parse('--help')).toEqual({ command: 'help', topic: undefined });
    expect(parse('help', 'backout')).toEqual({ command: 'help', topic: 'backout' });
    expect(parse('backout', '--help')).toEqual({ command: 'help', topic: 'backout' });
    expect(parse('check', '-h', '--bogus')).toEqual({ command: 'help', topic: 'check' });
    expect(parse('--version')).toEqual({ command: 'version' });
  });

  it('validates --account-id', () => {
    expect(parse('unexempt', '--account-id', '123456789012')).toMatchObject({
      options: { accountId: '123456789012' },
    });
    expect(usageMessage('unexempt', '--account-id', '1234')).toMatch(
      /^--account-id: expected a 12-digit AWS account id/,
    );
  });
});

describe('Function: parseCommandLine (exemptions)', () => {
  const backout = (...extra: string[]) => parse('backout', '--region', 'eu-west-1', ...extra);

  it('accepts a date (through the end of that UTC day) and a date-time with offset', () => {
    expect(backout('--reason', ' CHG-1234 agent conflict ', '--until', '2026-12-01')).toMatchObject({
      command: 'backout',
      dryRun: false,
      exemption: {
        reason: 'CHG-1234 agent conflict',
        until: '2026-12-01',
        end: new Date('2026-12-02T00:00:00Z'),
      },
    });
    expect(parse('exempt', '--reason', 'x', '--until', '2026-11-21T08:00:00+02:00')).toMatchObject({
      command: 'exempt',
      exemption: { end: new Date('2026-11-21T06:00:00Z') },
    });
  });

  it('refuses a missing reason or expiry, naming what is needed', () => {
    expect(usageMessage('backout', '--until', '2026-12-01')).toMatch(
      /^missing --reason TEXT: a backout needs a reason/,
    );
    expect(usageMessage('backout', '--reason', '   ', '--until', '2026-12-01')).toMatch(
      /^--reason: must not be empty/,
    );
    expect(usageMessage('exempt', '--reason', 'x')).toMatch(
      /^missing --until DATE: an exemption needs an expiry/,
    );
  });

  it('refuses an expiry in the past or that is not a date', () => {
    expect(usageMessage('backout', '--reason', 'x', '--until', '2026-11-19')).toMatch(
      /^--until 2026-11-19 is in the past \(now 2026-11-20T10:00:00.000Z\)/,
    );
    expect(usageMessage('backout', '--reason', 'x', '--until', '2026-11-20T09:59:00Z')).toMatch(
      /is in the past/,
    );
    expect(usageMessage('backout', '--reason', 'x', '--until', 'next friday')).toMatch(
      /^--until: expected a date YYYY-MM-DD .* \(received "next friday"\)/,
    );
    expect(usageMessage('backout', '--reason', 'x', '--until', '2026-02-30')).toMatch(
      /^--until: expected a date/,
    );
  });

  it('counts --max-days in whole days from today, default 30', () => {
    expect(backout('--reason', 'x', '--until', '2026-12-20')).toMatchObject({ command: 'backout' });
    expect(usageMessage('backout', '--reason', 'x', '--until', '2026-12-21')).toMatch(
      /^--until 2026-12-21 is more than 30 days ahead \(latest allowed: 2026-12-20\)/,
    );
    expect(backout('--reason', 'x', '--until', '2026-12-21', '--max-days', '31')).toMatchObject({
      command: 'backout',
    });
    expect(usageMessage('backout', '--reason', 'x', '--until', '2026-11-22', '--max-days', '1')).toMatch(
      /more than 1 days ahead/,
    );
    expect(usageMessage('backout', '--reason', 'x', '--until', '2026-11-22', '--max-days', '0')).toMatch(
      /^--max-days: expected a whole number of days from 1 to 365/,
    );
    expect(usageMessage('backout', '--reason', 'x', '--until', '2026-11-22', '--max-days', 'ten')).toMatch(
      /^--max-days: expected a whole number/,
    );
  });

  it('refuses a reason a GuardDuty tag value cannot hold', () => {
    expect(usageMessage('backout', '--reason', 'rollback (see #12)', '--until', '2026-12-01')).toMatch(
      /^--reason: may contain only letters, digits, spaces and _ \. : \/ = \+ - @/,
    );
    expect(usageMessage('backout', '--reason', 'x'.repeat(257), '--until', '2026-12-01')).toMatch(
      /^--reason: must be at most 256 characters/,
    );
  });

  it('ends every usage error with where to find help', () => {
    expect(usageMessage('backout', '--until', '2026-12-01')).toMatch(
      /\nRun `guardduty-drift backout --help` for usage\.$/,
    );
  });
});
