/*
 * The coverage rule's pattern, as synthesized, through moto's real EventBridge matcher (PutRule + an SQS target +
 * PutEvents: moto's TestEventPattern answers an empty 200, which would pass any "does not match"). The events follow
 * the GuardDuty user guide's notification schema (test/fixtures/SOURCES.md).
 */
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Json, syntheticFixture } from '../support/fixtures.js';
import { createRuleUnderTest, type RuleUnderTest } from '../support/moto-rule.js';
import { synthFirst } from './synth.js';

process.env.CDK_VALIDATION = 'false';

// moto keeps state per Region: this file owns eu-south-1.
const region = 'eu-south-1';
const RULE = 'drift-responder-coverage-pattern-under-test';

const unhealthy = () => syntheticFixture('GuardDutyRuntimeProtection.unhealthy-eks.synthetic.json');
const healthy = () => syntheticFixture('GuardDutyRuntimeProtection.healthy-eks.synthetic.json');

/** The event with its `detail.schemaVersion` replaced by a marker the test finds again in the delivered message. */
function entryOf(event: Json, marker: string) {
  return {
    Source: String(event.source),
    DetailType: String(event['detail-type']),
    Detail: JSON.stringify({ ...(event.detail as Json), marker }),
  };
}

function withResource(event: Json, resourceDetails: Json): Json {
  return { ...event, detail: { ...(event.detail as Json), resourceDetails } };
}

describe('EventBridge coverage rule pattern (as synthesized), run by moto EventBridge', () => {
  let rule: RuleUnderTest;

  beforeAll(async () => {
    const pattern = Object.values(synthFirst().template.findResources('AWS::Events::Rule'))
      .map((candidate) => candidate.Properties.EventPattern)
      .find((candidate) => JSON.stringify(candidate ?? {}).includes('Runtime Protection'));
    expect(pattern).toBeDefined();
    rule = await createRuleUnderTest({ endpoint: inject('motoEndpoint'), region, name: RULE, pattern });
  });

  afterAll(async () => {
    await rule.close();
  });

  const matching: [string, () => Json][] = [
    ['Unhealthy, EKS', unhealthy],
    ['Healthy, EKS', healthy],
  ];
  const notMatching: [string, () => Json][] = [
    [
      'Unhealthy, ECS (the handler watches EKS only)',
      () => withResource(unhealthy(), { resourceType: 'ECS', ecsClusterDetails: { clusterName: 'web' } }),
    ],
    ['Unhealthy, EC2', () => withResource(unhealthy(), { resourceType: 'EC2' })],
    ['a GuardDuty finding', () => ({ ...unhealthy(), 'detail-type': 'GuardDuty Finding' })],
    [
      'a Malware Protection status event',
      () => ({ ...unhealthy(), 'detail-type': 'GuardDuty Malware Protection Resource Status Error' }),
    ],
    ['another source with the same detail-type', () => ({ ...unhealthy(), source: 'custom.guardduty' })],
  ];

  it('delivers the Unhealthy and Healthy events of EKS clusters, and nothing else', async () => {
    // Act
    const entries = [...matching, ...notMatching].map(([name, event]) => entryOf(event(), name));
    expect(await rule.send(entries)).toBe(0);
    // Bounded: up to five one-second polls, until both expected events are in (moto delivers at once).
    const markers = await rule.poll(
      matching.map(([name]) => name),
      (delivered) => delivered.detail?.marker,
    );
    // One more poll, so an event the pattern should not match would have had its chance to arrive.
    const late = await rule.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: rule.queueUrl, WaitTimeSeconds: 1 }),
    );

    // Assess
    expect(markers.sort()).toEqual(matching.map(([name]) => name).sort());
    expect(late.Messages ?? []).toEqual([]);
  });
});
