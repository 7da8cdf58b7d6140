/**
 * Text helpers every alert shares. Every string that came from an event is attacker-controlled: `scrubDeep` makes the
 * facts safe to show before any rendering starts (no line breaks, no invisible or direction-changing characters), then
 * `clean` (or `codeSpan` for chat) cuts each field to its length, and identifiers are shown only when well-formed.
 */
import { AWS_REGION_NAME } from '../contract.js';
import type { Actor } from '../core/types.js';

export const LIMITS = { principal: 256, userAgent: 200, sourceIp: 64, text: 400 } as const;

/** How much of an invalid identifier an alert quotes. */
const INVALID_ID_LENGTH = 48;

/**
 * Everything that breaks a line somewhere (C0 and C1 controls with TAB, CR, LF, VT, FF, NEL; DEL; the Unicode line and
 * paragraph separators): each run becomes one space.
 */
const LINE_BREAKING = /[\p{Cc}\p{Zl}\p{Zp}]+/gu;
/** Variation selectors only pick a glyph style (the emoji or the text form): dropped. */
const VARIATION_SELECTORS = /[\uFE00-\uFE0F\u{E0100}-\u{E01EF}]/gu;
/**
 * What the reader cannot see or that changes what they see: format characters (bidi embeddings, overrides, isolates
 * and marks, zero-width spaces and joiners, word joiner, BOM, soft hyphen, tags), every other default-ignorable code
 * point (Hangul fillers...), private-use and unassigned code points, lone surrogates. Each run becomes one U+FFFD, so
 * the reader sees that something was there instead of text silently joined.
 */
const INVISIBLE = /[\p{Cf}\p{Co}\p{Cn}\p{Cs}\p{Default_Ignorable_Code_Point}]+/gu;
/**
 * Runs of spaces of any width fold to one: padding cannot push text onto a line of its own when a client wraps. With
 * them the symbols that render as blank though Unicode does not call them spaces (BRAILLE PATTERN BLANK).
 */
const SPACES = /[\p{Zs}\u2800]+/gu;

/** Makes one string safe to show on one line, whatever its length (cutting is `clean`'s job). */
export function scrub(text: string): string {
  return text
    .replace(LINE_BREAKING, ' ')
    .replace(VARIATION_SELECTORS, '')
    .replace(INVISIBLE, '\uFFFD')
    .replace(SPACES, ' ')
    .trim();
}

/** A deep copy of plain data (objects, arrays, strings...) with every string scrubbed: the first step of every rendering. */
export function scrubDeep<T>(value: T): T {
  return scrubValue(value) as T;
}

function scrubValue(value: unknown): unknown {
  if (typeof value === 'string') return scrub(value);
  if (Array.isArray(value)) return value.map(scrubValue);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, scrubValue(item)]));
  }
  return value;
}

/** Cuts text to at most `max` UTF-16 units including the marker, never between the two halves of a surrogate pair. */
export function cut(text: string, max: number, marker = '…'): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - marker.length);
  const last = text.charCodeAt(end - 1);
  if (end > 0 && last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}${marker}`;
}

/** Scrubs attacker-controlled text and cuts it to a sane length; 'unknown' when nothing is left. */
export function clean(text: string | undefined, max: number = LIMITS.text): string {
  if (text === undefined) return 'unknown';
  const flat = scrub(text);
  return flat === '' ? 'unknown' : cut(flat, max);
}

/** `&`, `<` and `>` as the entities chat markdown reads: no text can make a link or a mention. */
export function chatEntities(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Chat text that quotes event strings outside a code span: no backtick, and the entities of chatEntities, so a name
 * can neither open code nor make a link or a mention.
 */
export function chatText(text: string | undefined, max: number = LIMITS.text): string {
  return chatEntities(clean(text, max).replace(/`/g, "'"));
}

/** Markdown-safe inline code for chat: no backticks or entities can break out of it. */
export function codeSpan(text: string | undefined, max: number = LIMITS.text): string {
  return `\`${chatText(text, max)}\``;
}

// ---------------------------------------------------------------------------------------------------------------
// Identifiers: shown as they are only when well-formed, otherwise as invalid (quoted, scrubbed, cut short)

const ACCOUNT_ID = /^\d{12}$/;
/**
 * GuardDuty detector ids as GuardDuty issues them: 32 lowercase hex characters. The API model itself only bounds
 * `DetectorId` to 1–300 characters (and detector ARNs to `[A-Za-z0-9_/.-]{32,264}`); every id GuardDuty and moto
 * return is 32 hex characters. Lowercase letters beyond `f` are accepted so that a wider alphabet would not turn a
 * real detector into an "invalid" one; anything else (separators, spaces, upper case, another length) is not an id.
 */
const DETECTOR_ID = /^[a-z0-9]{32}$/;

export function validAccountId(id: string): string | undefined {
  return ACCOUNT_ID.test(id) ? id : undefined;
}

export function validDetectorId(id: string | null): string | undefined {
  return id !== null && DETECTOR_ID.test(id) ? id : undefined;
}

export function validRegion(region: string): string | undefined {
  return AWS_REGION_NAME.test(region) ? region : undefined;
}

