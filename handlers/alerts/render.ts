/**
 * The steps every alert kind (detector, organization digest, coverage) shares: scrub the facts (they come from
 * events), render the e-mail, structured and chat forms under one budget, say what was cut, and fit the whole to
 * SNS. Each kind supplies only its own renderings in an {@link AlertRenderer}.
 */
import type { RenderedNotification } from '../ports.js';
import { BUDGETS, type Budget, Cuts, fitToSns } from './fit.js';
import { renderForProtocols } from './protocols.js';
import { clean, scrubDeep, snsSubject, validAccountId, validDetectorId, validRegion } from './text.js';

/** `[SEVERITY] account Region: headline`. Account and Region first: a long headline is what gets cut, never where. */
export function alertSubject(severity: string, accountId: string, region: string, headline: string): string {
  return snsSubject(
    `[${severity.toUpperCase()}] ${validAccountId(accountId) ?? 'invalid-account'} ${validRegion(region) ?? 'invalid-region'}: ${headline}`,
  );
}

/** The identifiers in the chat thread id and the SNS message attributes: valid values, or a fixed token. */
export function chatTokens(accountId: string, region: string, detectorId: string | null) {
  return {
    accountId: validAccountId(accountId) ?? 'invalid',
    region: validRegion(region) ?? 'invalid',
    detectorId: detectorId === null ? 'none' : (validDetectorId(detectorId) ?? 'invalid'),
  };
}

/** The e-mail line that says what was cut and where the rest is, after the header block. */
export function withCutNote(
  lines: readonly string[],
  note: string | null,
  origin: { readonly trigger: string; readonly eventId: string },
): string {
  if (note === null) return lines.join('\n');
  const rest =
    origin.trigger === 'api-call'
      ? `the full record is CloudTrail event ${clean(origin.eventId, 128)}`
      : "run the CLI's check for the full picture";
  const at = lines.indexOf('', 2);
  return [...lines.slice(0, at), `Cut:       ${note}; ${rest}.`, ...lines.slice(at)].join('\n');
}

/** One alert kind's renderings; the e-mail and the structured form share the budget's {@link Cuts}. */
export interface AlertRenderer<F> {
  readonly subject: (facts: F) => string;
  readonly severity: (facts: F) => string;
  readonly outcome: (facts: F) => string;
  /** The account, Region and detector the alert is about, as the event gave them. */
  readonly ids: (facts: F) => { accountId: string; region: string; detectorId: string | null };
  /** Where the full record is, for the e-mail's cut note. */
  readonly origin: (facts: F) => { readonly trigger: string; readonly eventId: string };
  readonly structured: (facts: F, budget: Budget, cuts: Cuts) => Record<string, unknown>;
  readonly email: (facts: F, budget: Budget, cuts: Cuts) => readonly string[];
  readonly chat: (facts: F, subject: string, budget: Budget) => object;
}

/** The alert for every protocol SNS may deliver to: facts scrubbed first, then fitted to SNS's limit. */
export function renderAlert<F>(facts: F, renderer: AlertRenderer<F>): RenderedNotification {
  const safe = scrubDeep(facts);
  return fitToSns((budget) => {
    const subject = renderer.subject(safe);
    const cuts = new Cuts();
    const structured = renderer.structured(safe, budget, cuts);
    const email = renderer.email(safe, budget, cuts);
    const note = cuts.note();
    const { accountId, region, detectorId } = renderer.ids(safe);
    const tokens = chatTokens(accountId, region, detectorId);
    return renderForProtocols({
      subject,
      email: withCutNote(email, note, renderer.origin(safe)),
      structured: { ...structured, cut: note },
      chat: renderer.chat(safe, subject, budget),
      severity: renderer.severity(safe),
      outcome: renderer.outcome(safe),
      accountId: tokens.accountId,
      region: tokens.region,
    });
  });
}

/** The structured form alone (for SQS/Lambda consumers and tests), with what the budget cut. */
export function structuredAlertOf<F>(
  facts: F,
  renderer: Pick<AlertRenderer<F>, 'structured'>,
  budget: Budget = BUDGETS[0],
): object {
  const cuts = new Cuts();
  const structured = renderer.structured(scrubDeep(facts), budget, cuts);
  return { ...structured, cut: cuts.note() };
}
