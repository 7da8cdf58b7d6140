/**
 * Sending a recorded AWS call again (section 4's minimal responder, section 7's minimal sweep): the command the
 * responder sent, with the input it sent, through the same client. Every command the responder's recorded paths send
 * has an entry; a call without one is an error, so a replay never quietly leaves out a call.
 */
import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  BatchWriteItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  DescribeOrganizationConfigurationCommand,
  GetCoverageStatisticsCommand,
  GetDetectorCommand,
  GetMemberDetectorsCommand,
  GetOrganizationStatisticsCommand,
  ListCoverageCommand,
  ListDetectorsCommand,
  ListMembersCommand,
  UpdateDetectorCommand,
  UpdateMemberDetectorsCommand,
} from '@aws-sdk/client-guardduty';
import { ListSubscriptionsByTopicCommand, PublishCommand } from '@aws-sdk/client-sns';
import type { createClients } from '../handlers/clients.js';
import type { AwsCall } from './aws-recorder.js';

export type Clients = ReturnType<typeof createClients>;
type Send = (clients: Clients, input: object) => Promise<unknown>;

/** The commands the responder sends, each with the client it goes through. */
const SENDS: Record<string, Send> = {
  ListDetectors: (c, input) => c.guardDuty.send(new ListDetectorsCommand(input as never)),
  GetDetector: (c, input) => c.guardDuty.send(new GetDetectorCommand(input as never)),
  UpdateDetector: (c, input) => c.guardDuty.send(new UpdateDetectorCommand(input as never)),
  ListMembers: (c, input) => c.guardDuty.send(new ListMembersCommand(input as never)),
  GetMemberDetectors: (c, input) => c.guardDuty.send(new GetMemberDetectorsCommand(input as never)),
  UpdateMemberDetectors: (c, input) => c.guardDuty.send(new UpdateMemberDetectorsCommand(input as never)),
  DescribeOrganizationConfiguration: (c, input) =>
    c.guardDuty.send(new DescribeOrganizationConfigurationCommand(input as never)),
  GetOrganizationStatistics: (c, input) =>
    c.guardDuty.send(new GetOrganizationStatisticsCommand(input as never)),
  ListCoverage: (c, input) => c.guardDuty.send(new ListCoverageCommand(input as never)),
  GetCoverageStatistics: (c, input) => c.guardDuty.send(new GetCoverageStatisticsCommand(input as never)),
  Query: (c, input) => c.dynamoDb.send(new QueryCommand(input as never)),
  UpdateItem: (c, input) => c.dynamoDb.send(new UpdateItemCommand(input as never)),
  PutItem: (c, input) => c.dynamoDb.send(new PutItemCommand(input as never)),
  BatchWriteItem: (c, input) => c.dynamoDb.send(new BatchWriteItemCommand(input as never)),
  Publish: (c, input) => c.sns.send(new PublishCommand(input as never)),
  ListSubscriptionsByTopic: (c, input) => c.sns.send(new ListSubscriptionsByTopicCommand(input as never)),
  PutMetricData: (c, input) => c.cloudWatch.send(new PutMetricDataCommand(input as never)),
};

/** Sends one recorded call again; rejects as the call does (the caller decides what a failure means). */
export function replay(clients: Clients, call: Pick<AwsCall, 'command' | 'input'>): Promise<unknown> {
  const send = SENDS[call.command];
  if (!send) throw new Error(`no replay for ${call.command}`);
  return send(clients, call.input);
}
