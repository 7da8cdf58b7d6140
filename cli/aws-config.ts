import { ENV_PROFILE, loadSharedConfigFiles } from '@smithy/core/config';
import { UsageError } from './errors.js';

/** The SDK's service ids, as AWS_ENDPOINT_URL_<ID> and a `[services]` section's `<id> =` spell them. */
export type ServiceId = 'GuardDuty' | 'STS';

/** A named profile and where the name came from, for messages. */
export interface NamedProfile {
  readonly name: string;
  readonly from: '--profile' | 'AWS_PROFILE';
}

/** The profile the SDK will read: `--profile`, else AWS_PROFILE; undefined for the default chain. */
export function namedProfile(option: string | undefined, env: NodeJS.ProcessEnv): NamedProfile | undefined {
  if (option) return { name: option, from: '--profile' };
  const fromEnv = env[ENV_PROFILE];
  return fromEnv ? { name: fromEnv, from: 'AWS_PROFILE' } : undefined;
}

type ParsedIniData = Awaited<ReturnType<typeof loadSharedConfigFiles>>['configFile'];

/** The shared config and credentials files as the SDK parses them (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE). */
async function sharedFiles() {
  return loadSharedConfigFiles({ ignoreCache: true });
}

/** Profile names of a parsed file: `[default]` and `[profile NAME]` sections, not `sso-session` or `services`. */
function profileNames(data: ParsedIniData): string[] {
  return Object.keys(data).filter((key) => !/^(sso-session|services)\./.test(key));
}

/**
 * Fails, naming the profile and the files read, when a named profile is in neither shared file. The SDK would say
 * only that it found no credentials; a named profile also skips the environment's access keys, so nothing else would
 * be used instead.
 */
export async function assertProfileExists(profile: NamedProfile, env: NodeJS.ProcessEnv): Promise<void> {
  const { configFile, credentialsFile } = await sharedFiles();
  if (configFile[profile.name] !== undefined || credentialsFile[profile.name] !== undefined) return;
  const known = [...new Set([...profileNames(configFile), ...profileNames(credentialsFile)])].sort();
  const files = [
    env.AWS_CONFIG_FILE ?? '~/.aws/config',
    env.AWS_SHARED_CREDENTIALS_FILE ?? '~/.aws/credentials',
  ];
  throw new UsageError(
    `the profile "${profile.name}" ${profile.from === '--profile' ? 'given with --profile' : 'named by AWS_PROFILE'} ` +
      `does not exist in ${files.join(' or ')}; ` +
      (known.length ? `profiles there: ${known.join(', ')}` : 'no profile is defined there') +
      ' (`aws configure list-profiles` lists them, `aws configure sso` creates one)',
  );
}

const TRUE = /^true$/i;

/**
 * The endpoint URL configured for a service, resolved the way the AWS SDKs and CLI document it ("service-specific
 * endpoints"), but for the profile the CLI uses: AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, then the profile's
 * `services` section (`<service> = endpoint_url = …`), then its `endpoint_url`; none of them when
 * AWS_IGNORE_CONFIGURED_ENDPOINT_URLS or the profile's `ignore_configured_endpoint_urls` is true. The SDK reads the
 * profile part for AWS_PROFILE only and ignores a client's `profile`, so `--profile` would miss it.
 */
export async function configuredEndpoint(
  service: ServiceId,
  profile: NamedProfile | undefined,
  env: NodeJS.ProcessEnv,
): Promise<string | undefined> {
  const { configFile, credentialsFile } = await sharedFiles();
  const name = profile?.name ?? 'default';
  const section = { ...credentialsFile[name], ...configFile[name] };
  const ignore = env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ?? section.ignore_configured_endpoint_urls;
  if (ignore !== undefined && TRUE.test(ignore)) return undefined;

  const fromEnv = env[`AWS_ENDPOINT_URL_${service.toUpperCase()}`] || env.AWS_ENDPOINT_URL;
  if (fromEnv) return fromEnv;
  if (section.services) {
    const services = configFile[`services.${section.services}`];
    if (services === undefined) {
      throw new UsageError(
        `the profile "${name}" names services = ${section.services}, but the config file has no [services ${section.services}] section`,
      );
    }
    const url = services[`${service.toLowerCase()}.endpoint_url`];
    if (url) return url;
  }
  return section.endpoint_url || undefined;
}
