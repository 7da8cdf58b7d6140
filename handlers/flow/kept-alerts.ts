/**
 * The alerts a case keeps while the topic refuses them: how they are stored in the claim (one alert, or a JSON list,
 * oldest first), read back, and kept small enough to wait together; and the error an attempt fails with while some
 * are still owed. No AWS call, no logging.
 */
import { Buffer } from 'node:buffer';
import { ResponderError } from '../errors.js';
import type { RenderedNotification } from '../ports.js';

/**
 * What a claim keeps of unsent alerts when there are several: DynamoDB's 400 KB item also holds the case's intent and
 * finding (an organization's intent names every drifted member), so the list stays well under it. Older alerts are
 * reduced first, then merged into one, then the newest is reduced: no alert is dropped. One alert alone
 * is kept as it is (at most 240 KiB, alerts/fit.ts), as it always was.
 */
export const KEPT_ALERTS_LIMIT_BYTES = 160 * 1024;
const REDUCED_TEXT_CHARS = 12_000;

/**
 * This attempt's own work and alert are done, but alerts of the case an earlier attempt kept still cannot be
 * published: they are kept again, and the invocation fails so Lambda's retry sends them.
 */
export class AlertsStillOwed extends ResponderError {
  constructor(
    readonly owed: number,
    /** The MessageId of this attempt's own alert, when it had one. */
    readonly messageId: string | undefined,
  ) {
    super(`${owed} earlier alert(s) of this case could not be published; kept for the retry`);
  }
}

/**
 * The unsent alerts as a claim keeps them: oldest first, several within KEPT_ALERTS_LIMIT_BYTES, none dropped;
 * `merged` when the older ones had to become one.
 */
export function keptText(alerts: readonly RenderedNotification[]): { text: string; merged: boolean } {
  let kept = [...alerts];
  let merged = false;
  const text = () => JSON.stringify(kept.length === 1 ? kept[0] : kept);
  const over = () => kept.length > 1 && byteLength(text()) > KEPT_ALERTS_LIMIT_BYTES;
  for (let index = 0; index < kept.length - 1 && over(); index += 1) {
    const alert = kept[index];
    if (alert !== undefined) kept[index] = reducedAlert(alert);
  }
  const newest = kept.at(-1);
  if (over() && newest !== undefined) {
    kept = [mergedAlert(kept.slice(0, -1)), newest];
    merged = true;
  }
  if (over() && newest !== undefined) kept = [kept[0] ?? newest, reducedAlert(newest)];
  return { text: text(), merged };
}

const byteLength = (text: string) => Buffer.byteLength(text, 'utf8');

/** The parts of an alert's protocol document that stay small: the e-mail text and the chat notification. */
function documentOf(alert: RenderedNotification): { email: string; chat: string | undefined } {
  try {
    const document = JSON.parse(alert.message) as { default?: unknown; https?: unknown } | null;
    return {
      email: typeof document?.default === 'string' ? document.default : alert.subject,
      chat: typeof document?.https === 'string' ? document.https : undefined,
    };
  } catch {
    // A message that is not the protocol document: the subject alone still says what happened.
    return { email: alert.subject, chat: undefined };
  }
}

const CUT_NOTE = '\n[cut: this alert waited beside newer ones while the topic failed]';

/**
 * A kept alert made small enough to wait beside others: its e-mail text, cut, for e-mail and every protocol without
 * a rendering of its own (SQS and Lambda subscribers then get text), and its chat notification when that is small.
 */
function reducedAlert(alert: RenderedNotification): RenderedNotification {
  const { email, chat } = documentOf(alert);
  const text = email.length > REDUCED_TEXT_CHARS ? `${email.slice(0, REDUCED_TEXT_CHARS)}${CUT_NOTE}` : email;
  const keepChat = chat !== undefined && chat.length <= REDUCED_TEXT_CHARS;
  return {
    ...alert,
    message: JSON.stringify({ default: text, email: text, ...(keepChat ? { https: chat } : {}) }),
  };
}

/** Several kept alerts as one: every subject, then as much of each one's e-mail text as fits. */
function mergedAlert(alerts: readonly RenderedNotification[]): RenderedNotification {
  const share = Math.floor(REDUCED_TEXT_CHARS / Math.max(1, alerts.length));
  const parts = alerts.map((alert) => {
    const { email } = documentOf(alert);
    return `${alert.subject}\n${email.length > share ? `${email.slice(0, share)}…` : email}`;
  });
  const text =
    `${alerts.length} alerts of this case waited while the topic failed; each is cut here.\n\n` +
    parts.join('\n\n---\n\n');
  const first = alerts[0];
  const severity = alerts.some((alert) => alert.attributes.severity === 'critical') ? 'critical' : 'high';
  return {
    subject: `${alerts.length} delayed GuardDuty drift responder alerts`,
    message: JSON.stringify({ default: text, email: text }),
    attributes: {
      severity,
      outcome: first?.attributes.outcome ?? 'unknown',
      accountId: first?.attributes.accountId ?? 'unknown',
      region: first?.attributes.region ?? 'unknown',
    },
  };
}

/**
 * The rendered alerts a failed attempt kept in its claim, oldest first (one alert, or a list); a corrupt one fails
 * loudly rather than pages nonsense.
 */
export function keptAlerts(text: string | undefined): RenderedNotification[] {
  let value: unknown;
  try {
    value = JSON.parse(text ?? '');
  } catch (error) {
    throw new ResponderError('the alert kept by a previous attempt is not JSON', { cause: error });
  }
  return (Array.isArray(value) ? value : [value]).map(storedAlert);
}

function storedAlert(value: unknown): RenderedNotification {
  const candidate = value as Partial<RenderedNotification> | null;
  if (
    typeof candidate?.subject !== 'string' ||
    typeof candidate.message !== 'string' ||
    typeof candidate.attributes !== 'object' ||
    candidate.attributes === null
  ) {
    throw new ResponderError('the alert kept by a previous attempt has no subject, message or attributes');
  }
  return candidate as RenderedNotification;
}
