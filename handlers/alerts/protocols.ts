/**
 * The one table of SNS protocol → rendering. To add a channel, subscribe it to the topic (the `sqs`/`lambda`
 * structured alert is the contract); do not add a second notifier: at-least-once bookkeeping is per topic.
 */
import type { RenderedNotification } from '../ports.js';
import { chatEntities } from './text.js';

/** The AWS Chatbot custom notification (version 1.0, source custom), rendered as Slack/Teams markdown. */
export function chatbotNotification(parts: {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly nextSteps: readonly string[];
  readonly keywords: readonly string[];
  /** Undefined: not threaded (a critical alert is never a reply under an older one). */
  readonly threadId: string | undefined;
  readonly summary: string;
  readonly eventType: string;
  readonly accountId: string;
  readonly region: string;
}): object {
  return {
    version: '1.0',
    source: 'custom',
    id: parts.id,
    content: {
      textType: 'client-markdown',
      title: parts.title,
      description: parts.description,
      nextSteps: parts.nextSteps,
      keywords: parts.keywords,
    },
    metadata: {
      ...(parts.threadId === undefined ? {} : { threadId: parts.threadId }),
      // The SNS subject, printable ASCII but not escaped: what a request field put in a headline (`<!here>`) must
      // not become a mention wherever Chatbot shows the summary.
      summary: chatEntities(parts.summary),
      eventType: parts.eventType,
      additionalContext: { accountId: parts.accountId, region: parts.region, eventId: parts.id },
    },
  };
}

/** The SNS `MessageStructure: json` document every alert shares, with the attributes filter policies use. */
export function renderForProtocols(parts: {
  readonly subject: string;
  readonly email: string;
  readonly structured: object;
  readonly chat: object;
  readonly severity: string;
  readonly outcome: string;
  readonly accountId: string;
  readonly region: string;
}): RenderedNotification {
  const structured = JSON.stringify(parts.structured);
  return {
    subject: parts.subject,
    message: JSON.stringify({
      default: parts.email,
      email: parts.email,
      'email-json': structured,
      sqs: structured,
      lambda: structured,
      // AWS Chatbot subscribes over HTTPS and only renders its own schema.
      https: JSON.stringify(parts.chat),
    }),
    attributes: {
      severity: parts.severity,
      outcome: parts.outcome,
      accountId: parts.accountId,
      region: parts.region,
    },
  };
}
