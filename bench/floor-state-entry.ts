import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GuardDutyClient } from '@aws-sdk/client-guardduty';
import { SNSClient } from '@aws-sdk/client-sns';

/**
 * A reference point next to the floor: the floor's three clients plus the DynamoDB client that the design's state
 * store (idempotency claims, circuit-breaker history) needs. The gap between it and our bundle is our own code and
 * libraries (the JSON logger, middy, zod/mini); the gap between it and the floor is the state store's client.
 */
const clients = {
  guardDuty: new GuardDutyClient({}),
  sns: new SNSClient({}),
  cloudWatch: new CloudWatchClient({}),
  dynamoDb: new DynamoDBClient({}),
};

export const handler = async (): Promise<number> => Object.keys(clients).length;
