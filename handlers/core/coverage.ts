/**
 * Per-cluster runtime coverage: what GuardDuty says about each EKS cluster (ListCoverage, the `GuardDuty Runtime
 * Protection Unhealthy|Healthy` events), reduced to one shape, judged covered / unhealthy / excluded, and the
 * documented next step for each issue type. Pure: no AWS SDK. The shapes and the issue table follow the GuardDuty
 * API Reference (CoverageResource, CoverageEksClusterDetails, AddonDetails) and the user guide's "Runtime coverage
 * and troubleshooting for Amazon EKS clusters"
 * (https://docs.aws.amazon.com/guardduty/latest/ug/eks-runtime-monitoring-coverage.html); see docs/coverage.md.
 *
 * Over 300 lines on purpose: the issue-type table and its next steps are one table, kept in one place.
 */
import { AWS_REGION_NAME } from '../contract.js';

/** The detail-types GuardDuty sends to EventBridge itself (durable delivery, no trail needed). */
export const COVERAGE_UNHEALTHY_DETAIL_TYPE = 'GuardDuty Runtime Protection Unhealthy';
export const COVERAGE_HEALTHY_DETAIL_TYPE = 'GuardDuty Runtime Protection Healthy';
export const COVERAGE_DETAIL_TYPES = [COVERAGE_UNHEALTHY_DETAIL_TYPE, COVERAGE_HEALTHY_DETAIL_TYPE] as const;
/** `resourceDetails.resourceType` of an EKS cluster (ECS and EC2 coverage are out of this responder's scope). */
export const EKS_RESOURCE_TYPE = 'EKS';
/** The EKS add-on that is the GuardDuty security agent. */
export const GUARDDUTY_AGENT_ADDON = 'aws-guardduty-agent';
/** GuardDuty's own per-cluster opt-out tag: `GuardDutyManaged=false` excludes a cluster from automated agent management. */
export const EXCLUSION_TAG = 'GuardDutyManaged';

/** Metric names (contract: the dashboard and the alarm use them), dimension `Region`, one datapoint per sweep. */
export const CLUSTERS_COVERED_METRIC = 'EksClustersCovered';
export const CLUSTERS_UNHEALTHY_METRIC = 'EksClustersUnhealthy';
export const CLUSTERS_EXCLUDED_METRIC = 'EksClustersExcluded';
/**
 * Per-cluster metrics, only when COVERAGE_CLUSTER_METRICS is `true` (dimensions `Region`, `AccountId`,
 * `ClusterName`): each cluster is two more custom metrics, which a large organization pays for.
 */
export const CLUSTER_COVERAGE_HEALTHY_METRIC = 'EksClusterCoverageHealthy';
export const CLUSTER_NODES_COVERED_METRIC = 'EksClusterNodesCoveredRatio';

/** One EKS cluster's runtime coverage, from ListCoverage or from a coverage event, in one shape. */
export interface ClusterCoverage {
  /** The cluster's account (ListCoverage `AccountId`, the event's `resourceAccountId`). */
  readonly accountId: string;
  readonly clusterName: string;
  /** `HEALTHY` or `UNHEALTHY` as GuardDuty reports it; undefined when it reported none. */
  readonly coverageStatus: string | undefined;
  /** `Issue type:Extra information`, when unhealthy. */
  readonly issue: string | undefined;
  /** Nodes with a healthy agent: the API's `coveredNodes`, the event's `availableNodes`. */
  readonly coveredNodes: number | undefined;
  /** Nodes the agent should run on: the API's `compatibleNodes`, the event's `desiredNodes`. */
  readonly compatibleNodes: number | undefined;
  readonly addonVersion: string | undefined;
  readonly addonStatus: string | undefined;
  /** `AUTO_MANAGED`, `MANUAL` or `DISABLED` (ListCoverage only: the events do not carry it). */
  readonly managementType: string | undefined;
  /** The cluster's GuardDuty detector (ListCoverage only). */
  readonly detectorId: string | undefined;
  readonly updatedAt: Date | undefined;
}

/** Covered: GuardDuty receives its runtime events. Excluded: deliberately or necessarily outside runtime monitoring. */
export type CoverageState = 'covered' | 'unhealthy' | 'excluded';

