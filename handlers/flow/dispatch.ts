/**
 * The only code that knows trigger kinds. It turns one validated input into the facts every target reads
 * (TriggerFacts), triages it once, and routes it to the account target, the organization target or both, sharing
 * one invocation context (one metrics batch, one delivery, one ListDetectors). A new kind of input is a new `case`
 * here: the exhaustive switches make it fail to compile until it is routed.
 */
import { loweredFeature } from '../core/auto-enable.js';
import { reducesProtection } from '../core/change.js';
import { type ResponderIdentity, triage } from '../core/decide.js';
import type {
  ApiCallInput,
  CoverageEventInput,
  ResponderConfig,
  ResponderInput,
  SweepInput,
} from '../core/types.js';
import { assertNever } from '../errors.js';
import { reportExemptionChange } from './account/exemption.js';
import {
  type DetectorReport,
  ignoreDetector,
  reportDeniedCall,
  respondForDetector,
  sweepDetectors,
} from './account/index.js';
import {
  createContext,
  flushMetrics,
  type InvocationContext,
  type ResponderDeps,
  type TriggerFacts,
} from './context.js';
import { type CoverageReport, respondForCoverageEvent, sweepCoverage } from './coverage/index.js';
import { eventOwner, sweepOwner } from './keys.js';
import {
  type OrganizationReport,
  readingFor,
  reportDeniedOrganizationCall,
  respondForOrganization,
} from './organization/index.js';
import { type MembershipReport, respondForLoss } from './organization/loss.js';
import { settleAll } from './settled.js';
import type { TamperReport } from './tamper/index.js';
import { respondForTamperCall } from './tamper/route.js';
import { sweepWiring, type WiringReport } from './tamper/wiring.js';

export interface DispatchOptions {
  readonly self: ResponderIdentity;
  /** How long a claim is held before another delivery may take it over: the invocation's remaining time. */
  readonly leaseMs: number;
}

export interface DispatchResult {
  readonly eventId: string;
  readonly trigger: ResponderInput['kind'];
  readonly reports: readonly DetectorReport[];
  /** The organization part: organization-level events, and the members and configuration in a sweep. */
  readonly organization?: OrganizationReport;
  /** Per-cluster runtime coverage: a coverage event, and the coverage part of a sweep. */
  readonly coverage?: CoverageReport;
  /** A loss path of the organization's GuardDuty (members, monitoring, administrator), as an event. */
  readonly membership?: MembershipReport;
  /** A tamper call (docs/tamper.md). */
  readonly tamper?: TamperReport;
  /** The sweep's check of the responder's own wiring (rules, trail, topic). */
  readonly wiring?: WiringReport;
}

/** Routes one validated input and flushes its metrics once, whatever happened. */
export async function dispatch(
  input: ResponderInput,
  deps: ResponderDeps,
  config: ResponderConfig,
  options: DispatchOptions,
): Promise<DispatchResult> {
  const context = createContext({ trigger: triggerFacts(input, config), config, deps, ...options });
  try {
    switch (input.kind) {
      case 'api-call':
        return await routeApiCall(context, input);
      case 'sweep':
        return await routeSweep(context, input);
      case 'coverage':
        return await routeCoverage(context, input);
      case 'tamper':
        return {
          eventId: input.eventId,
          trigger: input.kind,
          reports: [],
          ...(await respondForTamperCall(context, input)),
        };
      default:
        return assertNever(input);
    }
  } finally {
    // Metrics never block a remediation or an alert: both are done by now.
    await flushMetrics(context);
  }
}

