import {
  type FeatureAdditionalConfiguration,
  type FeatureStatus,
  type GuardDutyClient,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateDetectorCommand,
} from '@aws-sdk/client-guardduty';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { guardDutyAdapter } from '../handlers/adapters/guardduty.js';
import { guardDutyCoverageAdapter } from '../handlers/adapters/guardduty-coverage.js';
import { createGuardDutyClient, type HttpTimeouts } from '../handlers/clients.js';
import type { RemediationPlan } from '../handlers/core/decide.js';
import type { AdditionalConfiguration, DetectorState, RuntimeFeature } from '../handlers/core/types.js';
import type { CoveragePort } from '../handlers/ports.js';
import { assertProfileExists, configuredEndpoint, namedProfile } from './aws-config.js';
import { AwsCallError, explainAwsError, UsageError } from './errors.js';
import { OPT_IN_REGIONS, partitionOf } from './regions.js';

/**
 * The CLI's user-agent marker. It differs from the responder's, so CloudTrail shows who made a call; the responder
 * only treats a call as its own when the role session name is its function name as well.
 */
export const CLI_USER_AGENT = 'guardduty-drift-cli';

/**
 * Timeouts of every CLI call, sized for an operator's laptop (VPN, hotel Wi-Fi, another continent) rather than for
 * the Lambda's in-Region network. `throwOnRequestTimeout` makes the request timeout an error: without it the SDK only
 * warns and waits on, and a silent endpoint hangs the CLI. The SDK's standard retry makes 3 attempts with under
 * 0.15 s of backoff between them, so one call gives up after at most 3 × 6 s + 0.15 s ≈ 18 s and the command exits 3
 * (per Region: `--all-regions` scans six at a time).
 */
export const CLI_TIMEOUTS: HttpTimeouts = {
  connectionTimeout: 3_000,
  requestTimeout: 6_000,
  throwOnRequestTimeout: true,
};

export interface AwsSettings {
  /** `--profile`; otherwise the SDK's own resolution (AWS_PROFILE, environment keys, SSO, instance role...). */
  readonly profile: string | undefined;
  /** `--account-id`, for the detector ARN that the tagging APIs take. */
  readonly accountId: string | undefined;
  /** `--endpoint-url`: GuardDuty calls go there instead of the configured or the AWS endpoint. */
  readonly endpointUrl: string | undefined;
  /** Where AWS_PROFILE, AWS_ENDPOINT_URL… are read from: the process's environment. */
  readonly env: NodeJS.ProcessEnv;
}

/** Settings resolved once per run: the named profile checked, the endpoints known. */
interface ResolvedSettings {
  readonly profile: string | undefined;
  readonly accountId: string | undefined;
  readonly guardDutyEndpoint: string | undefined;
  readonly stsEndpoint: string | undefined;
  /** Whether the GuardDuty endpoint was given with --endpoint-url (which STS does not follow). */
  readonly explicitEndpoint: boolean;
}

/** One runtime feature entry of an UpdateDetector request, with its full additionalConfiguration list. */
export interface FeatureUpdate {
  readonly name: RuntimeFeature;
  readonly status: 'ENABLED' | 'DISABLED';
  readonly additionalConfiguration: readonly AdditionalConfiguration[];
}

/** GuardDuty in one Region, as the CLI needs it: the responder's adapter plus the calls only operators make. */
export interface RegionGuardDuty {
  readonly region: string;
  listDetectorIds(): Promise<string[]>;
  getDetector(detectorId: string): Promise<DetectorState | undefined>;
  /** The responder's own remediation request (one generation, resume if suspended). */
  applyPlan(plan: RemediationPlan): Promise<void>;
  /** One UpdateDetector naming exactly one runtime feature. */
  updateFeature(detectorId: string, feature: FeatureUpdate): Promise<void>;
  tagDetector(detectorId: string, tags: Readonly<Record<string, string>>): Promise<void>;
  untagDetector(detectorId: string, keys: readonly string[]): Promise<void>;
  /** `arn:PARTITION:guardduty:REGION:ACCOUNT:detector/ID`, the resource the tagging APIs take. */
  detectorArn(detectorId: string): Promise<string>;
  /** ListCoverage (every page, EKS) and GetCoverageStatistics, as the responder's sweep reads them. */
  readonly coverage: CoveragePort;
}

export interface AwsContext {
  forRegion(region: string): RegionGuardDuty;
  /** The Region the SDK would use by default (AWS_REGION, then the profile's `region`). */
  defaultRegion(): Promise<string>;
}

/** Runs one AWS call, turning its failure into an operator-facing error that names the IAM action. */
async function call<T>(
  action: string,
  region: string,
  endpoint: string | undefined,
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw explainAwsError(error, action, { region, optIn: OPT_IN_REGIONS.has(region), endpoint });
  }
}

function clientFor(region: string | undefined, settings: ResolvedSettings): GuardDutyClient {
  return createGuardDutyClient(CLI_USER_AGENT, {
    ...(region ? { region } : {}),
    ...(settings.profile ? { profile: settings.profile } : {}),
    ...(settings.guardDutyEndpoint ? { endpoint: settings.guardDutyEndpoint } : {}),
    requestHandler: CLI_TIMEOUTS,
  });
}

