/**
 * `npm run demo:coverage`: per-cluster runtime coverage on this machine. A detector reads compliant (runtime
 * monitoring ENABLED with agent management) while one EKS cluster has no healthy agent: the sweep finds it with
 * ListCoverage and pages once with the next step, an Unhealthy event for the same cluster pages nothing more, and
 * its Healthy event sends the short recovery message.
 *
 * moto_server has no coverage API (ListCoverage, GetCoverageStatistics): the coverage answers come from a small
 * loopback stand-in (test/support/coverage-stand-in.ts) that answers them as the GuardDuty API Reference documents
 * them and forwards every other GuardDuty call to moto. The demo says so when it starts.
 */
import type { PublishCommandInput } from '@aws-sdk/client-sns';
import { createClients } from '../handlers/clients.js';
import { createResponder } from '../handlers/composition.js';
import { JsonLogger } from '../handlers/logger.js';
import { eksResource, startCoverageStandIn } from '../test/support/coverage-stand-in.js';
import { type Json, lambdaContext, sweepEvent, syntheticFixture } from '../test/support/fixtures.js';
import {
  complianceValues,
  createDetector,
  createStateTable,
  createTopicWithQueue,
  motoClients,
  PROTECTED_RUNTIME,
} from '../test/support/moto-aws.js';
import { type MotoServer, startMotoServer } from '../test/support/moto-server.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const NAMESPACE = 'GuardDutyDriftResponder';
const CONFLICT =
  'Addon Update Failed:EKS Addon issue - ConfigurationConflict: Conflicts found when trying to apply. Will not ' +
  'continue due to resolve conflicts mode. Conflicts: DaemonSet.apps aws-guardduty-agent - ' +
  '.spec.template.spec.containers[name="aws-guardduty-agent"].image';

const heading = (text: string) =>
  console.log(`\n\x1b[1m── ${text} ${'─'.repeat(Math.max(0, 70 - text.length))}\x1b[0m`);
const indent = (text: string) => text.replace(/^/gm, '   ');

