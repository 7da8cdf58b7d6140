import { type App, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { CfnPolicy } from 'aws-cdk-lib/aws-organizations';
import type { Construct } from 'constructs';
import { buildScp } from '../handlers/core/scp.js';
import type { AppConfig, ScpConfig } from './config.js';

/** Name of the stack (and its construct id). */
export const SCP_STACK_NAME = 'GuardDutyDriftScp';
/** Name of the policy in AWS Organizations, as docs/runbook.md creates it by hand. */
export const SCP_POLICY_NAME = 'guardduty-drift-protection';
/** AWS Organizations is a global service whose endpoint (and CloudFormation resources) live in us-east-1. */
export const SCP_STACK_REGION = 'us-east-1';

/** Properties of {@link DriftScpStack}. */
export interface DriftScpStackProps extends StackProps {
  /** The roles the policy exempts and the targets it is attached to. */
  readonly scp: ScpConfig;
}

/**
 * The service control policy of `guardduty-drift scp` (handlers/core/scp.ts), created and attached by
 * CloudFormation. Deploy it with the organization's management account: only that account can create SCPs.
 */
export class DriftScpStack extends Stack {
  readonly policy: CfnPolicy;

  constructor(scope: Construct, id: string, props: DriftScpStackProps) {
    super(scope, id, props);
    const { policy } = buildScp(props.scp);
    this.policy = new CfnPolicy(this, 'Policy', {
      name: SCP_POLICY_NAME,
      type: 'SERVICE_CONTROL_POLICY',
      description: 'Deny EKS runtime protection loss paths (guardduty-drift-responder)',
      content: policy,
      targetIds: props.scp.targetIds.length > 0 ? [...props.scp.targetIds] : undefined,
    });
    new CfnOutput(this, 'PolicyId', { value: this.policy.attrId, description: 'The service control policy' });
  }
}

/**
 * Adds the SCP stack when the configuration asks for it (`createScp`), in us-east-1.
 * @param account the management account, or undefined for an account-agnostic synth
 * @returns the stack, or undefined when `createScp` is off (the app then has exactly the responder stacks)
 */
export function addScpStack(
  app: App,
  config: AppConfig,
  account: string | undefined,
): DriftScpStack | undefined {
  if (config.scp === undefined) return undefined;
  return new DriftScpStack(app, SCP_STACK_NAME, {
    env: { account, region: SCP_STACK_REGION },
    description: 'GuardDuty EKS runtime protection service control policy (guardduty-drift-responder)',
    scp: config.scp,
  });
}
