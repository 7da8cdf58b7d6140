import { describe, expect, it } from 'vitest';
import { EXIT } from '../../cli/errors.js';
import { helpText } from '../../cli/help.js';
import { runCli } from '../support/cli-harness.js';

const RESPONDER = 'arn:aws:iam::123456789012:role/guardduty-drift-responder';
const BREAK_GLASS = 'arn:aws:iam::123456789012:role/break-glass';

describe('guardduty-drift scp', () => {
  it('prints the policy as JSON and its size as printed on stderr, without warning when roles are exempt', async () => {
    const run = await runCli(['scp', '--responder-role', RESPONDER, '--break-glass-role', BREAK_GLASS]);
    expect(run.code).toBe(EXIT.ok);
    const policy = JSON.parse(run.stdout);
    expect(policy.Version).toBe('2012-10-17');
    // The CLI and SDKs count the text as given, whitespace included: the printed size is the one reported.
    const printed = run.stdout.trimEnd().length;
    expect(printed).toBeGreaterThan(JSON.stringify(policy).length);
    expect(printed).toBeLessThan(5120);
    expect(run.stderr).toContain(
      `SCP size ${printed} of 5120 characters as printed (${JSON.stringify(policy).length} minified)`,
    );
    expect(run.stderr).toContain('management account');
    expect(run.stderr).not.toContain('warning');
    expect(policy.Statement[0].Condition.ArnNotLike['aws:PrincipalArn']).toEqual([RESPONDER, BREAK_GLASS]);
  });

  it('prints the minified document with --minified', async () => {
    const run = await runCli(['scp', '--break-glass-role', BREAK_GLASS, '--minified']);
    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout).toBe(`${JSON.stringify(JSON.parse(run.stdout))}\n`);
  });

  it('warns on stderr that nobody is exempt when no role is given, and still prints the policy', async () => {
    const run = await runCli(['scp']);
    expect(run.code).toBe(EXIT.ok);
    expect(run.stderr).toMatch(
      /warning: no --responder-role or --break-glass-role given, so nobody is exempt/,
    );
    expect(run.stderr).toContain("responder's own remediation");
    expect(JSON.parse(run.stdout).Statement.length).toBeGreaterThan(0);
  });

  it('refuses a bad ARN with the usage exit code, the expected shape, and nothing on stdout', async () => {
    const run = await runCli(['scp', '--responder-role', 'arn:aws:iam::123456789012:user/alice']);
    expect(run.code).toBe(EXIT.usage);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(
      /--responder-role: expected an IAM role ARN such as arn:aws:iam::123456789012:role\/.*\(received "arn:aws:iam::123456789012:user\/alice"\)/,
    );
    expect(run.stderr).toContain('guardduty-drift scp --help');
  });

  it('refuses an unknown option with the usage exit code', async () => {
    const run = await runCli(['scp', '--region', 'eu-west-1']);
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toMatch(/^guardduty-drift: scp: Unknown option '--region'/);
  });

  it('has its own --help, and the overview lists it', async () => {
    const run = await runCli(['scp', '--help']);
    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout).toMatch(
      /^Usage: guardduty-drift scp \[--responder-role ARN\] \[--break-glass-role ARN\]/,
    );
    expect(run.stdout).toContain('cannot tell "disable" from "enable"');
    expect(helpText(undefined)).toMatch(/^ {2}scp {8}prevention:/m);
  });

  it('answers `help scp` and `help report` as their --help, and names both in the unknown-command hint', async () => {
    const scpHelp = await runCli(['help', 'scp']);
    expect(scpHelp.code).toBe(EXIT.ok);
    expect(scpHelp.stdout).toMatch(/^Usage: guardduty-drift scp /);
    const reportHelp = await runCli(['help', 'report']);
    expect(reportHelp.code).toBe(EXIT.ok);
    expect(reportHelp.stdout).toMatch(/^Usage: guardduty-drift report/);
    const unknown = await runCli(['status']);
    expect(unknown.code).toBe(EXIT.usage);
    expect(unknown.stderr).toMatch(/unknown command "status" \(expected one of: check, .*, report, scp\)/);
  });

  it('refuses to print an indented policy over the limit the CLI would count, and prints it with --minified', async () => {
    // Long paths: 4,522 characters minified, 5,400 once indented.
    const long = (name: string) => `arn:aws:iam::123456789012:role/${'team/'.repeat(70)}${name}`;
    const args = ['scp', '--responder-role', long('responder'), '--break-glass-role', long('break-glass')];
    const indented = await runCli(args);
    expect(indented.code).toBe(EXIT.usage);
    expect(indented.stdout).toBe('');
    expect(indented.stderr).toMatch(
      /the printed policy is \d+ characters, over the 5120-character SCP limit.*use --minified/,
    );
    const minified = await runCli([...args, '--minified']);
    expect(minified.code).toBe(EXIT.ok);
    expect(minified.stdout.trimEnd().length).toBeLessThanOrEqual(5120);
  });

  it('notes that a wildcard role exempts every role it matches, and is silent for an exact one', async () => {
    const wildcard = await runCli(['scp', '--break-glass-role', 'arn:aws:iam::*:role/ops/break-glass-*']);
    expect(wildcard.code).toBe(EXIT.ok);
    expect(wildcard.stderr).toContain('arn:aws:iam::*:role/ops/break-glass-* has a wildcard');
    const exact = await runCli(['scp', '--break-glass-role', 'arn:aws:iam::*:role/break-glass']);
    expect(exact.stderr).not.toContain('has a wildcard');
  });
});