/** The SNS client of the function, keeping what it publishes so the demo can print each protocol's rendering. */
function clientsCapturingPublishes() {
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

function printAlert(alert: PublishCommandInput | undefined): void {
  if (alert === undefined) {
    console.log(indent('(no alert)'));
    return;
  }
  const renderings = JSON.parse(alert.Message ?? '{}') as Record<string, string>;
  console.log(indent(`subject: ${alert.Subject}`));
  console.log(
    indent(
      `attributes: ${JSON.stringify(Object.fromEntries(Object.entries(alert.MessageAttributes ?? {}).map(([k, v]) => [k, v.StringValue])))}`,
    ),
  );
  console.log(indent('\n[email]'));
  console.log(indent(renderings.email ?? ''));
  console.log(indent('\n[Slack / AWS Chatbot custom notification]'));
  console.log(indent(JSON.stringify(JSON.parse(renderings.https ?? '{}'), null, 2)));
  console.log(indent('\n[SQS / Lambda subscribers: structured JSON]'));
  console.log(indent(JSON.stringify(JSON.parse(renderings.sqs ?? '{}'), null, 2)));
}

async function main(server: MotoServer): Promise<void> {
  heading('0. What runs here');
  console.log(
    indent(
      'moto_server (GuardDuty detectors, SNS, SQS, DynamoDB, CloudWatch) on loopback, and in front of its GuardDuty\n' +
        'a LOOPBACK STAND-IN for ListCoverage and GetCoverageStatistics, which moto does not implement. The stand-in\n' +
        'answers with the documented wire format; its clusters below are made up for the demo.',
    ),
  );
  const clients = motoClients(server.endpoint, REGION);
  const detectorId = await createDetector(clients, PROTECTED_RUNTIME);
  const { topicArn } = await createTopicWithQueue(clients, 'coverage-demo-alerts');
  await createStateTable(clients, 'coverage-demo-state');
  const standIn = await startCoverageStandIn({ upstream: server.endpoint });
  try {
    heading('1. The detector setting is compliant, one cluster is not covered');
    const resources = [
      eksResource('payments-prod', {
        detectorId,
        coverageStatus: 'UNHEALTHY',
        issue: CONFLICT,
        coveredNodes: 0,
        compatibleNodes: 6,
        addonVersion: 'v1.9.0-eksbuild.1',
      }),
      eksResource('web', { detectorId, compatibleNodes: 4, coveredNodes: 4 }),
      eksResource('batch', { detectorId, compatibleNodes: 12, coveredNodes: 12, managementType: 'MANUAL' }),
      eksResource('sandbox', { detectorId, coverageStatus: 'UNHEALTHY', managementType: 'DISABLED' }),
    ];
    standIn.setResources(resources);
    console.log(indent(`detector ${detectorId}: RUNTIME_MONITORING ENABLED, EKS_ADDON_MANAGEMENT ENABLED`));
    for (const resource of resources) {
      const eks = resource.resourceDetails.eksClusterDetails;
      console.log(
        indent(
          `cluster ${resource.resourceId.padEnd(14)} ${resource.coverageStatus.padEnd(9)} nodes ${eks?.coveredNodes}/${eks?.compatibleNodes} ${eks?.managementType}`,
        ),
      );
    }

    // The function's own clients: GuardDuty through the stand-in, everything else straight to moto.
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: server.endpoint,
      AWS_ENDPOINT_URL_GUARDDUTY: standIn.endpoint,
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: 'demo',
      AWS_SECRET_ACCESS_KEY: 'demo',
    });
    const { clients: responderClients, published } = clientsCapturingPublishes();
    const responder = createResponder({
      env: {
        AWS_REGION: REGION,
        NOTIFICATION_TOPIC_ARN: topicArn,
        STATE_TABLE_NAME: 'coverage-demo-state',
        METRIC_NAMESPACE: NAMESPACE,
      },
      clients: responderClients,
      logger: new JsonLogger('guardduty-drift-responder', 'SILENT'),
    });
    const context = lambdaContext(REGION, ACCOUNT);

    heading('2. The scheduled sweep reads ListCoverage and pages once');
    const sweep = await responder.handle(sweepEvent(REGION, 'coverage-demo-sweep-1'), context);
    console.log(indent(`decision: ${JSON.stringify((sweep as { coverage?: unknown }).coverage)}`));
    console.log(
      indent(`stand-in requests: ${standIn.requests.map((request) => request.operation).join(', ')}`),
    );
    printAlert(published[0]);

    heading('3. GuardDuty also sends its Unhealthy event: no second page for the same transition');
    const unhealthy = syntheticFixture('GuardDutyRuntimeProtection.unhealthy-eks.synthetic.json');
    const event = await responder.handle({ ...unhealthy, account: ACCOUNT, region: REGION }, context);
    console.log(indent(`decision: ${JSON.stringify((event as { coverage?: unknown }).coverage)}`));
    console.log(indent(`alerts published so far: ${published.length}`));

    heading('4. Someone runs the next step; the Healthy event sends the short recovery message');
    const healthy: Json = syntheticFixture('GuardDutyRuntimeProtection.healthy-eks.synthetic.json');
    const recovered = await responder.handle({ ...healthy, account: ACCOUNT, region: REGION }, context);
    console.log(indent(`decision: ${JSON.stringify((recovered as { coverage?: unknown }).coverage)}`));
    const recovery = published[1];
    const email = JSON.parse(recovery?.Message ?? '{}').email ?? '(no alert)';
    console.log(indent(`subject: ${recovery?.Subject}`));
    console.log(indent(email));

    heading('5. The metrics the alarm and the dashboard read, back from CloudWatch (moto)');
    for (const name of ['EksClustersCovered', 'EksClustersUnhealthy', 'EksClustersExcluded']) {
      const values = await complianceValues(clients, NAMESPACE, REGION, name);
      console.log(indent(`${NAMESPACE}/${name}{Region=${REGION}} = ${values.join(', ')}`));
    }
    console.log(
      '\nDone. The coverage answers came from the loopback stand-in (moto has no ListCoverage); against AWS the\n' +
        'same code calls GuardDuty itself. See docs/coverage.md.',
    );
  } finally {
    await standIn.close();
  }
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
