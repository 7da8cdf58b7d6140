import { GetDetectorCommand, type GetDetectorCommandOutput } from '@aws-sdk/client-guardduty';
import { main } from '../../cli/main.js';
import type { MotoClients } from './moto-aws.js';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI's main in this process, capturing what it writes; AWS settings come from process.env. */
export async function runCli(argv: readonly string[], now: Date = new Date()): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    now: () => now,
  });
  return { code, stdout, stderr };
}

/** Runs the CLI with `--json` and parses the document it prints. */
export async function runCliJson(argv: readonly string[], now?: Date) {
  const run = await runCli([...argv, '--json'], now);
  return { ...run, json: JSON.parse(run.stdout) as JsonReport };
}

export interface JsonDetector {
  detectorId: string;
  verdict: string;
  ok: boolean;
  before: Record<string, unknown> & { exemption: { status: string } };
  after: (Record<string, unknown> & { exemption: { status: string } }) | null;
  actions: { api: string; summary: string; awsCli: string; done: boolean }[];
  notes: string[];
}

export interface JsonReport {
  schemaVersion: number;
  command: string;
  dryRun: boolean;
  exitCode: number;
  summary: Record<string, number>;
  regions: {
    region: string;
    status: string;
    error: string | null;
    errorKind: string | null;
    detectors: JsonDetector[];
  }[];
}

/** GetDetector straight from the emulator (through the tag shim, so tags are included). */
export async function detectorOf(
  clients: MotoClients,
  detectorId: string,
): Promise<GetDetectorCommandOutput> {
  return clients.guardDuty.send(new GetDetectorCommand({ DetectorId: detectorId }));
}

export function featureOf(detector: GetDetectorCommandOutput, name: string) {
  return detector.Features?.find((feature) => feature.Name === name);
}

/** A date `days` from `now` as YYYY-MM-DD (UTC). */
export function dateIn(days: number, now: Date = new Date()): string {
  return new Date(now.getTime() + days * 24 * 60 * 60 * 1000).toISOString().slice(0, 10);
}