export interface CoverageVerdict {
  readonly state: CoverageState;
  /** Why it is excluded or unhealthy; undefined when covered. */
  readonly reason: string | undefined;
}

/** `Issue type:Extra information` (the user guide's structure); the type alone when there is no colon. */
export function splitIssue(issue: string | undefined): { type: string; extra: string | undefined } {
  if (issue === undefined || issue.trim() === '') return { type: '', extra: undefined };
  const at = issue.indexOf(':');
  if (at < 0) return { type: issue.trim(), extra: undefined };
  return { type: issue.slice(0, at).trim(), extra: issue.slice(at + 1).trim() || undefined };
}

const MENTIONS_EXCLUSION = /GuardDutyManaged|exclusion tag|\bexcluded\b/i;
const OUTPOSTS = /^Local EKS clusters$|outpost/i;

/**
 * Judges one cluster. HEALTHY is covered, whatever else is said. Not healthy and agent management `DISABLED` for the
 * cluster, or an issue that names the exclusion tag, is excluded: ListCoverage has no `EXCLUDED` value (the
 * ManagementType enum is AUTO_MANAGED | MANUAL | DISABLED), and `GuardDutyManaged=false` is what turns GuardDuty's
 * management of one cluster off (docs/coverage.md says which reading this rests on). A cluster GuardDuty cannot
 * cover at all (EKS on Outposts, "Not actionable" in the user guide) is excluded too, so the unhealthy count and
 * its alarm stay about what someone can fix. Anything else, a missing status included, is unhealthy: a security
 * control never reads "unknown" as protected.
 */
export function classify(cluster: ClusterCoverage): CoverageVerdict {
  if (cluster.coverageStatus === 'HEALTHY') return { state: 'covered', reason: undefined };
  if (cluster.managementType === 'DISABLED') {
    return {
      state: 'excluded',
      reason: `agent management is DISABLED for this cluster (GuardDuty's ${EXCLUSION_TAG}=false tag)`,
    };
  }
  const { type } = splitIssue(cluster.issue);
  if (cluster.issue !== undefined && MENTIONS_EXCLUSION.test(cluster.issue)) {
    return { state: 'excluded', reason: `excluded by GuardDuty's ${EXCLUSION_TAG}=false tag` };
  }
  if (OUTPOSTS.test(type)) {
    return { state: 'excluded', reason: 'EKS on Outposts (local cluster): GuardDuty cannot cover it' };
  }
  return {
    state: 'unhealthy',
    reason:
      cluster.coverageStatus === undefined
        ? 'GuardDuty reported no coverage status'
        : cluster.issue
          ? undefined
          : `coverage ${cluster.coverageStatus}, no issue given`,
  };
}

export interface CoverageCounts {
  readonly covered: number;
  readonly unhealthy: number;
  readonly excluded: number;
}

export function countCoverage(states: readonly CoverageState[]): CoverageCounts {
  const count = (state: CoverageState) => states.filter((each) => each === state).length;
  return { covered: count('covered'), unhealthy: count('unhealthy'), excluded: count('excluded') };
}

/** GetCoverageStatistics `COUNT_BY_COVERAGE_STATUS` for EKS: GuardDuty's own count, to check the listing against. */
export interface CoverageStatistics {
  readonly healthy: number;
  readonly unhealthy: number;
}

/**
 * Whether ListCoverage returned every cluster GuardDuty counts: a listing that came back short (a page lost, a
 * change between the calls) must not read as fewer unhealthy clusters than there are. Undefined when it did.
 */
export function listingShortfall(
  clusters: readonly ClusterCoverage[],
  statistics: CoverageStatistics | undefined,
): string | undefined {
  if (statistics === undefined) return undefined;
  const listedUnhealthy = clusters.filter((cluster) => cluster.coverageStatus !== 'HEALTHY').length;
  const listedHealthy = clusters.length - listedUnhealthy;
  if (listedUnhealthy >= statistics.unhealthy && listedHealthy >= statistics.healthy) return undefined;
  return (
    `GuardDuty counts ${statistics.unhealthy} unhealthy and ${statistics.healthy} healthy EKS cluster(s), ` +
    `ListCoverage returned ${listedUnhealthy} and ${listedHealthy}`
  );
}

