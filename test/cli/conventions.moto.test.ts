import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { dateIn, detectorOf, featureOf, runCli, runCliJson } from '../support/cli-harness.js';
import { type GuardDutyTagShim, MOTO_ACCOUNT, startGuardDutyTagShim } from '../support/guardduty-tag-shim.js';
import { createDetector, motoClients, PROTECTED_RUNTIME } from '../support/moto-aws.js';

// The conventions an operator expects of an AWS command-line tool, against moto behind the tag shim (which records
// the GuardDuty requests, so a test can tell which endpoint a call went to). This file owns the GovCloud Regions.
const motoEndpoint = inject('motoEndpoint');
const REGION = 'us-gov-west-1';
const OTHER_REGION = 'us-gov-east-1';
/** A loopback port where nothing listens: a call that goes there fails at once. */
const DEAD_ENDPOINT = 'http://127.0.0.1:9';

let shim: GuardDutyTagShim;
let configDir: string;
let saved: NodeJS.ProcessEnv;

beforeAll(async () => {
  shim = await startGuardDutyTagShim(motoEndpoint);
  configDir = await mkdtemp(join(tmpdir(), 'guardduty-drift-config-'));
});
afterAll(async () => {
  await shim.close();
  await rm(configDir, { recursive: true, force: true });
});
beforeEach(() => {
  saved = { ...process.env };
});
afterEach(() => {
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
  Object.assign(process.env, saved);
});

const sent = (region: string, operation: string) =>
  shim.requests.filter((request) => request.region === region && request.operation === operation);

let configCount = 0;
/**
 * An ~/.aws/config of the test's own (a new path each time: the SDK caches files by path), pointed at by
 * AWS_CONFIG_FILE. The environment's access keys, Region and endpoint are removed: the profile is the only source.
 */
async function useConfigFile(text: string): Promise<string> {
  configCount += 1;
  const path = join(configDir, `config-${configCount}`);
  await writeFile(path, text);
  process.env.AWS_CONFIG_FILE = path;
  process.env.AWS_SHARED_CREDENTIALS_FILE = join(configDir, 'no-credentials-file');
  delete process.env.AWS_ACCESS_KEY_ID;
  delete process.env.AWS_SECRET_ACCESS_KEY;
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_ENDPOINT_URL;
  delete process.env.AWS_REGION;
  return path;
}

const profile = (name: string, lines: readonly string[]) =>
  [
    `[profile ${name}]`,
    `region = ${REGION}`,
    'aws_access_key_id = testing',
    'aws_secret_access_key = testing',
    ...lines,
    '',
  ].join('\n');

describe('Option: --profile', () => {
  it('says that a profile given with --profile does not exist, naming the file and the profiles in it', async () => {
    // Prepare
    const path = await useConfigFile(profile('operator', []));

    // Act
    const run = await runCli(['check', '--profile', 'nosuch']);

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `guardduty-drift: the profile "nosuch" given with --profile does not exist in ${path} or ` +
        `${join(configDir, 'no-credentials-file')}; profiles there: operator ` +
        '(`aws configure list-profiles` lists them, `aws configure sso` creates one)\n',
    );
    expect(run.stderr).not.toContain('no AWS credentials');
    expect(shim.requests).toEqual([]);
  });

  it('says the same of a profile named by AWS_PROFILE', async () => {
    await useConfigFile(profile('operator', []));
    process.env.AWS_PROFILE = 'nosuch';

    const run = await runCli(['check', '--region', REGION]);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain('the profile "nosuch" named by AWS_PROFILE does not exist');
  });

  it("honours the profile's endpoint_url with --profile as with AWS_PROFILE", async () => {
    await useConfigFile(profile('emulator', [`endpoint_url = ${shim.endpoint}`]));
    await createDetector(motoClients(motoEndpoint, REGION), PROTECTED_RUNTIME);

    const withOption = await runCli(['check', '--profile', 'emulator']);
    const listedWithOption = sent(REGION, 'ListDetectors').length;
    process.env.AWS_PROFILE = 'emulator';
    const withEnvironment = await runCli(['check']);

    expect(withOption, withOption.stdout).toMatchObject({ code: 0, stderr: '' });
    expect(listedWithOption).toBe(1);
    expect(withEnvironment).toMatchObject({ code: 0, stderr: '' });
    expect(sent(REGION, 'ListDetectors')).toHaveLength(2);
  });

  it("prefers the profile's services section for GuardDuty over its endpoint_url", async () => {
    await useConfigFile(
      [
        profile('split', [`endpoint_url = ${DEAD_ENDPOINT}`, 'services = local']),
        '[services local]',
        'guardduty =',
        `  endpoint_url = ${shim.endpoint}`,
        '',
      ].join('\n'),
    );

    const run = await runCliJson(['check', '--profile', 'split', '--region', OTHER_REGION]);

    expect(run.json.summary).toMatchObject({ regions: 1, regionErrors: 0 });
    expect(sent(OTHER_REGION, 'ListDetectors').length).toBeGreaterThan(0);
  });
});

