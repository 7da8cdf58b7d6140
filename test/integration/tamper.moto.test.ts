/*
 * The tamper watch against moto_server (EventBridge rules and targets, CloudTrail trails, SNS with an SQS subscriber,
 * DynamoDB): a rule really disabled in moto is re-enabled by the handler (DescribeRule), a removed target restored
 * (ListTargetsByRule), a stopped trail restarted (GetTrailStatus), each alert delivered to the SQS subscriber; the
 * sweep's wiring check finds a disabled rule, and a topic without subscriptions. The CloudTrail records are synthetic
 * (moto does not emit them): test/support/tamper-events.ts. Regions of their own: every commercial Region is taken by another moto test
 * file (their sweeps read every detector of the Region), so these worlds live in the ISO partitions moto serves
 * (us-isob-east-1, us-iso-east-1: ARNs `arn:aws-iso-b:`, `arn:aws-iso:`), names `tamper-handler-*`.
 */
import {
  CloudTrailClient,
  CreateTrailCommand,
  GetTrailStatusCommand,
  StartLoggingCommand,
  StopLoggingCommand,
} from '@aws-sdk/client-cloudtrail';
import {
  DescribeRuleCommand,
  DisableRuleCommand,
  EventBridgeClient,
  ListTargetsByRuleCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateTopicCommand } from '@aws-sdk/client-sns';
import { describe, expect, inject, it } from 'vitest';
import type { OwnResources } from '../../handlers/contract.js';
import {
  lambdaContext,
  RESPONDER_FUNCTION_NAME,
  RESPONDER_ROLE_ARN,
  sweepEvent,
} from '../support/fixtures.js';
import { type Handler, loadHandler } from '../support/handler-loader.js';
import {
  createDetector,
  createStateTable,
  createTopicWithQueue,
  type MotoClients,
  motoClients,
  PROTECTED_RUNTIME,
  receivedAlerts,
} from '../support/moto-aws.js';
import { tamperEvent } from '../support/tamper-events.js';

const endpoint = inject('motoEndpoint');
const ACCOUNT = '123456789012';
const RULE = 'tamper-handler-events';
const TRAIL = 'tamper-handler-trail';
const partitionOf = (region: string) =>
  region.startsWith('us-isob-') ? 'aws-iso-b' : region.startsWith('us-iso-') ? 'aws-iso' : 'aws';
const DLQ = (region: string) => `arn:${partitionOf(region)}:sqs:${region}:${ACCOUNT}:tamper-handler-dlq`;

interface World {
  readonly region: string;
  readonly clients: MotoClients;
  readonly events: EventBridgeClient;
  readonly trails: CloudTrailClient;
  readonly queueUrl: string | undefined;
  readonly functionArn: string;
  readonly trailArn: string;
  readonly handler: Handler;
}