/** How an invalid identifier is quoted: scrubbed, cut short, with no double quote that could close the quote early. */
export function quoteInvalid(text: string): string {
  return cut(scrub(text).replace(/"/g, "'"), INVALID_ID_LENGTH);
}

/** A 12-digit account id as it is; anything else as `invalid account id "…"`. */
export function accountIdText(id: string): string {
  return validAccountId(id) ?? `invalid account id "${quoteInvalid(id)}"`;
}

/** A detector id as it is, `none` for no detector; anything else as `invalid detector id "…"`. */
export function detectorIdText(id: string | null): string {
  if (id === null) return 'none';
  return validDetectorId(id) ?? `invalid detector id "${quoteInvalid(id)}"`;
}

/** A Region name as it is; anything else as `invalid Region "…"`. */
export function regionText(region: string): string {
  return validRegion(region) ?? `invalid Region "${quoteInvalid(region)}"`;
}

export function actorLabel(actor: Actor | undefined): string {
  return actor === undefined ? 'scheduled sweep' : clean(actor.principalArn, LIMITS.principal);
}

/** The Runtime Monitoring console of a Region; the global console when the Region is not a Region name. */
export function consoleUrl(region: string): string {
  const valid = validRegion(region);
  return valid === undefined
    ? 'https://console.aws.amazon.com/guardduty/home#/runtime-monitoring'
    : `https://${valid}.console.aws.amazon.com/guardduty/home?region=${valid}#/runtime-monitoring`;
}

export const COST_NOTE =
  'Re-enabling runtime monitoring with agent management installs the aws-guardduty-agent add-on and a VPC ' +
  'endpoint per cluster VPC, and is billed per monitored vCPU.';

/** SNS subjects: printable ASCII, no line breaks, fewer than 100 characters. */
export function snsSubject(text: string): string {
  const ascii = text.replace(/[^\x20-\x7e]/g, '?');
  return ascii.length > 99 ? `${ascii.slice(0, 96)}...` : ascii;
}

/** The facts of the trigger that every alert repeats: who did it, from where, when, through which call. */
export interface WhoFacts {
  readonly actor: Actor | undefined;
  readonly eventTime: string;
  readonly eventName: string | null;
  readonly eventId: string;
}

/** Who did it, from where, when, through which call: the e-mail lines every alert shares. */
export function whoLines(facts: WhoFacts): string[] {
  const actor = facts.actor;
  return [
    `Who:       ${actorLabel(actor)}${actor?.type ? ` (${clean(actor.type, 32)})` : ''}`,
    ...(actor
      ? [
          `From:      ${clean(actor.sourceIp, LIMITS.sourceIp)} using ${clean(actor.userAgent, LIMITS.userAgent)}`,
        ]
      : []),
    `When:      ${clean(facts.eventTime, 40)}`,
    `Event:     ${facts.eventName === null ? 'scheduled sweep' : clean(facts.eventName, 64)} (${clean(facts.eventId, 128)})`,
  ];
}

// ---------------------------------------------------------------------------------------------------------------
// What a reader at 3 a.m. needs beside the facts: how bad, what to run, where to read, where to look

/** The severities every alert carries, worst first. */
export const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
export type AlertSeverity = (typeof SEVERITIES)[number];

/** The Slack/Teams emoji a Chatbot title starts with: a different colour per severity, readable in a list. */
export const SEVERITY_EMOJI: Readonly<Record<AlertSeverity, string>> = {
  critical: ':rotating_light:',
  high: ':red_circle:',
  medium: ':large_orange_circle:',
  low: ':large_blue_circle:',
};

/** `:red_circle: HIGH` — the first words of every chat title. */
export function severityTag(severity: AlertSeverity): string {
  return `${SEVERITY_EMOJI[severity]} ${severity.toUpperCase()}`;
}

/** The runbook sections an alert points at, as GitHub renders their anchors (docs/runbook.md). */
export const RUNBOOK_SECTIONS = {
  check: { title: '1. Test plan', anchor: '1-test-plan-is-eks-runtime-monitoring-on' },
  enable: { title: '2. Implementation', anchor: '2-implementation-turn-it-on' },
  backout: { title: '3. Backout', anchor: '3-backout-turn-it-off-when-it-causes-trouble' },
  verify: { title: '4. Verification', anchor: '4-verification' },
  troubleshooting: { title: 'Troubleshooting', anchor: 'troubleshooting' },
  tamper: { title: 'Tamper', anchor: 'tamper' },
} as const;
export type RunbookSection = keyof typeof RUNBOOK_SECTIONS;

/** Where the runbook is when the deployment names no URL (`RUNBOOK_URL`): its path in the repository. */
export const DEFAULT_RUNBOOK = 'docs/runbook.md';

/** `docs/runbook.md#2-implementation-turn-it-on (2. Implementation)`, or the deployment's runbook URL with the anchor. */
export function runbookLink(section: RunbookSection, base: string | undefined): string {
  const { title, anchor } = RUNBOOK_SECTIONS[section];
  const root = (base ?? DEFAULT_RUNBOOK).replace(/#.*$/, '');
  return `${root}#${anchor} (${title})`;
}

const EVENT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A CloudTrail event id as CloudTrail issues them (a UUID); anything else is not linked to. */
export function validEventId(id: string): string | undefined {
  return EVENT_ID.test(id) ? id.toLowerCase() : undefined;
}

/** The CloudTrail event history page of one event; undefined when the id or Region is not well-formed. */
export function cloudTrailEventUrl(region: string, eventId: string): string | undefined {
  const valid = validRegion(region);
  const id = validEventId(eventId);
  if (valid === undefined || id === undefined) return undefined;
  return `https://${valid}.console.aws.amazon.com/cloudtrailv2/home?region=${valid}#/events/${id}`;
}

/** `1h 02m 03s`, `4m 05s`, `12s`: a duration a person reads at a glance (never negative). */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (h > 0) return `${h}h ${pad(m)}m ${pad(s)}s`;
  if (m > 0) return `${m}m ${pad(s)}s`;
  return `${s}s`;
}

/** An account as an alert names it: `123456789012 (prod-payments)` when a name is known. */
export function accountWithName(accountId: string, name: string | undefined): string {
  const id = accountIdText(accountId);
  return name === undefined || name === '' ? id : `${id} (${clean(name, 64)})`;
}
