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
import { createGuardDutyClient } from '../handlers/clients.js';
import type { RemediationPlan } from '../handlers/core/decide.js';
import type { AdditionalConfiguration, DetectorState, RuntimeFeature } from '../handlers/core/types.js';
import { explainAwsError, UsageError } from './errors.js';
import { OPT_IN_REGIONS, partitionOf } from './regions.js';

/**
 * The CLI's user-agent marker. It differs from the responder's, so CloudTrail shows who made a call; the responder
 * only treats a call as its own when the role session name is its function name as well.
 */
export const CLI_USER_AGENT = 'guardduty-drift-cli';

export interface AwsSettings {
  /** `--profile`; otherwise the SDK's own resolution (AWS_PROFILE, environment keys, SSO, instance role...). */
  readonly profile: string | undefined;
  /** `--account-id`, for the detector ARN that the tagging APIs take. */
  readonly accountId: string | undefined;
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
}

export interface AwsContext {
  forRegion(region: string): RegionGuardDuty;
  /** The Region the SDK would use by default (AWS_REGION, then the profile's `region`). */
  defaultRegion(): Promise<string>;
}

/** Runs one AWS call, turning its failure into an operator-facing error that names the IAM action. */
async function call<T>(action: string, region: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw explainAwsError(error, action, region, OPT_IN_REGIONS.has(region));
  }
}

function clientFor(region: string | undefined, settings: AwsSettings): GuardDutyClient {
  return createGuardDutyClient(CLI_USER_AGENT, {
    ...(region ? { region } : {}),
    ...(settings.profile ? { profile: settings.profile } : {}),
    // Fail fast on an unreachable Region instead of hanging a scan of thirty of them.
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 20_000 },
  });
}

const ACCOUNT_ID = /^\d{12}$/;

/**
 * The account of the credentials: `--account-id`, else the account the SDK's credential chain reports (SSO,
 * assume-role profiles, `aws_account_id` in a profile, `AWS_ACCOUNT_ID`), else STS GetCallerIdentity (plain access
 * keys carry no account). The tagging APIs need it for the detector ARN.
 */
async function resolveAccountId(client: GuardDutyClient, settings: AwsSettings, region: string) {
  const identity = await call('resolving credentials', region, () => client.config.credentials());
  const fromCredentials =
    identity.accountId ??
    (await call('sts:GetCallerIdentity', region, async () => {
      const sts = new STSClient({
        region,
        credentials: identity,
        ...(settings.profile ? { profile: settings.profile } : {}),
      });
      return (await sts.send(new GetCallerIdentityCommand({}))).Account;
    }));
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

/** Per-Region GuardDuty access with the CLI's settings; clients are built once per Region. */
export function awsContext(settings: AwsSettings): AwsContext {
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
      const arnOf = async (detectorId: string) => {
        account ??= resolveAccountId(sdk, settings, region);
        return `arn:${partitionOf(region)}:guardduty:${region}:${await account}:detector/${detectorId}`;
      };
      return {
        region,
        listDetectorIds: () => call('guardduty:ListDetectors', region, () => adapter.listDetectorIds()),
        getDetector: (id) => call('guardduty:GetDetector', region, () => adapter.getDetector(id)),
        applyPlan: (plan) => call('guardduty:UpdateDetector', region, () => adapter.updateDetector(plan)),
        async updateFeature(detectorId, feature) {
          await call('guardduty:UpdateDetector', region, () =>
            sdk.send(
              new UpdateDetectorCommand({ DetectorId: detectorId, Features: [featureRequest(feature)] }),
            ),
          );
        },
        async tagDetector(detectorId, tags) {
          const resourceArn = await arnOf(detectorId);
          await call('guardduty:TagResource', region, () =>
            sdk.send(new TagResourceCommand({ ResourceArn: resourceArn, Tags: { ...tags } })),
          );
        },
        async untagDetector(detectorId, keys) {
          const resourceArn = await arnOf(detectorId);
          await call('guardduty:UntagResource', region, () =>
            sdk.send(new UntagResourceCommand({ ResourceArn: resourceArn, TagKeys: [...keys] })),
          );
        },
        detectorArn: arnOf,
      };
    },
  };
}