/**
 * The GuardDuty endpoint does not serve the coverage API at all (HTTP 404, an unknown operation): an emulator, or a
 * partition without it. Coverage is then unknown, not unhealthy; any other failure (denied, throttled) is an error.
 */
export class CoverageUnavailableError extends Error {
  override readonly name = 'CoverageUnavailableError';
}

// ---------------------------------------------------------------------------------------------------------------
// The next step per issue type

export type IssueKind =
  | 'unsupported-kubernetes-version'
  | 'insufficient-resources'
  | 'agent-crashing'
  | 'insufficient-replicas'
  | 'admission-policy'
  | 'configuration-conflict'
  | 'addon-rbac'
  | 'vpc-dns-attributes'
  | 'shared-vpc'
  | 'shared-vpc-endpoint-deletion'
  | 'runtime-monitoring-toggle'
  | 'provisioning'
  | 'addon-issue'
  | 'excluded'
  | 'unsupported-cluster'
  | 'unknown';

/** What to do about one cluster: the documented fix, and the exact commands where there are some. */
export interface NextStep {
  readonly kind: IssueKind;
  /** One or two sentences. */
  readonly advice: string;
  /**
   * Commands for a person to run (the responder runs none: it writes nothing to EKS). Values the responder cannot
   * know stay in CAPITALS (DETECTOR_ID); event values appear only when well-formed (a cluster name, a VPC id).
   */
  readonly commands: readonly string[];
  /** False when nothing can or needs to be done (provisioning, unsupported, excluded on purpose). */
  readonly actionable: boolean;
  readonly docs: string;
}

/** Where the cluster is, and the detector the responder reads coverage through (the administrator's, in an organization). */
export interface StepContext {
  readonly region: string;
  /** The account the responder runs in: a cluster of another account is a member's. */
  readonly responderAccountId: string;
  readonly detectorId: string | undefined;
}

const UG = 'https://docs.aws.amazon.com/guardduty/latest/ug';
export const COVERAGE_DOCS = {
  troubleshooting: `${UG}/eks-runtime-monitoring-coverage.html#eks-runtime-monitoring-coverage-issues-troubleshoot`,
  addonIssues: `${UG}/eks-runtime-monitoring-coverage.html#gdu-eks-runtime-coverage-addon-issues`,
  supportedVersions: `${UG}/prereq-runtime-monitoring-eks-support.html#gdu-agent-supported-k8-version`,
  addonParameters: `${UG}/guardduty-configure-security-agent-eks-addon.html`,
  vpcEndpoint: `${UG}/validate-vpc-endpoint-config-runtime-monitoring.html`,
  sharedVpc: `${UG}/runtime-monitoring-shared-vpc.html`,
  ecrRepositories: `${UG}/runtime-monitoring-ecr-repository-gdu-agent.html`,
  exclusion: `${UG}/managing-gdu-agent-eks-automatically.html`,
  outposts: 'https://docs.aws.amazon.com/eks/latest/userguide/eks-outposts.html',
  addonIssueCodes: 'https://docs.aws.amazon.com/eks/latest/APIReference/API_AddonIssue.html',
} as const;

/** EKS cluster names (CreateCluster): a letter or digit, then letters, digits, `-` and `_`, at most 100. */
const CLUSTER_NAME = /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/;
const ACCOUNT_ID = /^\d{12}$/;
const DETECTOR_ID = /^[a-z0-9]{32}$/;

/** A value for a shell command: as it is when well-formed, else the placeholder (never attacker text in a command). */
function safe(value: string | undefined, pattern: RegExp, placeholder: string): string {
  return value !== undefined && pattern.test(value) ? value : placeholder;
}

function partition(region: string): { arn: string; service: string; dns: string } {
  if (region.startsWith('cn-'))
    return { arn: 'aws-cn', service: 'cn.com.amazonaws', dns: 'amazonaws.com.cn' };
  if (region.startsWith('us-gov-'))
    return { arn: 'aws-us-gov', service: 'com.amazonaws', dns: 'amazonaws.com' };
  return { arn: 'aws', service: 'com.amazonaws', dns: 'amazonaws.com' };
}

