import type { OrganizationPort } from './adapters/guardduty-organization.js';
import { triage } from './core/decide.js';
import type { ResponderConfig, ResponderInput } from './core/types.js';
import { type OrganizationReport, respondForOrganization } from './organization/responder.js';
import { type InvocationOptions, type InvocationResult, type ResponderDeps, respond } from './responder.js';

export interface DispatchDeps extends ResponderDeps {
  /** Present in organization scope only. */
  readonly organization?: OrganizationPort | undefined;
}

export interface DispatchResult extends InvocationResult {
  /** The organization part: organization-level events, and the members and configuration in a sweep. */
  readonly organization?: OrganizationReport;
}

/**
 * Routes one validated input. Account scope: the detectors of this account. Organization scope (the delegated
 * administrator): organization-level events go to the organization path, and a sweep covers both the administrator's
 * own detector and every member.
 */
export async function dispatch(
  input: ResponderInput,
  deps: DispatchDeps,
  config: ResponderConfig,
  options: InvocationOptions,
): Promise<DispatchResult> {
  const { organization } = deps;
  if (config.scope !== 'organization' || organization === undefined)
    return respond(input, deps, config, options);
  const organizationDeps = { ...deps, organization };

  if (input.kind === 'api-call') {
    const verdict = triage(
      input,
      options.self,
      config.requireAgentManagement,
      config.scope,
      config.autoEnableTarget,
    );
    if (verdict.action !== 'organization') return respond(input, deps, config, options);
    const report = await respondForOrganization(input, organizationDeps, config, options.leaseMs);
    return { eventId: input.eventId, trigger: input.kind, reports: [], organization: report };
  }

  // One failure must not hide the other part's result: both run, then the first failure fails the invocation.
  const [own, members] = await Promise.allSettled([
    respond(input, deps, config, options),
    respondForOrganization(input, organizationDeps, config, options.leaseMs),
  ]);
  if (own.status === 'rejected') throw own.reason;
  if (members.status === 'rejected') throw members.reason;
  return { ...own.value, organization: members.value };
}
