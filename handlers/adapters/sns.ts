import { ListSubscriptionsByTopicCommand, PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { AlertTopicPort, TopicSubscriptionsPort } from '../ports.js';

export function snsAdapter(client: SNSClient, topicArn: string): AlertTopicPort {
  return {
    async publish(notification) {
      const output = await client.send(
        new PublishCommand({
          TopicArn: topicArn,
          Subject: notification.subject,
          Message: notification.message,
          MessageStructure: 'json',
          MessageAttributes: Object.fromEntries(
            Object.entries(notification.attributes).map(([name, value]) => [
              name,
              { DataType: 'String', StringValue: value },
            ]),
          ),
        }),
      );
      return output.MessageId ?? '';
    },
  };
}

/** The topic's subscriptions, every page: `PendingConfirmation` (its SubscriptionArn) delivers nothing yet. */
export function snsSubscriptionsAdapter(client: SNSClient): TopicSubscriptionsPort {
  return {
    async count(topicArn) {
      let confirmed = 0;
      let pending = 0;
      let nextToken: string | undefined;
      do {
        const page = await client.send(
          new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken: nextToken }),
        );
        for (const subscription of page.Subscriptions ?? []) {
          if (subscription.SubscriptionArn?.startsWith('arn:')) confirmed += 1;
          else pending += 1;
        }
        nextToken = page.NextToken || undefined;
      } while (nextToken);
      return { confirmed, pending };
    },
  };
}