async function world(region: string, options: { subscribed: boolean }): Promise<World> {
  const settings = { endpoint, region, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
  const clients = motoClients(endpoint, region);
  const events = new EventBridgeClient(settings);
  const trails = new CloudTrailClient(settings);
  await createStateTable(clients, 'tamper-handler-state');
  let topicArn: string;
  let queueUrl: string | undefined;
  if (options.subscribed) {
    ({ topicArn, queueUrl } = await createTopicWithQueue(clients, 'tamper-handler-alerts'));
  } else {
    topicArn =
      (await clients.sns.send(new CreateTopicCommand({ Name: 'tamper-handler-alerts' }))).TopicArn ?? '';
  }
  const functionArn = `arn:${partitionOf(region)}:lambda:${region}:${ACCOUNT}:function:${RESPONDER_FUNCTION_NAME}`;
  await events.send(
    new PutRuleCommand({
      Name: RULE,
      EventPattern: JSON.stringify({ source: ['aws.guardduty'] }),
      State: 'ENABLED',
    }),
  );
  await events.send(
    new PutTargetsCommand({
      Rule: RULE,
      Targets: [
        {
          Id: 'Target0',
          Arn: functionArn,
          DeadLetterConfig: { Arn: DLQ(region) },
          RetryPolicy: { MaximumRetryAttempts: 2 },
        },
      ],
    }),
  );
  // moto's CreateTrail wants its bucket to exist (in the trail's partition). The repository has no S3 client:
  // moto_server takes a PutBucket whose Authorization header only names the Region (it checks no signature).
  const bucket = `tamper-handler-trail-${region}`;
  const created = await fetch(`${endpoint}/${bucket}`, {
    method: 'PUT',
    headers: {
      Authorization: `AWS4-HMAC-SHA256 Credential=testing/20261202/${region}/s3/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: `<CreateBucketConfiguration><LocationConstraint>${region}</LocationConstraint></CreateBucketConfiguration>`,
  });
  if (!created.ok) throw new Error(`moto did not create bucket ${bucket}: ${created.status}`);
  const trail = await trails.send(new CreateTrailCommand({ Name: TRAIL, S3BucketName: bucket }));
  await trails.send(new StartLoggingCommand({ Name: TRAIL }));
  const own: OwnResources = {
    rules: [
      {
        name: RULE,
        target: 'function',
        targetId: 'Target0',
        deadLetterQueueArn: DLQ(region),
        retryAttempts: 2,
      },
    ],
    alarmNames: [],
    trailArn: trail.TrailARN,
  };
  await createDetector(clients, PROTECTED_RUNTIME);
  const handler = await loadHandler({
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: region,
    NOTIFICATION_TOPIC_ARN: topicArn,
    STATE_TABLE_NAME: 'tamper-handler-state',
    RESPONDER_MODE: 'remediate',
    RESPONDER_ROLE_ARN,
    OWN_RESOURCES: JSON.stringify(own),
    RESPONDER_SCOPE: undefined,
  });
  return { region, clients, events, trails, queueUrl, functionArn, trailArn: trail.TrailARN ?? '', handler };
}

const invoke = (w: World, event: unknown) => w.handler(event, lambdaContext(w.region, ACCOUNT));

describe('tamper events against moto_server', () => {
  it('re-enables a disabled rule, restores a removed target, restarts a stopped trail, and each alert reaches the SQS subscriber', async () => {
    const w = await world('us-isob-east-1', { subscribed: true });

    // DisableRule, as an attacker would make it.
    await w.events.send(new DisableRuleCommand({ Name: RULE }));
    const disabled = await invoke(
      w,
      tamperEvent('aws.events', 'DisableRule', { name: RULE }, { region: w.region }),
    );
    expect(disabled).toMatchObject({ tamper: { outcome: 'tamper-repaired' } });
    expect((await w.events.send(new DescribeRuleCommand({ Name: RULE }))).State).toBe('ENABLED');

    // RemoveTargets of the responder's target.
    await w.events.send(new RemoveTargetsCommand({ Rule: RULE, Ids: ['Target0'] }));
    const removed = await invoke(
      w,
      tamperEvent('aws.events', 'RemoveTargets', { rule: RULE, ids: ['Target0'] }, { region: w.region }),
    );
    expect(removed).toMatchObject({ tamper: { outcome: 'tamper-repaired' } });
    const { Targets } = await w.events.send(new ListTargetsByRuleCommand({ Rule: RULE }));
    expect(Targets).toEqual([
      expect.objectContaining({
        Id: 'Target0',
        Arn: w.functionArn,
        DeadLetterConfig: { Arn: DLQ(w.region) },
        RetryPolicy: { MaximumRetryAttempts: 2 },
      }),
    ]);

    // StopLogging on the trail the app created.
    await w.trails.send(new StopLoggingCommand({ Name: TRAIL }));
    const stopped = await invoke(
      w,
      tamperEvent('aws.cloudtrail', 'StopLogging', { name: w.trailArn }, { region: w.region }),
    );
    expect(stopped).toMatchObject({ tamper: { outcome: 'tamper-repaired', severity: 'critical' } });
    expect((await w.trails.send(new GetTrailStatusCommand({ Name: TRAIL }))).IsLogging).toBe(true);

    const alerts = await receivedAlerts(w.clients, w.queueUrl ?? '');
    expect(alerts.map((alert) => [alert.outcome, (alert.resource as { kind: string }).kind])).toEqual([
      ['tamper-repaired', 'rule'],
      ['tamper-repaired', 'rule'],
      ['tamper-repaired', 'trail'],
    ]);
    expect(alerts[0]).toMatchObject({
      kind: 'tamper',
      accountId: ACCOUNT,
      region: w.region,
      severity: 'critical',
    });
  });

  it('the sweep finds a disabled rule (and re-enables it) and a topic without subscriptions, each paged once', async () => {
    const w = await world('us-iso-east-1', { subscribed: false });
    await w.events.send(new DisableRuleCommand({ Name: RULE }));

    const first = await invoke(w, sweepEvent(w.region, 'tamper-handler-sweep-1'));
    const second = await invoke(w, sweepEvent(w.region, 'tamper-handler-sweep-2'));

    expect(first).toMatchObject({
      wiring: {
        outcome: 'wiring-gaps',
        gaps: expect.arrayContaining([`rule#${RULE}: wiring-repaired`, 'topic: wiring-gap']),
      },
    });
    expect((await w.events.send(new DescribeRuleCommand({ Name: RULE }))).State).toBe('ENABLED');
    // The rule is whole again; the topic still has nobody, and its case is already paged.
    expect(second).toMatchObject({ wiring: { outcome: 'wiring-gaps', gaps: ['topic: ignored'] } });
  });
});