/** The documented fix for the cluster's issue (the user guide's troubleshooting tables, in its order of precedence). */
export function nextStep(cluster: ClusterCoverage, context: StepContext): NextStep {
  const region = safe(context.region, AWS_REGION_NAME, 'REGION');
  const name = safe(cluster.clusterName, CLUSTER_NAME, 'CLUSTER_NAME');
  const account = safe(cluster.accountId, ACCOUNT_ID, 'ACCOUNT_ID');
  const { arn, service, dns } = partition(region);
  const addon = `--region ${region} --cluster-name ${name} --addon-name ${GUARDDUTY_AGENT_ADDON}`;
  const describeAddon = `aws eks describe-addon ${addon} --query 'addon.{status:status,version:addonVersion,health:health}'`;
  const describeEndpoints =
    `aws ec2 describe-vpc-endpoints --region ${region} --filters Name=service-name,Values=${service}.${region}.guardduty-data ` +
    "--query 'VpcEndpoints[].{id:VpcEndpointId,vpc:VpcId,state:State,privateDns:PrivateDnsEnabled}'";
  const text = cluster.issue ?? '';
  const { type } = splitIssue(cluster.issue);
  const verdict = classify(cluster);

  if (verdict.state === 'excluded') {
    if (OUTPOSTS.test(type)) {
      return {
        kind: 'unsupported-cluster',
        advice:
          'Not actionable: EKS add-ons are not supported on local (Outposts) clusters, so GuardDuty cannot cover it.',
        commands: [],
        actionable: false,
        docs: COVERAGE_DOCS.outposts,
      };
    }
    return {
      kind: 'excluded',
      advice:
        `Left alone: the cluster is outside automated agent management (${EXCLUSION_TAG}=false is GuardDuty's own ` +
        'opt-out). If it should be monitored, remove the tag (or install the agent yourself).',
      commands: [
        `aws eks untag-resource --region ${region} --resource-arn arn:${arn}:eks:${region}:${account}:cluster/${name} --tag-keys ${EXCLUSION_TAG}`,
      ],
      actionable: false,
      docs: COVERAGE_DOCS.exclusion,
    };
  }
  if (verdict.state === 'covered') {
    return {
      kind: 'unknown',
      advice: 'Nothing: the cluster is covered.',
      commands: [],
      actionable: false,
      docs: COVERAGE_DOCS.troubleshooting,
    };
  }
  if (/resource provisioning in progress/i.test(text)) {
    return {
      kind: 'provisioning',
      advice:
        'Not actionable yet: GuardDuty is still provisioning runtime monitoring for this cluster (its coverage is ' +
        're-checked periodically). If it stays unhealthy, the coverage alarm fires.',
      commands: [],
      actionable: false,
      docs: COVERAGE_DOCS.troubleshooting,
    };
  }
  if (/permission not granted|authorization failure/i.test(text)) {
    return {
      kind: 'runtime-monitoring-toggle',
      advice:
        'Fix the cause the extra information names, then turn EKS Runtime Monitoring off and on again (the ' +
        'documented fix; it briefly affects every cluster of the account). In remediate mode the responder turns it ' +
        'back on by itself right after the first command.',
      commands: toggleCommands(cluster, context, region),
      actionable: true,
      docs: COVERAGE_DOCS.troubleshooting,
    };
  }
  if (/not compatible with current cluster version/i.test(text)) {
    return {
      kind: 'unsupported-kubernetes-version',
      advice:
        `The ${GUARDDUTY_AGENT_ADDON} add-on does not support this cluster's Kubernetes version: upgrade the cluster ` +
        'to a supported version (aws eks update-cluster-version).',
      commands: [
        `aws eks describe-cluster --region ${region} --name ${name} --query cluster.version`,
        `aws eks describe-addon-versions --region ${region} --addon-name ${GUARDDUTY_AGENT_ADDON} --query 'addons[].addonVersions[].compatibilities[].clusterVersion'`,
      ],
      actionable: true,
      docs: COVERAGE_DOCS.supportedVersions,
    };
  }
  if (/ConfigurationConflict/.test(text)) {
    const caution =
      cluster.managementType === 'AUTO_MANAGED'
        ? 'GuardDuty manages this add-on, so overwriting the direct edits restores it.'
        : cluster.managementType === 'MANUAL'
          ? 'The add-on is managed by you (MANUAL): OVERWRITE discards changes made directly to the DaemonSet, and an IaC tool that owns it will fight it; fix it there instead if one does.'
          : 'If your IaC manages the add-on (MANUAL), fix it there instead: OVERWRITE discards direct changes to the DaemonSet.';
    return {
      kind: 'configuration-conflict',
      advice: `Someone edited the agent's DaemonSet directly: update the add-on with resolve-conflicts OVERWRITE. ${caution}`,
      commands: [`aws eks update-addon ${addon} --resolve-conflicts OVERWRITE`],
      actionable: true,
      docs: COVERAGE_DOCS.addonIssues,
    };
  }
  if (/AdmissionRequestDenied|admission webhook/i.test(text)) {
    return {
      kind: 'admission-policy',
      advice:
        "A policy engine (Kyverno, Gatekeeper...) blocks the agent's DaemonSet amazon-guardduty/aws-guardduty-agent: " +
        "the cluster's security owner must let it through (allow GuardDuty's ECR registry, label the namespace as the " +
        'policy requires). The responder does not change security policies.',
      commands: ['kubectl get validatingwebhookconfigurations'],
      actionable: true,
      docs: COVERAGE_DOCS.ecrRepositories,
    };
  }
  if (/eks:addon-manager/.test(text) && /cannot patch/i.test(text)) {
    return {
      kind: 'addon-rbac',
      advice:
        'The eks:addon-cluster-admin ClusterRoleBinding was altered, so EKS cannot manage the add-on: restore it ' +
        '(cluster-admin for the user eks:addon-manager).',
      commands: [
        'kubectl create clusterrolebinding eks:addon-cluster-admin --clusterrole=cluster-admin --user=eks:addon-manager --dry-run=client -o yaml | kubectl apply -f -',
      ],
      actionable: true,
      docs: COVERAGE_DOCS.addonIssues,
    };
  }
  if (/InsufficientNumberOfReplicas/.test(text)) {
    if (/CrashLoopBackOff/.test(text)) {
      return {
        kind: 'agent-crashing',
        advice:
          `The agent pods crash: read their logs, and check that the VPC endpoint ${service}.${region}.guardduty-data ` +
          `exists with private DNS (guardduty-data.${region}.${dns} must resolve from the nodes) and that no endpoint ` +
          'policy or SCP denies guardduty:SendSecurityTelemetry.',
        commands: [
          'kubectl logs -n amazon-guardduty daemonset/aws-guardduty-agent --tail=50',
          describeEndpoints,
        ],
        actionable: true,
        docs: COVERAGE_DOCS.vpcEndpoint,
      };
    }
    if (/Insufficient (cpu|memory)|Too many pods|preemptionPolicy=Never/i.test(text)) {
      return {
        kind: 'insufficient-resources',
        advice:
          'The nodes are full and the agent may not preempt (preemptionPolicy=Never): give it the high priority ' +
          'class (add-on v1.5.0 or later; it may then preempt lower-priority pods), or add node capacity.',
        commands: [
          `aws eks update-addon ${addon} --configuration-values '{"priorityClassName":"aws-guardduty-agent.priorityclass-high"}'`,
        ],
        actionable: true,
        docs: COVERAGE_DOCS.addonParameters,
      };
    }
    return {
      kind: 'insufficient-replicas',
      advice:
        'The agent DaemonSet lacks replicas: find why its pods do not run, then check the guardduty-data VPC endpoint.',
      commands: ['kubectl describe daemonset -n amazon-guardduty aws-guardduty-agent', describeEndpoints],
      actionable: true,
      docs: COVERAGE_DOCS.addonIssues,
    };
  }
  if (/enableDnsSupport|enableDnsHostnames/.test(text)) {
    const vpc = safe(/\bvpc-[0-9a-f]{8,17}\b/.exec(text)?.[0], /^vpc-[0-9a-f]{8,17}$/, 'VPC_ID');
    return {
      kind: 'vpc-dns-attributes',
      advice: `Private DNS for the GuardDuty endpoint needs both DNS attributes of ${vpc} set to true.`,
      commands: [
        `aws ec2 modify-vpc-attribute --region ${region} --vpc-id ${vpc} --enable-dns-support '{"Value":true}'`,
        `aws ec2 modify-vpc-attribute --region ${region} --vpc-id ${vpc} --enable-dns-hostnames '{"Value":true}'`,
      ],
      actionable: true,
      docs: COVERAGE_DOCS.vpcEndpoint,
    };
  }
  if (/Shared VPC Endpoint Deletion Failed/i.test(text)) {
    return {
      kind: 'shared-vpc-endpoint-deletion',
      advice:
        'A participant account cannot delete the shared VPC endpoint: only disabling Runtime Monitoring or automated ' +
        "agent configuration in the VPC owner's account removes it.",
      commands: [],
      actionable: false,
      docs: COVERAGE_DOCS.sharedVpc,
    };
  }
  if (/shared VPC/i.test(text)) {
    const owner = safe(/\b\d{12}\b/.exec(text)?.[0], ACCOUNT_ID, 'OWNER_ACCOUNT_ID');
    return {
      kind: 'shared-vpc',
      advice:
        `The cluster uses a shared VPC: its owner account (${owner}) must have Runtime Monitoring and automated ` +
        'agent configuration enabled, and meet the shared-VPC prerequisites. Run this in the owner account.',
      commands: [
        `aws guardduty update-detector --region ${region} --detector-id OWNER_DETECTOR_ID --features 'Name=RUNTIME_MONITORING,Status=ENABLED,AdditionalConfiguration=[{Name=EKS_ADDON_MANAGEMENT,Status=ENABLED}]'`,
      ],
      actionable: true,
      docs: COVERAGE_DOCS.sharedVpc,
    };
  }
  if (/Addon (Creation|Update|Updation) Failed|Addon Status Unhealthy|EKS ?Addon ?issue/i.test(text)) {
    return {
      kind: 'addon-issue',
      advice:
        'The EKS add-on reports an issue: its health says which (the AddonIssue code), and the user guide has a ' +
        'step for each code.',
      commands: [describeAddon],
      actionable: true,
      docs: COVERAGE_DOCS.addonIssueCodes,
    };
  }
  return {
    kind: 'unknown',
    advice: 'No documented step matches this issue: read the add-on health and the troubleshooting guide.',
    commands: [describeAddon],
    actionable: true,
    docs: COVERAGE_DOCS.troubleshooting,
  };
}

