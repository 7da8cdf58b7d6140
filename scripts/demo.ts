/**
 * `npm run demo [-- --mode notify]`: the whole responder flow on this machine, against moto_server.
 * Starts moto on a free loopback port, creates a protected detector, switches runtime monitoring off as an operator
 * would, feeds the resulting CloudTrail event to the responder as the Lambda builds it (handlers/composition.ts
 * `createResponder`, the function's own SDK clients pointed at moto) and prints what happened. Then one tamper event:
 * the responder's own EventBridge rule disabled in moto, re-enabled by the responder, and the alert it sends.
 */
import { parseArgs } from 'node:util';
import {
  DescribeRuleCommand,
  DisableRuleCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { GetDetectorCommand } from '@aws-sdk/client-guardduty';
import type { PublishCommandInput } from '@aws-sdk/client-sns';
import { createClients } from '../handlers/clients.js';
import { createResponder } from '../handlers/composition.js';
import { JsonLogger } from '../handlers/logger.js';
import {
  lambdaContext,
  RESPONDER_FUNCTION_NAME,
  retarget,
  syntheticFixture,
} from '../test/support/fixtures.js';
import {
  complianceValues,
  createDetector,
  createStateTable,
  createTopicWithQueue,
  motoClients,
  PROTECTED_RUNTIME,
  receivedAlerts,
  switchOffRuntime,
} from '../test/support/moto-aws.js';
import { type MotoServer, startMotoServer } from '../test/support/moto-server.js';
import { tamperEvent } from '../test/support/tamper-events.js';

// The SDK warns once per process that Node 20 support ends in 2027; the demo is not the place to read it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const REGION = 'us-east-1';
const NAMESPACE = 'GuardDutyDriftResponder';
const RULE = 'guardduty-drift-events';
const FUNCTION_ARN = `arn:aws:lambda:${REGION}:123456789012:function:${RESPONDER_FUNCTION_NAME}`;

const { values } = parseArgs({ options: { mode: { type: 'string', default: 'remediate' } } });
if (values.mode !== 'remediate' && values.mode !== 'notify') {
  console.error(`--mode must be "remediate" or "notify", not "${values.mode}"`);
  process.exit(2);
}
const mode = values.mode;

const heading = (text: string) =>
  console.log(`\n\x1b[1m── ${text} ${'─'.repeat(Math.max(0, 70 - text.length))}\x1b[0m`);
const indent = (text: string) => text.replace(/^/gm, '   ');

/**
 * The function's own SDK clients (handlers/clients.ts), with a middleware on the SNS client that keeps what is
 * published, so the demo can show the email and Slack renderings SNS would deliver.
 */
function clientsCapturingPublishes(): {
  clients: ReturnType<typeof createClients>;
  published: PublishCommandInput[];
} {
  const clients = createClients();
  const published: PublishCommandInput[] = [];
  clients.sns.middlewareStack.add(
    (next) => async (args) => {
      if (args.input && 'Message' in args.input) published.push(args.input as PublishCommandInput);
      return next(args);
    },
    { step: 'initialize', name: 'demoCapturePublish' },
  );
  return { clients, published };
}

async function describeDetector(
  clients: ReturnType<typeof motoClients>,
  detectorId: string,
): Promise<string> {
  const output = await clients.guardDuty.send(new GetDetectorCommand({ DetectorId: detectorId }));
  const runtime = (output.Features ?? []).filter((feature) => feature.Name?.includes('RUNTIME_MONITORING'));
  const features = runtime.map((feature) => {
    const agent = feature.AdditionalConfiguration?.find(
      (config) => config.Name === 'EKS_ADDON_MANAGEMENT',
    )?.Status;
    return `${feature.Name} ${feature.Status} (EKS_ADDON_MANAGEMENT ${agent ?? 'not listed'})`;
  });
  return `detector ${output.Status}; ${features.join('; ') || 'no runtime feature'}`;
}

async function main(server: MotoServer): Promise<void> {
  console.log(`moto_server is running at ${server.endpoint} (mode: ${mode})`);
  const clients = motoClients(server.endpoint, REGION);
  await createStateTable(clients, 'drift-state');
  const { topicArn, queueUrl } = await createTopicWithQueue(clients, 'drift-alerts');
  const detectorId = await createDetector(clients, PROTECTED_RUNTIME);
  // The responder's own rule, as the construct deploys it (the tamper watch's part of the story, step 9).
  const events = new EventBridgeClient({
    endpoint: server.endpoint,
    region: REGION,
    credentials: { accessKeyId: 'demo', secretAccessKey: 'demo' },
  });
  await events.send(
    new PutRuleCommand({ Name: RULE, EventPattern: JSON.stringify({ source: ['aws.guardduty'] }) }),
  );
  await events.send(new PutTargetsCommand({ Rule: RULE, Targets: [{ Id: 'Target0', Arn: FUNCTION_ARN }] }));

  heading('1. A protected detector');
  console.log(indent(await describeDetector(clients, detectorId)));

  heading('2. An operator switches EKS runtime monitoring off');
  await switchOffRuntime(clients, detectorId);
  const event = retarget(syntheticFixture('UpdateDetector.disable-runtime-monitoring.synthetic.json'), {
    detectorId,
    region: REGION,
    eventId: `demo-${Date.now()}`,
  });
  const detail = event.detail as {
    userIdentity: { arn: string };
    sourceIPAddress: string;
    eventTime: string;
  };
  console.log(
    indent(`who:  ${detail.userIdentity.arn} from ${detail.sourceIPAddress} at ${detail.eventTime}`),
  );
  console.log(indent('what: UpdateDetector RUNTIME_MONITORING → DISABLED (EKS_ADDON_MANAGEMENT → DISABLED)'));
  console.log(indent(`now:  ${await describeDetector(clients, detectorId)}`));

  heading('3. CloudTrail → EventBridge → the responder Lambda');
  // The SDK reads endpoint, Region and credentials from the environment, as in Lambda.
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: server.endpoint,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'demo',
    AWS_SECRET_ACCESS_KEY: 'demo',
  });
  const { clients: responderClients, published } = clientsCapturingPublishes();
  const responder = createResponder({
    env: {
      AWS_REGION: REGION,
      NOTIFICATION_TOPIC_ARN: topicArn,
      STATE_TABLE_NAME: 'drift-state',
      METRIC_NAMESPACE: NAMESPACE,
      RESPONDER_MODE: mode,
      OWN_RESOURCES: JSON.stringify({
        rules: [{ name: RULE, target: 'function', targetId: 'Target0' }],
        alarmNames: [],
      }),
    },
    clients: responderClients,
    logger: new JsonLogger('guardduty-drift-responder', 'SILENT'),
  });
  const result = await responder.handle(event, lambdaContext(REGION));
  console.log(indent(`decision: ${JSON.stringify(result)}`));

  heading('4. The detector after the responder');
  console.log(indent(await describeDetector(clients, detectorId)));

  const alert = published[0];
  const renderings = JSON.parse(alert?.Message ?? '{}') as Record<string, string>;
  heading(`5. The email (subject: ${alert?.Subject ?? 'none'})`);
  console.log(indent(renderings.email ?? '(no alert)'));

  heading('6. The Slack message (AWS Chatbot custom notification)');
  const chat = JSON.parse(renderings.https ?? '{}') as { content?: { title?: string; description?: string } };
  console.log(indent(`${chat.content?.title ?? ''}\n${chat.content?.description ?? ''}`));

  heading('7. What an SQS subscriber received (structured JSON, abridged)');
  const [structured] = await receivedAlerts(clients, queueUrl);
  const { outcome, severity, accountId, region, actor, eventId } = structured ?? {};
  console.log(
    indent(JSON.stringify({ outcome, severity, accountId, region, detectorId, actor, eventId }, null, 2)),
  );

  heading('8. The compliance metric, read back with GetMetricData');
  const compliance = await complianceValues(clients, NAMESPACE, REGION);
  const drifts = await complianceValues(clients, NAMESPACE, REGION, 'DriftDetected');
  console.log(
    indent(`${NAMESPACE}/EksRuntimeMonitoringCompliant{Region=${REGION}} = ${compliance.join(', ')}`),
  );
  console.log(indent(`${NAMESPACE}/DriftDetected{Region=${REGION}} = ${drifts.join(', ')}`));

  heading('9. Tamper: someone disables the responder’s own EventBridge rule');
  await events.send(new DisableRuleCommand({ Name: RULE }));
  const ruleState = async () => (await events.send(new DescribeRuleCommand({ Name: RULE }))).State;
  console.log(
    indent(`rule ${RULE}: ${await ruleState()} (the function would no longer receive GuardDuty events)`),
  );
  const tamper = await responder.handle(
    tamperEvent(
      'aws.events',
      'DisableRule',
      { name: RULE },
      { id: `5a1e7c0d-0000-4b2a-9c3d-${Date.now().toString(16).padStart(12, '0').slice(-12)}` },
    ),
    lambdaContext(REGION),
  );
  console.log(indent(`decision: ${JSON.stringify(tamper)}`));
  console.log(indent(`rule ${RULE}: ${await ruleState()}`));

  const tamperAlert = published[published.length - 1];
  const tamperRenderings = JSON.parse(tamperAlert?.Message ?? '{}') as Record<string, string>;
  heading(`10. The tamper e-mail (subject: ${tamperAlert?.Subject ?? 'none'})`);
  console.log(indent(tamperRenderings.email ?? '(no alert)'));
  console.log('\nDone. Try `npm run demo -- --mode notify` for the notify-only path.');
}

let server: MotoServer | undefined;
try {
  server = await startMotoServer();
  await main(server);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
} finally {
  await server?.stop();
}