describe('Option: --endpoint-url', () => {
  it('sends the GuardDuty calls to the URL, ahead of AWS_ENDPOINT_URL, and shows it in the AWS CLI equivalents', async () => {
    process.env.AWS_ENDPOINT_URL = DEAD_ENDPOINT;
    const detectorId = await createDetector(motoClients(motoEndpoint, OTHER_REGION), [
      { Name: 'RUNTIME_MONITORING', Status: 'DISABLED' },
    ]);

    const run = await runCliJson([
      'enable',
      '--region',
      OTHER_REGION,
      '--dry-run',
      '--endpoint-url',
      shim.endpoint,
    ]);

    expect(run.code).toBe(0);
    const detector = run.json.regions[0]?.detectors.find((entry) => entry.detectorId === detectorId);
    expect(detector?.actions[0]?.awsCli).toMatch(
      new RegExp(
        `^aws guardduty update-detector .* --region ${OTHER_REGION} --endpoint-url ${shim.endpoint}$`,
      ),
    );
  });

  it('refuses a value that is not an http(s) URL', async () => {
    const run = await runCli(['check', '--endpoint-url', 'localhost:5000']);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--endpoint-url: expected an http:// or https:// URL');
  });
});

describe('Errors', () => {
  it('writes a Region error to stderr, not into the report on stdout', async () => {
    shim.deny('ListDetectors');
    try {
      const text = await runCli(['check', '--region', REGION, '--endpoint-url', shim.endpoint]);
      const json = await runCliJson(['check', '--region', REGION, '--endpoint-url', shim.endpoint]);

      expect(text.code).toBe(3);
      expect(text.stderr).toMatch(
        /^guardduty-drift: us-gov-west-1: access denied in us-gov-west-1: the identity needs the IAM permission guardduty:ListDetectors/,
      );
      expect(text.stdout).not.toContain('access denied');
      expect(text.stdout).toMatch(/us-gov-west-1\s.*ERROR$/m);
      expect(text.stdout).toContain('1 Region(s) failed (the errors are on stderr)');
      // In JSON the error stays in the document too: a script reads it from there.
      expect(json.stderr).toContain('guardduty-drift: us-gov-west-1: access denied');
      expect(json.json.regions[0]).toMatchObject({ status: 'error', errorKind: 'access-denied' });
    } finally {
      shim.allow('ListDetectors');
    }
  });

  it('prints one JSON document with the error when --json is given and the command fails as a whole', async () => {
    const usage = await runCli(['check', '--region', 'eu-wset-1', '--json']);
    const unknown = await runCli(['frobnicate', '--json']);

    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.stdout)).toMatchObject({
      schemaVersion: 1,
      command: 'check',
      exitCode: 2,
      error: { kind: 'usage', message: expect.stringContaining('unknown Region "eu-wset-1"') },
      summary: null,
      regions: [],
    });
    expect(usage.stderr).toContain('unknown Region "eu-wset-1"');
    expect(unknown.code).toBe(2);
    expect(JSON.parse(unknown.stdout)).toMatchObject({ command: null, error: { kind: 'usage' } });
  });

  it('says that the endpoint lacks the GuardDuty tagging API when backout meets moto itself, and disables nothing', async () => {
    // moto 5.2.1 answers TagResource with an HTML 404 page, which the SDK reports as `SyntaxError: Unexpected token '<'`.
    const region = OTHER_REGION;
    const clients = motoClients(motoEndpoint, region);
    const detectorId = await createDetector(clients, PROTECTED_RUNTIME);

    const run = await runCliJson([
      'backout',
      '--region',
      region,
      '--endpoint-url',
      motoEndpoint,
      '--account-id',
      MOTO_ACCOUNT,
      '--reason',
      'CHG-77 emulator',
      '--until',
      dateIn(3),
    ]);

    expect(run.code).toBe(3);
    expect(run.json.regions[0]).toMatchObject({ status: 'error', errorKind: 'unsupported' });
    expect(run.json.regions[0]?.error).toContain(
      `guardduty:TagResource in ${region}: ${motoEndpoint} does not implement this API`,
    );
    expect(run.stderr).toContain('The endpoint lacks the GuardDuty tagging API (TagResource, UntagResource)');
    expect(run.stderr).not.toContain('SyntaxError');
    expect(run.stdout).not.toContain('Unexpected token');
    expect(featureOf(await detectorOf(clients, detectorId), 'RUNTIME_MONITORING')?.Status).toBe('ENABLED');
  });
});

describe('Option: --all-regions', () => {
  it('prints the create-detector hint once, naming every Region without a detector', async () => {
    const run = await runCli(['check', '--all-regions', '--endpoint-url', shim.endpoint]);

    const hints = run.stdout.match(/aws guardduty create-detector/g) ?? [];
    expect(hints).toHaveLength(1);
    expect(run.stdout).toMatch(/^no GuardDuty detector in \d+ Regions: [a-z]+-[a-z]+-\d, /m);
    expect(run.stdout).toContain('--region REGION');
  });
});
