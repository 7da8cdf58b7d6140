/*
 * Validation of the `GuardDuty Runtime Protection Unhealthy|Healthy` events at the edge. The fixtures follow the
 * user guide's sample notification schema (test/fixtures/SOURCES.md): node counts as strings, normalised to the
 * API's coveredNodes/compatibleNodes.
 */
import { describe, expect, it } from 'vitest';
import type { CoverageEventInput } from '../../handlers/core/types.js';
import { parseEvent } from '../../handlers/events.js';
import { type Json, syntheticFixture } from '../support/fixtures.js';

const UNHEALTHY = 'GuardDutyRuntimeProtection.unhealthy-eks.synthetic.json';
const HEALTHY = 'GuardDutyRuntimeProtection.healthy-eks.synthetic.json';

function withDetail(name: string, change: (detail: Json) => void, envelope: Json = {}): Json {
  const event = { ...syntheticFixture(name), ...envelope };
  const detail = structuredClone(event.detail) as Json;
  change(detail);
  return { ...event, detail };
}

function eksDetails(detail: Json): Json {
  return (detail.resourceDetails as Json).eksClusterDetails as Json;
}

describe('Edge: coverage events', () => {
  it('turns the Unhealthy event into one cluster, node counts as numbers under the API names', () => {
    // Act
    const parsed = parseEvent(syntheticFixture(UNHEALTHY));

    // Assess
    expect(parsed).toEqual({
      status: 'ok',
      input: {
        kind: 'coverage',
        eventId: '5c3a0b8e-2f41-4f7e-9c1d-7a6b2e9f0c11',
        eventTime: '2026-11-20T10:02:17Z',
        accountId: '123456789012',
        region: 'us-east-1',
        detailType: 'GuardDuty Runtime Protection Unhealthy',
        previousStatus: 'HEALTHY',
        cluster: {
          accountId: '123456789012',
          clusterName: 'payments-prod',
          coverageStatus: 'UNHEALTHY',
          issue: expect.stringMatching(/^Addon Update Failed:EKS Addon issue - ConfigurationConflict: /),
          coveredNodes: 0,
          compatibleNodes: 6,
          addonVersion: 'v1.9.0-eksbuild.1',
          addonStatus: undefined,
          managementType: undefined,
          detectorId: undefined,
          updatedAt: new Date('2026-11-20T10:01:55Z'),
        },
      } satisfies CoverageEventInput,
    });
  });

  it('reads the Healthy event as covered, an empty issue as none', () => {
    const parsed = parseEvent(syntheticFixture(HEALTHY));
    expect(parsed).toMatchObject({
      status: 'ok',
      input: { kind: 'coverage', cluster: { coverageStatus: 'HEALTHY', issue: undefined, coveredNodes: 6 } },
    });
  });

  it('takes node counts as numbers too, and reads anything but a whole number as unknown', () => {
    const parsed = parseEvent(
      withDetail(UNHEALTHY, (detail) => {
        Object.assign(eksDetails(detail), { availableNodes: 2, desiredNodes: 'several' });
        detail.lastUpdatedAt = 1_795_000_000;
      }),
    );
    expect(parsed).toMatchObject({
      status: 'ok',
      input: {
        cluster: { coveredNodes: 2, compatibleNodes: undefined, updatedAt: new Date(1_795_000_000_000) },
      },
    });
  });

  it('takes the cluster account from resourceAccountId, the envelope account when it is missing', () => {
    const member = parseEvent(
      withDetail(UNHEALTHY, (detail) => Object.assign(detail, { resourceAccountId: '111122223333' })),
    );
    expect(member).toMatchObject({
      input: { accountId: '123456789012', cluster: { accountId: '111122223333' } },
    });
    const bare = parseEvent(
      withDetail(UNHEALTHY, (detail) => Object.assign(detail, { resourceAccountId: undefined })),
    );
    expect(bare).toMatchObject({ input: { cluster: { accountId: '123456789012' } } });
  });

  it('ignores ECS and EC2 coverage, with the reason', () => {
    const ecs = parseEvent(
      withDetail(UNHEALTHY, (detail) => {
        detail.resourceDetails = { resourceType: 'ECS', ecsClusterDetails: { clusterName: 'web' } };
      }),
    );
    expect(ecs).toEqual({
      status: 'unsupported',
      reason: 'coverage of ECS resources is not watched (EKS clusters only)',
      eventId: '5c3a0b8e-2f41-4f7e-9c1d-7a6b2e9f0c11',
    });
  });

  it.each([
    [
      'no resourceDetails',
      (detail: Json) => Object.assign(detail, { resourceDetails: undefined }),
      /resourceDetails/,
    ],
    [
      'an EKS resource without eksClusterDetails',
      (detail: Json) => Object.assign(detail, { resourceDetails: { resourceType: 'EKS' } }),
      /eksClusterDetails: required/,
    ],
    [
      'a cluster name no EKS cluster can have',
      (detail: Json) => Object.assign(eksDetails(detail), { clusterName: 'prod; rm -rf /' }),
      /clusterName: expected an EKS cluster name/,
    ],
    [
      'a currentStatus that contradicts the detail-type',
      (detail: Json) => Object.assign(detail, { currentStatus: 'HEALTHY' }),
      /currentStatus: "HEALTHY" contradicts the detail-type/,
    ],
  ])('rejects %s as invalid (it goes to the dead-letter queue)', (_name, change, problem) => {
    const parsed = parseEvent(withDetail(UNHEALTHY, change));
    expect(parsed.status).toBe('invalid');
    expect(parsed.status === 'invalid' ? parsed.problems.join('\n') : '').toMatch(problem);
  });

  it('leaves other GuardDuty events (findings) unsupported, not invalid', () => {
    const finding = parseEvent({ ...syntheticFixture(UNHEALTHY), 'detail-type': 'GuardDuty Finding' });
    expect(finding).toMatchObject({ status: 'unsupported' });
  });
});