/** What each kind of trigger means for the targets. */
export function triggerFacts(input: ResponderInput, config: ResponderConfig): TriggerFacts {
  const common = {
    kind: input.kind,
    eventId: input.eventId,
    eventTime: input.eventTime,
    accountId: input.accountId,
    region: input.region,
  };
  switch (input.kind) {
    case 'api-call':
      return {
        ...common,
        eventName: input.eventName,
        actor: input.actor,
        historyActor: input.actor.principalArn ?? 'unknown',
        change: input.change,
        reducedProtection:
          reducesProtection(input.change, config.requireAgentManagement) ||
          loweredFeature(
            input.organizationFeatures,
            config.autoEnableTarget,
            config.requireAgentManagement,
          ) !== undefined,
        organizationFeatures: input.organizationFeatures,
        owner: eventOwner(input.eventId),
        retriesWhenBusy: true,
        scheduled: false,
        caseActor: input.actor.principalArn ?? 'unknown',
        mayOweAlert:
          input.eventName !== 'UpdateDetector' ||
          reducesProtection(input.change, config.requireAgentManagement),
      };
    case 'sweep':
      return {
        ...common,
        eventName: null,
        actor: undefined,
        historyActor: 'scheduled sweep',
        change: undefined,
        reducedProtection: false,
        organizationFeatures: undefined,
        owner: sweepOwner(input.eventId),
        retriesWhenBusy: false,
        scheduled: true,
        caseActor: undefined,
        mayOweAlert: true,
      };
    case 'coverage':
      // GuardDuty reports a cluster's coverage: nobody made a call, nothing was taken away by a request.
      return {
        ...common,
        eventName: input.detailType,
        actor: undefined,
        historyActor: 'GuardDuty coverage event',
        change: undefined,
        reducedProtection: false,
        organizationFeatures: undefined,
        owner: eventOwner(input.eventId),
        retriesWhenBusy: true,
        scheduled: false,
        caseActor: undefined,
        mayOweAlert: false,
      };
    case 'tamper':
      // A call on the responder's own resources: no detector, nothing it asked of GuardDuty.
      return {
        ...common,
        eventName: input.eventName,
        actor: input.actor,
        historyActor: input.actor.principalArn ?? 'unknown',
        change: undefined,
        reducedProtection: false,
        organizationFeatures: undefined,
        owner: eventOwner(input.eventId),
        retriesWhenBusy: true,
        scheduled: false,
        caseActor: input.actor.principalArn ?? 'unknown',
        mayOweAlert: false,
      };
    default:
      return assertNever(input);
  }
}

async function routeApiCall(context: InvocationContext, input: ApiCallInput): Promise<DispatchResult> {
  const { config, deps, self } = context;
  const result = (report: DetectorReport): DispatchResult => ({
    eventId: input.eventId,
    trigger: input.kind,
    reports: [report],
  });
  const verdict = triage(
    input,
    self,
    config.requireAgentManagement,
    config.scope,
    config.autoEnableTarget,
    config.runtimeTarget,
  );
  switch (verdict.action) {
    case 'ignore':
      return result(ignoreDetector(context, input.detectorId, verdict.reason));
    case 'report-denied':
      return result(await reportDeniedCall(context, input));
    case 'evaluate':
      return result(await respondForDetector(context, verdict.detectorId));
    case 'exemption-change':
      return {
        eventId: input.eventId,
        trigger: input.kind,
        reports: await reportExemptionChange(context, input, verdict.detectorId),
      };
    case 'organization': {
      if (deps.organization === undefined) {
        return result(
          ignoreDetector(context, input.detectorId, `${input.eventName} belongs to the organization path`),
        );
      }
      const organization =
        input.errorCode !== undefined
          ? await reportDeniedOrganizationCall(context, input)
          : await respondForOrganization(context, deps.organization, readingFor(input));
      return { eventId: input.eventId, trigger: input.kind, reports: [], organization };
    }
    case 'organization-loss':
      return {
        eventId: input.eventId,
        trigger: input.kind,
        reports: [],
        membership: await respondForLoss(context, deps.organization, input, verdict.kind),
      };
    default:
      return assertNever(verdict);
  }
}

async function routeSweep(context: InvocationContext, input: SweepInput): Promise<DispatchResult> {
  const { deps, self } = context;
  // A schedule of another stack (a shared bus, a copied rule) must not make this one act on what it does not own.
  const foreign =
    input.region !== self.region
      ? `sweep is for Region ${input.region}; this responder serves ${self.region}`
      : self.accountId !== undefined && input.accountId !== self.accountId
        ? `sweep is for account ${input.accountId}; this responder serves ${self.accountId}`
        : undefined;
  if (foreign !== undefined) {
    return {
      eventId: input.eventId,
      trigger: input.kind,
      reports: [ignoreDetector(context, undefined, foreign)],
    };
  }
  const organization = deps.organization;
  // One part's failure must not hide another's result: all run, every failure is logged, the first fails the invocation.
  const [own, members, coverage, wiring] = await settleAll(
    deps.logger,
    input.eventId,
    ['detectors', 'organization', 'coverage', 'wiring'],
    [
      sweepDetectors(context),
      organization === undefined
        ? Promise.resolve(undefined)
        : respondForOrganization(context, organization, { members: 'all', configuration: true }),
      sweepCoverage(context),
      sweepWiring(context),
    ],
  );
  return {
    eventId: input.eventId,
    trigger: input.kind,
    reports: own,
    ...(members === undefined ? {} : { organization: members }),
    coverage,
    wiring,
  };
}

async function routeCoverage(context: InvocationContext, input: CoverageEventInput): Promise<DispatchResult> {
  return {
    eventId: input.eventId,
    trigger: input.kind,
    reports: [],
    coverage: await respondForCoverageEvent(context, input),
  };
}
