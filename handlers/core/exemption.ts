export const EXEMPT_UNTIL_TAG = 'drift-responder:exempt-until';
export const EXEMPT_REASON_TAG = 'drift-responder:exempt-reason';
export const EXEMPTION_TAGS = [EXEMPT_UNTIL_TAG, EXEMPT_REASON_TAG] as const;

export type Exemption =
  | { readonly status: 'none' }
  | { readonly status: 'active'; readonly until: string; readonly reason: string }
  | { readonly status: 'expired'; readonly until: string; readonly reason: string }
  /** It ends later than MAX_EXEMPTION_DAYS from now: not honoured, and reported (a tag anyone with TagResource sets). */
  | {
      readonly status: 'refused';
      readonly until: string;
      readonly reason: string;
      readonly maxDays: number;
    }
  | { readonly status: 'malformed'; readonly problem: string };

const DAY_MS = 24 * 60 * 60 * 1000;
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(Z|[+-](\d{2}):(\d{2}))$/;

/** Whether year-month-day is a real calendar day (no 2026-02-30 rolled over into March). */
function isCalendarDay(year: string, month: string, day: string): boolean {
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  return (
    date.getUTCFullYear() === Number(year) &&
    date.getUTCMonth() === Number(month) - 1 &&
    date.getUTCDate() === Number(day)
  );
}

/**
 * The instant an exemption ends. A date alone covers that whole day in UTC, so `--until 2026-12-31` means
 * "through the 31st". Returns undefined for anything that is not a real ISO 8601 date, or date-time with an offset:
 * impossible dates and times (`2026-02-30`, `25:00`) are invalid, never rolled over.
 */
export function exemptionEnd(value: string): Date | undefined {
  const text = value.trim();
  const date = DATE_ONLY.exec(text);
  if (date) {
    const [, year = '', month = '', day = ''] = date;
    if (!isCalendarDay(year, month, day)) return undefined;
    return new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)) + DAY_MS);
  }
  const time = DATE_TIME.exec(text);
  if (!time) return undefined;
  const [
    ,
    year = '',
    month = '',
    day = '',
    hour = '',
    minute = '',
    second = '0',
    ,
    offsetHour,
    offsetMinute,
  ] = time;
  if (!isCalendarDay(year, month, day)) return undefined;
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) return undefined;
  if (offsetHour !== undefined && (Number(offsetHour) > 23 || Number(offsetMinute) > 59)) return undefined;
  const end = new Date(text);
  return Number.isNaN(end.getTime()) ? undefined : end;
}

/**
 * The latest end an exemption may have: the end of the UTC day `maxDays` days from today, so that a date-only
 * `--until` counts in whole days (the operator CLI applies the same rule before it sets the tags).
 */
export function latestExemptionEnd(now: Date, maxDays: number): Date {
  const startOfToday = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return new Date(startOfToday + (maxDays + 1) * DAY_MS);
}

/**
 * Reads the exemption tags set by the CLI's backout. Both tags are required; a half-set exemption is malformed. An
 * exemption that ends more than `maxDays` from now is refused: one TagResource must not switch the responder off
 * for good.
 */
export function parseExemption(
  tags: Readonly<Record<string, string>>,
  now: Date,
  maxDays: number,
  /** When this exemption was first seen: its length is bounded from then, not from each later read. */
  firstSeen: Date = now,
): Exemption {
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
  if (end.getTime() <= now.getTime()) return { status: 'expired', until: until.trim(), reason };
  if (end.getTime() > latestExemptionEnd(firstSeen, maxDays).getTime()) {
    return { status: 'refused', until: until.trim(), reason, maxDays };
  }
  return { status: 'active', until: until.trim(), reason };
}
