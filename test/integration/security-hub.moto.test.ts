/*
 * SECURITY_HUB=true against moto_server: the real Security Hub adapter imports the findings (BatchImportFindings) and
 * the test reads them back with GetFindings; DynamoDB runs the case's finding bookkeeping for real (if_not_exists on
 * the claim, the conditional REMOVE once resolved). moto 5.2.1 has no BatchUpdateFindings, and its
 * BatchImportFindings overwrites every field of an existing finding (AWS ignores Workflow after creation): the
 * Workflow RESOLVED step is therefore recorded by a stand-in for that one call, asserted here, and its AWS behaviour
 * (including its faults) is tested with the mocked client in test/handler/security-hub.test.ts.
 */
import { UpdateDetectorCommand } from '@aws-sdk/client-guardduty';
import * as securityHubSdk from '@aws-sdk/client-securityhub';
import type { MiddlewareStack } from '@smithy/types';
import { describe, expect, inject, it } from 'vitest';
import { securityHubAdapter } from '../../handlers/adapters/security-hub.js';
import { createResponder } from '../../handlers/composition.js';
import { JsonLogger } from '../../handlers/logger.js';
import type { FindingsPort } from '../../handlers/ports.js';
import {
  lambdaContext,
  RESPONDER_ROLE_ARN,
  retarget,
  sweepEvent,
  syntheticFixture,
} from '../support/fixtures.js';
import {
  createDetector,
  createStateTable,
  createTopicWithQueue,
  motoClients,
  PROTECTED_RUNTIME,
  receivedAlerts,
  switchOffRuntime,
} from '../support/moto-aws.js';

const endpoint = inject('motoEndpoint');
// An account no other moto test uses (moto keeps state per account and Region, and test files run in parallel), in
// the aws-us-gov partition: GuardDuty, the table, the topic and the findings are this file's alone.
const REGION = 'us-gov-east-1';
const ACCOUNT = '210987654321';

/** Every request of this client goes to this file's own moto account. */
function inOwnAccount<C extends { middlewareStack: { add: (...args: never[]) => unknown } }>(client: C): C {
  (client.middlewareStack as unknown as MiddlewareStack<object, object>).add(
    (next) => (args) => {
      const request = args.request as { headers?: Record<string, string> };
      if (request.headers) request.headers['x-moto-account-id'] = ACCOUNT;
      return next(args);
    },
    { step: 'build', name: 'motoAccount' },
  );
  return client;
}
const DISABLE = 'UpdateDetector.disable-runtime-monitoring.synthetic.json';

async function world(mode: 'remediate' | 'notify', suffix: string) {
  const clients = motoClients(endpoint, REGION);
  for (const client of Object.values(clients)) inOwnAccount(client);
  const table = `sechub-state-${suffix}`;
  await createStateTable(clients, table);
  const { topicArn, queueUrl } = await createTopicWithQueue(clients, `sechub-alerts-${suffix}`);
  // The topic is this file's account's: the header reached moto.
  expect(topicArn).toBe(`arn:aws-us-gov:sns:${REGION}:${ACCOUNT}:sechub-alerts-${suffix}`);
  const hub = inOwnAccount(
    new securityHubSdk.SecurityHubClient({
      endpoint,
      region: REGION,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    }),
  );
  const resolved: { ids: string[]; productArns: string[] }[] = [];
  const real = securityHubAdapter(() => hub);
  const findings: FindingsPort = {
    import: (batch) => real.import(batch),
    // moto has no BatchUpdateFindings: record what the adapter would send.
    resolve: async (batch) => {
      resolved.push({ ids: batch.map((f) => f.Id), productArns: batch.map((f) => f.ProductArn) });
    },
  };
  const responder = createResponder({
    env: {
      AWS_REGION: REGION,
      NOTIFICATION_TOPIC_ARN: topicArn,
      STATE_TABLE_NAME: table,
      RESPONDER_MODE: mode,
      RESPONDER_ROLE_ARN,
      SECURITY_HUB: 'true',
    },
    clients,
    findings,
    logger: new JsonLogger('test', 'ERROR', () => undefined),
  });
  const context = lambdaContext(REGION, ACCOUNT);
  return {
    clients,
    hub,
    resolved,
    queueUrl,
    run: (event: unknown) => responder.handle(event, context),
    /** Every finding of this world's detector, as Security Hub returns them. */
    async findingsOf(detectorId: string) {
      const output = await hub.send(new securityHubSdk.GetFindingsCommand({ MaxResults: 100 }));
      return (output.Findings ?? []).filter((finding) =>
        finding.Resources?.some((resource) => resource.Id?.endsWith(`detector/${detectorId}`)),
      );
    },
  };
}

