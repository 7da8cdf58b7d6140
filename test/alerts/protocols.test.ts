import { describe, expect, it } from 'vitest';
import { chatbotNotification } from '../../handlers/alerts/protocols.js';

describe('Function: chatbotNotification', () => {
  it('escapes the summary, so a mention or link a request field put in a subject never fires', () => {
    // Arrange: the subject of a tamper alert whose headline quotes a hostile attribute name.
    const parts = {
      id: 'e1',
      title: 't',
      description: 'd',
      nextSteps: [],
      keywords: [],
      threadId: undefined,
      summary: 'Alert topic: attribute <!here> & <https://evil.example|click> changed',
      eventType: 'tamper',
      accountId: '123456789012',
      region: 'us-east-1',
    };

    // Act
    const notification = chatbotNotification(parts) as { metadata: { summary: string } };

    // Assert
    expect(notification.metadata.summary).toBe(
      'Alert topic: attribute &lt;!here&gt; &amp; &lt;https://evil.example|click&gt; changed',
    );
  });
});
