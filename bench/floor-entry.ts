import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GuardDutyClient } from '@aws-sdk/client-guardduty';
import { SNSClient } from '@aws-sdk/client-sns';

/**
 * The floor bundle: the least the design must ship and run at cold start, i.e. the four SDK clients it needs
 * (GuardDuty to read and fix, SNS to alert, CloudWatch to measure, DynamoDB for the claims and the circuit breaker's
 * history), built the same way as the real entry point. What our bundle has beyond it is our own code and libraries.
 */
const clients = {
  guardDuty: new GuardDutyClient({}),
  sns: new SNSClient({}),
  cloudWatch: new CloudWatchClient({}),
  dynamoDb: new DynamoDBClient({}),
};

export const handler = async (): Promise<number> => Object.keys(clients).length;
