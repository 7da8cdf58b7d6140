/**
 * Keeping every alert within SNS's limit. SNS refuses a Publish whose request (the `MessageStructure: json` document
 * with every protocol's rendering, the subject and the message attributes) exceeds 256 KiB, and a refused Publish is
 * a lost page. An event can carry up to 256 KB of attacker-chosen text (EventBridge's own limit) and the document
 * repeats it: twice for e-mail, three times, escaped, for the structured protocols. So each rendering is made under a
 * budget, and the budget shrinks until the whole request fits. The facts on-call needs (outcome, severity, account,
 * Region, detector, who, when, the console link) are short and never cut; long texts and lists are, and the alert says
 * which.
 */
import { Buffer } from 'node:buffer';
import type { RenderedNotification } from '../ports.js';
import { cut } from './text.js';

/** SNS Publish: message, subject and message attributes together, in UTF-8 bytes. */
export const SNS_PUBLISH_LIMIT_BYTES = 262_144;
/** What one rendered request may take: the limit less a margin for what SNS counts that we cannot see. */
export const PUBLISH_BUDGET_BYTES = 240 * 1024;
export const CUT_REASON = "cut to fit SNS's 256 KB limit";

/** What one rendering may spend on the parts of an alert that grow with the event. */
export interface Budget {
  /** The longest free text: the responder's action, which quotes a denied call's errorMessage. */
  readonly text: number;
  /** The longest entry of a list: a change, a problem, a member account's failure detail. */
  readonly entry: number;
  /** The most entries of one list (changes, problems, runtime features). */
  readonly entries: number;
  /** Digests: the most problems shown per member account. */
  readonly accountProblems: number;
  /** Digests: the most member accounts listed in each rendering. */
  readonly emailAccounts: number;
  readonly chatAccounts: number;
  readonly structuredAccounts: number;
}

/** From generous (what every ordinary alert gets) to the essentials, each one smaller. */
export const BUDGETS: readonly [Budget, ...Budget[]] = [
  {
    text: 4_000,
    entry: 400,
    entries: 50,
    accountProblems: 10,
    emailAccounts: 50,
    chatAccounts: 10,
    structuredAccounts: 200,
  },
  {
    text: 2_000,
    entry: 200,
    entries: 20,
    accountProblems: 5,
    emailAccounts: 25,
    chatAccounts: 10,
    structuredAccounts: 50,
  },
  {
    text: 1_000,
    entry: 160,
    entries: 10,
    accountProblems: 3,
    emailAccounts: 10,
    chatAccounts: 5,
    structuredAccounts: 20,
  },
  // The essentials: bounded by construction (every event string and list cut short), some tens of kilobytes at most.
  {
    text: 400,
    entry: 120,
    entries: 3,
    accountProblems: 1,
    emailAccounts: 3,
    chatAccounts: 3,
    structuredAccounts: 5,
  },
];

/** What SNS counts for one Publish: the message, the subject, each attribute's name, data type and value. */
export function publishBytes(rendered: RenderedNotification): number {
  let bytes = Buffer.byteLength(rendered.message, 'utf8') + Buffer.byteLength(rendered.subject, 'utf8');
  for (const [name, value] of Object.entries(rendered.attributes)) {
    bytes += Buffer.byteLength(name, 'utf8') + 'String'.length + Buffer.byteLength(value, 'utf8');
  }
  return bytes;
}

/** Renders under the largest budget whose request fits; the last budget's rendering always does. */
export function fitToSns(render: (budget: Budget) => RenderedNotification): RenderedNotification {
  const [first, ...smaller] = BUDGETS;
  let rendered = render(first);
  for (const budget of smaller) {
    if (publishBytes(rendered) <= PUBLISH_BUDGET_BYTES) return rendered;
    rendered = render(budget);
  }
  return rendered;
}

/**
 * What one rendering cut, to say so. The e-mail and the structured alert share one (they cut the same fields under
 * the same budget); the chat message is a summary by design and cuts on its own without saying so.
 */
export class Cuts {
  private readonly fields = new Set<string>();

  /** `text` cut to `max`, noting `field` when it was. */
  text(field: string, text: string, max: number): string {
    if (text.length <= max) return text;
    this.fields.add(field);
    return cut(text, max);
  }

  /** The first `max` items, noting `field` when there were more. */
  list<T>(field: string, items: readonly T[], max: number): T[] {
    if (items.length > max) this.fields.add(field);
    return items.slice(0, max);
  }

  /** Marks a field as cut (a list shown in part elsewhere). */
  mark(field: string): void {
    this.fields.add(field);
  }

  /** `action, changes cut to fit SNS's 256 KB limit`, or null when nothing was cut. */
  note(): string | null {
    return this.fields.size === 0 ? null : `${[...this.fields].join(', ')} ${CUT_REASON}`;
  }
}
