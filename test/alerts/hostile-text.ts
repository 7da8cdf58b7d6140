/**
 * Hostile text for the alert tests: what an attacker can put in a CloudTrail event (errorMessage, user agent,
 * detector id, member account ids...) to forge a line in an e-mail or hide text from the reader, and the checks that
 * a rendering carries none of it.
 */
import { expect } from 'vitest';

/** Every line boundary a mail client, a terminal, a chat client or Python's `splitlines` may honour. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
export const LINE_BOUNDARY = /\r\n|[\n\v\f\r\x1c-\x1e\x85\u2028\u2029]/;

/**
 * What no rendered line may hold: controls (C0, DEL, C1 with NEL), line and paragraph separators, format characters
 * (bidi embeddings, overrides, isolates and marks, zero-width characters, BOM, soft hyphen), private-use and
 * unassigned code points, lone surrogates.
 */
export const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cn}\p{Cs}]/u;

/** Separators that start a new line somewhere, and characters that change what the reader sees. */
export const SEPARATORS: readonly (readonly [string, string])[] = [
  ['LF', '\n'],
  ['CR', '\r'],
  ['CRLF', '\r\n'],
  ['TAB', '\t'],
  ['VT', '\v'],
  ['FF', '\f'],
  ['record separator', '\u001e'],
  ['ESC (terminal colour)', '\u001b[31m'],
  ['NEL', '\u0085'],
  ['C1 CSI', '\u009b'],
  ['LINE SEPARATOR', '\u2028'],
  ['PARAGRAPH SEPARATOR', '\u2029'],
  ['RIGHT-TO-LEFT OVERRIDE', '\u202e'],
  ['LEFT-TO-RIGHT EMBEDDING', '\u202a'],
  ['RIGHT-TO-LEFT ISOLATE', '\u2067'],
  ['POP DIRECTIONAL ISOLATE', '\u2069'],
  ['RIGHT-TO-LEFT MARK', '\u200f'],
  ['ARABIC LETTER MARK', '\u061c'],
  ['ZERO WIDTH SPACE', '\u200b'],
  ['ZERO WIDTH JOINER', '\u200d'],
  ['WORD JOINER', '\u2060'],
  ['BYTE ORDER MARK', '\ufeff'],
  ['SOFT HYPHEN', '\u00ad'],
  ['lone surrogate', '\ud800'],
  ['private use', '\ue000'],
];

export const FORGED_OUTCOME = 'Outcome:   remediate (succeeded), severity high';
export const FORGED_WHO = 'Who:       arn:aws:iam::123456789012:role/BreakGlass (trusted)';

/** The attack: text, then a separator and lines that look like the alert's own. */
export function forged(separator: string, lead = 'x'): string {
  return `${lead}${separator}${FORGED_OUTCOME}${separator}${FORGED_WHO}${separator}`;
}

/** Every string leaf of a value, with its path (`actor.userAgent`, `changes.0`). */
export function stringLeaves(
  value: unknown,
  path: readonly string[] = [],
): { path: string[]; value: string }[] {
  if (typeof value === 'string') return [{ path: [...path], value }];
  if (Array.isArray(value))
    return value.flatMap((item, index) => stringLeaves(item, [...path, String(index)]));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([key, item]) => stringLeaves(item, [...path, key]));
  }
  return [];
}

/** A deep copy of `value` with the string at `path` replaced. */
export function withStringAt<T>(value: T, path: readonly string[], replace: (text: string) => string): T {
  const copy = structuredClone(value) as unknown;
  let parent = copy as Record<string, unknown>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string, unknown>;
  const last = path[path.length - 1] ?? '';
  parent[last] = replace(String(parent[last]));
  return copy as T;
}

export interface Renderings {
  readonly email: string;
  readonly chat: Record<string, unknown>;
  readonly structured: Record<string, unknown>;
  readonly messages: Record<string, string>;
}

/** The per-protocol renderings of a `MessageStructure: json` document. */
export function renderingsOf(message: string): Renderings {
  const messages = JSON.parse(message) as Record<string, string>;
  return {
    email: messages.email ?? '',
    chat: JSON.parse(messages.https ?? '{}') as Record<string, unknown>,
    structured: JSON.parse(messages.sqs ?? '{}') as Record<string, unknown>,
    messages,
  };
}

/**
 * Asserts that a rendered alert holds no forged line and no unsafe character in any protocol: the e-mail's only line
 * breaks are its own `\n`, each line is clean, exactly one line is an Outcome line and one a Who line; the chat
 * description's lines and every other chat and structured string are clean.
 */
export function expectNoForgery(message: string, label: string): Renderings {
  const renderings = renderingsOf(message);
  const { email, chat, structured, messages } = renderings;
  expect(messages.default, label).toBe(email);
  expect(messages['email-json'], label).toBe(messages.sqs);
  expect(messages.lambda, label).toBe(messages.sqs);
  const lines = email.split('\n');
  for (const line of lines) expect(line, `${label}: e-mail line`).not.toMatch(UNSAFE);
  expect(email.split(LINE_BOUNDARY), `${label}: e-mail lines`).toHaveLength(lines.length);
  expect(
    lines.filter((line) => /^\s*Outcome:/.test(line)),
    `${label}: Outcome lines`,
  ).toHaveLength(1);
  expect(
    lines.filter((line) => /^\s*Who:/.test(line)),
    `${label}: Who lines`,
  ).toHaveLength(1);
  for (const leaf of stringLeaves(chat)) {
    const texts = leaf.path.join('.') === 'content.description' ? leaf.value.split('\n') : [leaf.value];
    for (const text of texts) expect(text, `${label}: chat ${leaf.path.join('.')}`).not.toMatch(UNSAFE);
  }
  for (const leaf of stringLeaves(structured)) {
    expect(leaf.value, `${label}: structured ${leaf.path.join('.')}`).not.toMatch(UNSAFE);
  }
  return renderings;
}
