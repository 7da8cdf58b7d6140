import packageJson from '../package.json' with { type: 'json' };
import { COMMANDS, parseCommandLine, STANDALONE_COMMANDS } from './args.js';
import { createAwsContext } from './aws.js';
import { backout } from './commands/backout.js';
import { check } from './commands/check.js';
import { enable } from './commands/enable.js';
import { exempt, unexempt } from './commands/exempt.js';
import { migrate } from './commands/migrate.js';
import { report as evidenceReport, parseReportArgs, REPORT_HELP } from './commands/report.js';
import { parseScpArgs, SCP_HELP, scp } from './commands/scp.js';
import { AwsCallError, EXIT, type ExitCode, UsageError } from './errors.js';
import { helpText } from './help.js';
import { type FatalError, fatalJsonDocument, renderChange, renderCheck, toJsonDocument } from './render.js';
import { type CommandReport, exitCodeOf } from './report.js';
import type { RunContext } from './run.js';

/** Where the CLI writes and what time it is: injected by tests, the process's own by default. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly now: () => Date;
}

const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  now: () => new Date(),
};

/** A failure that ends the whole command, with the exit code it maps to. */
function fatalError(error: unknown): FatalError {
  if (error instanceof UsageError) return { exitCode: EXIT.usage, kind: 'usage', message: error.message };
  if (error instanceof AwsCallError) return { exitCode: EXIT.aws, kind: error.kind, message: error.message };
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { exitCode: EXIT.aws, kind: 'unexpected', message: `unexpected error: ${message}` };
}

/** Runs one command line (argv without `node` and the script) and returns the exit code; never calls process.exit. */
export async function main(commandLine: readonly string[], io: Partial<CliIo> = {}): Promise<ExitCode> {
  const { stdout, stderr, now } = { ...processIo, ...io };
  // `help report` and `help scp` mean the same as `report --help` and `scp --help`.
  const [first, topic] = commandLine;
  const argv =
    first === 'help' && (STANDALONE_COMMANDS as readonly string[]).includes(topic ?? '')
      ? [topic ?? '', '--help']
      : commandLine;
  try {
    // The evidence report parses its own options (a table, a period, a format), apart from the detector commands.
    if (argv[0] === 'report') {
      const request = parseReportArgs(argv.slice(1), now());
      if (request === 'help') stdout(`${REPORT_HELP}\n`);
      else await evidenceReport(request, { stdout, stderr, now });
      return EXIT.ok;
    }
    // The SCP is printed, not applied: no AWS context, no detector options.
    if (argv[0] === 'scp') {
      const request = parseScpArgs(argv.slice(1));
      if (request === 'help') stdout(`${SCP_HELP}\n`);
      else scp(request, { stdout, stderr });
      return EXIT.ok;
    }
    const parsed = parseCommandLine(argv, now());
    if (parsed.command === 'help') {
      stdout(`${helpText(parsed.topic)}\n`);
      return EXIT.ok;
    }
    if (parsed.command === 'version') {
      stdout(`guardduty-drift ${packageJson.version}\n`);
      return EXIT.ok;
    }
    const context: RunContext = {
      aws: await createAwsContext({
        profile: parsed.options.profile,
        accountId: parsed.options.accountId,
        endpointUrl: parsed.options.endpointUrl,
        // The SDK reads the same environment itself (credentials, Region): there is only the process's.
        env: process.env,
      }),
      options: parsed.options,
      now,
      progress: (line) => stderr(`${line}\n`),
      error: (line) => stderr(`guardduty-drift: ${line}\n`),
    };
    let report: CommandReport;
    switch (parsed.command) {
      case 'check':
        report = await check(context, parsed.strict);
        break;
      case 'enable':
        report = await enable(context, parsed.generation, parsed.dryRun);
        break;
      case 'backout':
        report = await backout(context, parsed.exemption, parsed.dryRun);
        break;
      case 'exempt':
        report = await exempt(context, parsed.exemption, parsed.dryRun);
        break;
      case 'unexempt':
        report = await unexempt(context, parsed.dryRun);
        break;
      case 'migrate':
        report = await migrate(context, parsed.dryRun);
        break;
    }
    stdout(
      parsed.options.json
        ? `${JSON.stringify(toJsonDocument(report), null, 2)}\n`
        : `${report.command === 'check' ? renderCheck(report) : renderChange(report)}\n`,
    );
    return exitCodeOf(report);
  } catch (error) {
    const fatal = fatalError(error);
    stderr(`guardduty-drift: ${fatal.message}\n`);
    // The command line may not have parsed: --json is looked for as typed, so a script still gets its document.
    if (argv.includes('--json')) {
      const command = (COMMANDS as readonly string[]).find((name) => name === argv[0]) ?? null;
      const document = fatalJsonDocument(command, argv.includes('--dry-run'), now().toISOString(), fatal);
      stdout(`${JSON.stringify(document, null, 2)}\n`);
    }
    return fatal.exitCode;
  }
}