let counter = 0;
function disableEvent(detectorId: string) {
  counter += 1;
  return retarget(syntheticFixture(DISABLE), {
    detectorId,
    region: REGION,
    eventId: `sechub-event-${counter}-${detectorId}`,
    account: ACCOUNT,
  });
}

describe('Security Hub findings against moto_server', () => {
  it('notify mode: drift → finding ACTIVE/FAILED → protection back → the same finding PASSED and resolved', async () => {
    const w = await world('notify', 'notify');
    const detectorId = await createDetector(w.clients, PROTECTED_RUNTIME);
    await switchOffRuntime(w.clients, detectorId);

    await w.run(disableEvent(detectorId));

    const [open, ...more] = await w.findingsOf(detectorId);
    expect(more).toEqual([]);
    expect(open).toMatchObject({
      ProductArn: `arn:aws-us-gov:securityhub:${REGION}:${ACCOUNT}:product/${ACCOUNT}/default`,
      AwsAccountId: ACCOUNT,
      RecordState: 'ACTIVE',
      Compliance: { Status: 'FAILED' },
      Workflow: { Status: 'NEW' },
      Severity: { Label: 'HIGH' },
      Resources: [
        {
          Type: 'AwsGuardDutyDetector',
          Id: `arn:aws-us-gov:guardduty:${REGION}:${ACCOUNT}:detector/${detectorId}`,
          Partition: 'aws-us-gov',
          Region: REGION,
        },
      ],
    });
    expect(open?.Remediation?.Recommendation?.Text).toContain(`guardduty-drift enable --region ${REGION}`);
    expect(await receivedAlerts(w.clients, w.queueUrl)).toHaveLength(1);
    expect(w.resolved).toEqual([]);

    // An operator turns it back on (notify mode never does); the next sweep reads it compliant.
    await w.clients.guardDuty.send(
      new UpdateDetectorCommand({ DetectorId: detectorId, Features: PROTECTED_RUNTIME }),
    );
    await w.run({ ...sweepEvent(REGION, `sechub-sweep-${detectorId}`), account: ACCOUNT });

    const [back, ...others] = await w.findingsOf(detectorId);
    expect(others).toEqual([]);
    expect(back).toMatchObject({
      Id: open?.Id,
      CreatedAt: open?.CreatedAt,
      Compliance: { Status: 'PASSED' },
    });
    expect(w.resolved).toEqual([{ ids: [open?.Id], productArns: [open?.ProductArn] }]);

    // The case forgot the finding: the next compliant sweep sends nothing more.
    await w.run({ ...sweepEvent(REGION, `sechub-sweep-2-${detectorId}`), account: ACCOUNT });
    expect(w.resolved).toHaveLength(1);
  });

  it('remediate mode: each restored drift is its own finding, created PASSED and RESOLVED', async () => {
    const w = await world('remediate', 'remediate');
    const detectorId = await createDetector(w.clients, PROTECTED_RUNTIME);

    await switchOffRuntime(w.clients, detectorId);
    await w.run(disableEvent(detectorId));
    await switchOffRuntime(w.clients, detectorId);
    await w.run(disableEvent(detectorId));

    const found = await w.findingsOf(detectorId);
    expect(found).toHaveLength(2);
    for (const finding of found) {
      expect(finding).toMatchObject({ Compliance: { Status: 'PASSED' }, Workflow: { Status: 'RESOLVED' } });
      expect(finding.Description).toMatch(/Protection was off for/);
    }
    expect(new Set(found.map((finding) => finding.Id)).size).toBe(2);
    expect(w.resolved.flatMap((call) => call.ids).sort()).toEqual(found.map((finding) => finding.Id).sort());
    expect(await receivedAlerts(w.clients, w.queueUrl)).toHaveLength(2);
  });
});
