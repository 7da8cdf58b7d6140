/**
 * Text helpers every alert shares. Every string that came from an event is attacker-controlled: it goes through
 * `clean` (or `codeSpan` for chat) before it reaches any rendering.
 */
import type { Actor } from '../core/types.js';

export const LIMITS = { principal: 256, userAgent: 200, sourceIp: 64, text: 400 } as const;

/** Removes control characters and cuts attacker-controlled text to a sane length. */
export function clean(text: string | undefined, max: number = LIMITS.text): string {
  if (text === undefined || text === '') return 'unknown';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  const flat = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** Markdown-safe inline code for chat: no backticks or entities can break out of it. */
export function codeSpan(text: string | undefined, max: number = LIMITS.text): string {
  const safe = clean(text, max)
    .replace(/`/g, "'")
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
  return `\`${safe}\``;
}

export function actorLabel(actor: Actor | undefined): string {
  return actor === undefined ? 'scheduled sweep' : clean(actor.principalArn, LIMITS.principal);
}

export function consoleUrl(region: string): string {
  return `https://${region}.console.aws.amazon.com/guardduty/home?region=${region}#/runtime-monitoring`;
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
    `When:      ${facts.eventTime}`,
    `Event:     ${facts.eventName ?? 'scheduled sweep'} (${facts.eventId})`,
  ];
}