/** Off, then on again with agent management: from the cluster's own detector, or as the organization's administrator. */
function toggleCommands(cluster: ClusterCoverage, context: StepContext, region: string): string[] {
  const enable =
    "'Name=RUNTIME_MONITORING,Status=ENABLED,AdditionalConfiguration=[{Name=EKS_ADDON_MANAGEMENT,Status=ENABLED}]'";
  const disable = "'Name=RUNTIME_MONITORING,Status=DISABLED'";
  const detector = safe(context.detectorId, DETECTOR_ID, 'DETECTOR_ID');
  if (cluster.accountId !== context.responderAccountId && ACCOUNT_ID.test(cluster.accountId)) {
    const member = `aws guardduty update-member-detectors --region ${region} --detector-id ${detector} --account-ids ${cluster.accountId} --features`;
    return [`${member} ${disable}`, `${member} ${enable}`];
  }
  const own = `aws guardduty update-detector --region ${region} --detector-id ${detector} --features`;
  return [`${own} ${disable}`, `${own} ${enable}`];
}

/** `3 of 5` nodes covered, or what is known of it. */
export function nodesText(cluster: Pick<ClusterCoverage, 'coveredNodes' | 'compatibleNodes'>): string {
  if (cluster.coveredNodes === undefined && cluster.compatibleNodes === undefined) return 'unknown';
  return `${cluster.coveredNodes ?? '?'} of ${cluster.compatibleNodes ?? '?'} covered`;
}
