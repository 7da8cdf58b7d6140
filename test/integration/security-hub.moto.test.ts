/*
 * SECURITY_HUB=true against moto_server: the real Security Hub adapter imports the findings (BatchImportFindings) and
 * the test reads them back with GetFindings; DynamoDB runs the case's finding bookkeeping for real (if_not_exists on
 * the claim, the conditional REMOVE once resolved). moto 5.2.1 has no BatchUpdateFindings, and its
 * BatchImportFindings overwrites every field of an existing finding (AWS ignores Workflow after creation): the
 * Workflow RESOLVED step is therefore recorded by a stand-in for that one call, asserted here, and its AWS behaviour
 * (including its faults) is tested with the mocked client in test/handler/security-hub.test.ts. Organization scope:
 * moto has no GuardDuty organization API, so the members come from the organization fake on this file's GuardDuty
 * client (aws-sdk-client-mock on that one instance) while the findings, the case record and the digest are moto's.
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { UpdateDetectorCommand } from '@aws-sdk/client-guardduty';
import * as securityHubSdk from '@aws-sdk/client-securityhub';
import type { MiddlewareStack } from '@smithy/types';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, inject, it } from 'vitest';
import { securityHubAdapter } from '../../handlers/adapters/security-hub.js';
import { createResponder } from '../../handlers/composition.js';
import { JsonLogger } from '../../handlers/logger.js';
import type { FindingsPort } from '../../handlers/ports.js';
import { FakeOrganization, memberFeatures } from '../support/fakes/organization.js';
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

async function world(
  mode: 'remediate' | 'notify',
  suffix: string,
  scope: 'account' | 'organization' = 'account',
) {
  const clients = motoClients(endpoint, REGION);
  for (const client of Object.values(clients)) inOwnAccount(client);
  // Organization scope: GuardDuty's organization calls answered by the fake (moto has none of them).
  const organization =
    scope === 'organization' ? new FakeOrganization({ guardDuty: mockClient(clients.guardDuty) }) : undefined;
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
      RESPONDER_SCOPE: scope,
    },
    clients,
    findings,
    logger: new JsonLogger('test', 'ERROR', () => undefined),
  });
  const context = lambdaContext(REGION, ACCOUNT);
  return {
    clients,
    organization,
    table,
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
    /** Every finding whose resource is one of these members' detectors, from every page of GetFindings. */
    async findingsOfMembers(members: readonly string[]): Promise<securityHubSdk.AwsSecurityFinding[]> {
      const all: securityHubSdk.AwsSecurityFinding[] = [];
      let nextToken: string | undefined;
      do {
        const output = await hub.send(
          new securityHubSdk.GetFindingsCommand({ MaxResults: 100, NextToken: nextToken }),
        );
        all.push(...(output.Findings ?? []));
        nextToken = output.NextToken;
      } while (nextToken);
      const member = (finding: securityHubSdk.AwsSecurityFinding) =>
        /:guardduty:[^:]+:(\d{12}):detector\//.exec(finding.Resources?.[0]?.Id ?? '')?.[1] ?? '';
      return all
        .filter((finding) => members.includes(member(finding)))
        .sort((a, b) => member(a).localeCompare(member(b)));
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

describe('Security Hub findings of organization members against moto_server', () => {
  async function keptFinding(w: Awaited<ReturnType<typeof world>>): Promise<string | undefined> {
    const item = await w.clients.dynamoDb.send(
      new GetItemCommand({
        TableName: w.table,
        Key: { pk: { S: `claim#case#${ACCOUNT}#${REGION}#organization` }, sk: { S: 'claim' } },
        ConsistentRead: true,
      }),
    );
    return item.Item?.finding?.S;
  }

  it('remediate mode: a member left off by a failed UpdateMemberDetectors stays FAILED; the retry resolves that same finding', async () => {
    const w = await world('remediate', 'org-remediate', 'organization');
    const organization = w.organization ?? new FakeOrganization();
    const members = organization.addMembers(2, 'DISABLED', 500);
    const [restored, stuck] = members;
    organization.unprocessed.set(stuck ?? '', 'InternalError');
    const event = { ...sweepEvent(REGION, 'sechub-org-sweep-1'), account: ACCOUNT };

    await expect(w.run(event)).rejects.toThrow(/organization remediation failed for 1 target/);

    const first = await w.findingsOfMembers(members);
    expect(first.map((finding) => [finding.Compliance?.Status, finding.Workflow?.Status])).toEqual([
      ['PASSED', 'RESOLVED'],
      ['FAILED', 'NEW'],
    ]);
    expect(first[1]).toMatchObject({
      AwsAccountId: ACCOUNT,
      ProductArn: `arn:aws-us-gov:securityhub:${REGION}:${ACCOUNT}:product/${ACCOUNT}/default`,
      RecordState: 'ACTIVE',
      Title: `EKS Runtime Monitoring is off in member account ${stuck}`,
      Resources: [
        {
          Type: 'AwsGuardDutyDetector',
          Id: `arn:aws-us-gov:guardduty:${REGION}:${stuck}:detector/d${stuck}${'0'.repeat(19)}`,
        },
      ],
    });
    expect(JSON.parse((await keptFinding(w)) ?? '{}')).toMatchObject({
      open: [`${stuck}:d${stuck}${'0'.repeat(19)}`],
    });
    expect(w.resolved.flatMap((call) => call.ids)).toEqual([first[0]?.Id]);
    expect(restored).toBeDefined();

    // Lambda's retry of the same sweep: the member is processed now; its finding (the same id) is resolved.
    organization.unprocessed.clear();
    await w.run(event);

    const after = await w.findingsOfMembers(members);
    expect(after.map((finding) => finding.Id)).toEqual(first.map((finding) => finding.Id));
    expect(after[1]).toMatchObject({ Compliance: { Status: 'PASSED' }, CreatedAt: first[1]?.CreatedAt });
    expect(w.resolved.flatMap((call) => call.ids)).toEqual([first[0]?.Id, first[1]?.Id]);
    expect(await keptFinding(w)).toBeUndefined();
    expect(await receivedAlerts(w.clients, w.queueUrl)).toHaveLength(2);
  });

  it('notify mode: 150 drifted members are 150 findings kept open in the case record; 50 back are resolved, 100 stay', async () => {
    const w = await world('notify', 'org-notify', 'organization');
    const organization = w.organization ?? new FakeOrganization();
    const members = organization.addMembers(150, 'DISABLED', 700);

    await w.run({ ...sweepEvent(REGION, 'sechub-org-sweep-2'), account: ACCOUNT });

    const found = await w.findingsOfMembers(members);
    expect(found).toHaveLength(150);
    expect(new Set(found.map((finding) => finding.Id)).size).toBe(150);
    expect(found.every((finding) => finding.Compliance?.Status === 'FAILED')).toBe(true);
    const kept = JSON.parse((await keptFinding(w)) ?? '{}') as { open?: string[] };
    expect(kept.open?.map((entry) => entry.split(':')[0]).sort()).toEqual(members);
    expect(await receivedAlerts(w.clients, w.queueUrl)).toHaveLength(1);

    // 50 of them are turned back on; the next sweep resolves those 50 and the case keeps the other 100 (SET, not REMOVE).
    const back = members.slice(0, 50);
    for (const member of back) {
      organization.members.set(member, { relationship: 'Enabled', features: memberFeatures('ENABLED') });
    }
    await w.run({ ...sweepEvent(REGION, 'sechub-org-sweep-3'), account: ACCOUNT });

    const later = await w.findingsOfMembers(back);
    expect(later.every((finding) => finding.Compliance?.Status === 'PASSED')).toBe(true);
    expect(w.resolved.flatMap((call) => call.ids).sort()).toEqual(later.map((finding) => finding.Id).sort());
    const left = JSON.parse((await keptFinding(w)) ?? '{}') as { open?: string[] };
    expect(left.open?.map((entry) => entry.split(':')[0]).sort()).toEqual(members.slice(50));
    // Resolved on the detector they were opened on: every finding still names the member's detector.
    expect(later.map((finding) => finding.Resources?.[0]?.Type)).toEqual(
      Array(50).fill('AwsGuardDutyDetector'),
    );
  });
});
