export const EXEMPT_UNTIL_TAG = 'drift-responder:exempt-until';
export const EXEMPT_REASON_TAG = 'drift-responder:exempt-reason';

export type Exemption =
  | { readonly status: 'none' }
  | { readonly status: 'active'; readonly until: string; readonly reason: string }
  | { readonly status: 'expired'; readonly until: string; readonly reason: string }
  | { readonly status: 'malformed'; readonly problem: string };

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * The instant an exemption ends. A date alone covers that whole day in UTC, so `--until 2026-12-31` means
 * "through the 31st". Returns undefined for anything that is not an ISO 8601 date or date-time with an offset.
 */
export function exemptionEnd(value: string): Date | undefined {
  const text = value.trim();
  if (DATE_ONLY.test(text)) {
    const start = new Date(`${text}T00:00:00Z`);
    if (Number.isNaN(start.getTime()) || start.toISOString().slice(0, 10) !== text) return undefined;
    return new Date(start.getTime() + 24 * 60 * 60 * 1000);
  }
  if (!DATE_TIME.test(text)) return undefined;
  const end = new Date(text);
  return Number.isNaN(end.getTime()) ? undefined : end;
}

/** Reads the exemption tags set by the CLI's backout. Both tags are required; a half-set exemption is malformed. */
export function parseExemption(tags: Readonly<Record<string, string>>, now: Date): Exemption {
  const until = tags[EXEMPT_UNTIL_TAG];
  const reason = tags[EXEMPT_REASON_TAG]?.trim();
  if (until === undefined && reason === undefined) return { status: 'none' };
  if (until === undefined) return { status: 'malformed', problem: `tag ${EXEMPT_UNTIL_TAG} is missing` };
  if (!reason) return { status: 'malformed', problem: `tag ${EXEMPT_REASON_TAG} is missing or empty` };
  const end = exemptionEnd(until);
  if (end === undefined) {
    return {
      status: 'malformed',
      problem: `tag ${EXEMPT_UNTIL_TAG} is "${until.slice(0, 64)}", not an ISO 8601 date (YYYY-MM-DD) or date-time with offset`,
    };
  }
  return end.getTime() > now.getTime()
    ? { status: 'active', until: until.trim(), reason }
    : { status: 'expired', until: until.trim(), reason };
}