/** STS GetCallerIdentity with the GuardDuty client's credentials, at STS's own configured endpoint. */
async function callerAccount(
  identity: Awaited<ReturnType<GuardDutyClient['config']['credentials']>>,
  settings: ResolvedSettings,
  region: string,
): Promise<string | undefined> {
  try {
    return await call('sts:GetCallerIdentity', region, settings.stsEndpoint, async () => {
      const sts = new STSClient({
        region,
        credentials: identity,
        ...(settings.profile ? { profile: settings.profile } : {}),
        ...(settings.stsEndpoint ? { endpoint: settings.stsEndpoint } : {}),
        requestHandler: CLI_TIMEOUTS,
      });
      return (await sts.send(new GetCallerIdentityCommand({}))).Account;
    });
  } catch (error) {
    if (!(error instanceof AwsCallError) || !settings.explicitEndpoint) throw error;
    throw new AwsCallError(
      `${error.message} (--endpoint-url applies to GuardDuty only: pass --account-id to skip this STS call)`,
      error.kind,
      { cause: error },
    );
  }
}

const ACCOUNT_ID = /^\d{12}$/;

/**
 * The account of the credentials: `--account-id`, else the account the SDK's credential chain reports (SSO,
 * assume-role profiles, `aws_account_id` in a profile, `AWS_ACCOUNT_ID`), else STS GetCallerIdentity (plain access
 * keys carry no account). The tagging APIs need it for the detector ARN. A given `--account-id` is checked against
 * the credentials' own account but costs no STS call: a wrong one makes TagResource fail before anything changes.
 */
async function resolveAccountId(client: GuardDutyClient, settings: ResolvedSettings, region: string) {
  const identity = await call('resolving credentials', region, undefined, () => client.config.credentials());
  const fromCredentials =
    identity.accountId ?? (settings.accountId ? undefined : await callerAccount(identity, settings, region));
  if (settings.accountId && fromCredentials && settings.accountId !== fromCredentials) {
    throw new UsageError(
      `--account-id ${settings.accountId} does not match the account of the credentials (${fromCredentials})`,
    );
  }
  const accountId = settings.accountId ?? fromCredentials;
  if (accountId === undefined || !ACCOUNT_ID.test(accountId)) {
    throw new UsageError(
      'cannot tell which account the detector belongs to, which the tagging APIs need for the detector ARN: ' +
        `pass --account-id 123456789012 (the credentials reported "${accountId ?? 'nothing'}")`,
    );
  }
  return accountId;
}

function featureRequest(feature: FeatureUpdate) {
  return {
    Name: feature.name,
    Status: feature.status,
    // Names and statuses go back as GetDetector listed them: an open set the SDK types close.
    AdditionalConfiguration: feature.additionalConfiguration.map((config) => ({
      Name: config.name as FeatureAdditionalConfiguration,
      Status: config.status as FeatureStatus,
    })),
  };
}

/**
 * Per-Region GuardDuty access with the CLI's settings; clients are built once per Region. A named profile that is
 * in neither shared file fails here, before any call (UsageError).
 */
export async function createAwsContext(options: AwsSettings): Promise<AwsContext> {
  const profile = namedProfile(options.profile, options.env);
  if (profile) await assertProfileExists(profile, options.env);
  const settings: ResolvedSettings = {
    profile: options.profile,
    accountId: options.accountId,
    guardDutyEndpoint: options.endpointUrl ?? (await configuredEndpoint('GuardDuty', profile, options.env)),
    stsEndpoint: await configuredEndpoint('STS', profile, options.env),
    explicitEndpoint: options.endpointUrl !== undefined,
  };
  const endpoint = settings.guardDutyEndpoint;
  const clients = new Map<string, GuardDutyClient>();
  let account: Promise<string> | undefined;
  const client = (region: string) => {
    let existing = clients.get(region);
    if (existing === undefined) {
      existing = clientFor(region, settings);
      clients.set(region, existing);
    }
    return existing;
  };

  return {
    async defaultRegion() {
      try {
        return await clientFor(undefined, settings).config.region();
      } catch (error) {
        throw new UsageError(
          'no Region given: pass --region (repeatable) or --all-regions, or set AWS_REGION or a region in the profile',
          { cause: error },
        );
      }
    },
    forRegion(region) {
      const sdk = client(region);
      const adapter = guardDutyAdapter(sdk);
      const coverage = guardDutyCoverageAdapter(sdk);
      const arnOf = async (detectorId: string) => {
        account ??= resolveAccountId(sdk, settings, region);
        return `arn:${partitionOf(region)}:guardduty:${region}:${await account}:detector/${detectorId}`;
      };
      return {
        region,
        listDetectorIds: () =>
          call('guardduty:ListDetectors', region, endpoint, () => adapter.listDetectorIds()),
        getDetector: (id) => call('guardduty:GetDetector', region, endpoint, () => adapter.getDetector(id)),
        applyPlan: (plan) =>
          call('guardduty:UpdateDetector', region, endpoint, () => adapter.updateDetector(plan)),
        async updateFeature(detectorId, feature) {
          await call('guardduty:UpdateDetector', region, endpoint, () =>
            sdk.send(
              new UpdateDetectorCommand({ DetectorId: detectorId, Features: [featureRequest(feature)] }),
            ),
          );
        },
        async tagDetector(detectorId, tags) {
          const resourceArn = await arnOf(detectorId);
          await call('guardduty:TagResource', region, endpoint, () =>
            sdk.send(new TagResourceCommand({ ResourceArn: resourceArn, Tags: { ...tags } })),
          );
        },
        async untagDetector(detectorId, keys) {
          const resourceArn = await arnOf(detectorId);
          await call('guardduty:UntagResource', region, endpoint, () =>
            sdk.send(new UntagResourceCommand({ ResourceArn: resourceArn, TagKeys: [...keys] })),
          );
        },
        detectorArn: arnOf,
        coverage: {
          listClusters: (id) =>
            call('guardduty:ListCoverage', region, endpoint, () => coverage.listClusters(id)),
          statistics: (id) =>
            call('guardduty:GetCoverageStatistics', region, endpoint, () => coverage.statistics(id)),
        },
      };
    },
  };
}
