/**
 * The intent a case records with its claim, before the write: what the responder is about to change, what it saw,
 * on whose behalf. If the invocation dies after the write and before the page, whoever next finds the target
 * compliant reads this, writes the remediation history and sends the alert that was owed.
 */
import * as z from '../schema.js';

// Read only when a previous attempt left an intent (a crash, a retry): built then, not at every cold start.
const intentSchema = z.once(() =>
  z.object({
    /** The write, as the alert describes it. */
    action: z.string(),
    generation: z.string(),
    at: z.string(),
    /** The trigger's own id and the change's author, as the history records them. */
    eventId: z.string(),
    actor: z.string(),
    /** Organization scope: the accounts (and `organization-configuration`) the write concerns. */
    accounts: z.optional(z.array(z.string())),
  }),
);

export type Intent = z.infer<ReturnType<typeof intentSchema>>;

export function encodeIntent(intent: Intent): string {
  return JSON.stringify(intent);
}

/** The intent a previous attempt recorded; undefined when there is none or it does not parse (it is only a hint). */
export function decodeIntent(text: string | undefined): Intent | undefined {
  if (text === undefined) return undefined;
  try {
    const parsed = intentSchema().safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
