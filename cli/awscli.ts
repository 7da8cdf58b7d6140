import type { RemediationPlan } from '../handlers/core/decide.js';
import type { FeatureUpdate } from './aws.js';

/** The AWS CLI equivalents of what the tool does, printed next to every action and in `--help`. */

export function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

function command(
  parts: readonly string[],
  region: string,
  profile: string | undefined,
  endpointUrl: string | undefined,
): string {
  const tail = [
    '--region',
    region,
    ...(profile ? ['--profile', profile] : []),
    ...(endpointUrl ? ['--endpoint-url', endpointUrl] : []),
  ];
  return ['aws', 'guardduty', ...parts, ...tail].map(shellQuote).join(' ');
}

function featuresJson(feature: FeatureUpdate): string {
  return JSON.stringify([
    {
      Name: feature.name,
      Status: feature.status,
      AdditionalConfiguration: feature.additionalConfiguration.map((config) => ({
        Name: config.name,
        Status: config.status,
      })),
    },
  ]);
}

export function listDetectorsCli(region: string, profile?: string, endpointUrl?: string): string {
  return command(['list-detectors'], region, profile, endpointUrl);
}

export function getDetectorCli(
  detectorId: string,
  region: string,
  profile?: string,
  endpointUrl?: string,
): string {
  return command(
    ['get-detector', '--detector-id', detectorId, '--query', '{Status:Status,Features:Features,Tags:Tags}'],
    region,
    profile,
    endpointUrl,
  );
}

export function updateFeatureCli(
  detectorId: string,
  feature: FeatureUpdate,
  region: string,
  profile?: string,
  endpointUrl?: string,
): string {
  return command(
    ['update-detector', '--detector-id', detectorId, '--features', featuresJson(feature)],
    region,
    profile,
    endpointUrl,
  );
}

export function planCli(
  plan: RemediationPlan,
  region: string,
  profile?: string,
  endpointUrl?: string,
): string {
  return command(
    [
      'update-detector',
      '--detector-id',
      plan.detectorId,
      ...(plan.resumeDetector ? ['--enable'] : []),
      ...(plan.feature ? ['--features', featuresJson(plan.feature)] : []),
    ],
    region,
    profile,
    endpointUrl,
  );
}

export function tagCli(
  resourceArn: string,
  tags: Readonly<Record<string, string>>,
  region: string,
  profile?: string,
  endpointUrl?: string,
): string {
  return command(
    ['tag-resource', '--resource-arn', resourceArn, '--tags', JSON.stringify(tags)],
    region,
    profile,
    endpointUrl,
  );
}

export function untagCli(
  resourceArn: string,
  keys: readonly string[],
  region: string,
  profile?: string,
  endpointUrl?: string,
): string {
  return command(
    ['untag-resource', '--resource-arn', resourceArn, '--tag-keys', ...keys],
    region,
    profile,
    endpointUrl,
  );
}
