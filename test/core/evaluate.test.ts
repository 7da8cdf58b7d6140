import type { GetDetectorCommandOutput } from '@aws-sdk/client-guardduty';
import { describe, expect, it } from 'vitest';
import { toDetectorState } from '../../handlers/adapters/guardduty.js';
import { evaluate } from '../../handlers/core/evaluate.js';
import { realFixture } from '../support/fixtures.js';

describe('Function: evaluate', () => {
  it('reads the real GetDetector sample: both generations listed, both off', () => {
    // Prepare: `aws guardduty get-detector` prints the SDK's PascalCase output shape (dates as strings, unread here).
    const output = realFixture('guardduty/GetDetector.response.MrRedhu-aws-cloud-security-baseline.json');
    const state = toDetectorState('d-real', { $metadata: {}, ...output } as GetDetectorCommandOutput);

    // Act
    const evaluation = evaluate(state, true);

    // Assess
    expect(evaluation).toMatchObject({
      compliant: false,
      detectorEnabled: true,
      generationInUse: undefined,
      runtimeFeatures: [
        { name: 'RUNTIME_MONITORING', status: 'DISABLED', agentManagement: 'DISABLED' },
        { name: 'EKS_RUNTIME_MONITORING', status: 'DISABLED', agentManagement: 'DISABLED' },
      ],
    });
    expect(evaluation.problems).toEqual([
      'RUNTIME_MONITORING is DISABLED; EKS_RUNTIME_MONITORING is DISABLED',
    ]);
    expect(state.tags).toEqual({ Env: 'dev', Project: 'aws-cloud-security-baseline', Owner: 'emerson' });
  });

  it('names the generation in use and its agent management', () => {
    const evaluation = evaluate(
      {
        detectorId: 'd',
        status: 'ENABLED',
        tags: {},
        features: [
          {
            name: 'EKS_RUNTIME_MONITORING',
            status: 'ENABLED',
            additionalConfiguration: [{ name: 'EKS_ADDON_MANAGEMENT', status: 'DISABLED' }],
          },
        ],
      },
      true,
    );

    expect(evaluation).toMatchObject({
      compliant: false,
      generationInUse: 'EKS_RUNTIME_MONITORING',
      agentManagement: 'DISABLED',
    });
    expect(evaluation.problems).toEqual([
      'EKS_RUNTIME_MONITORING is enabled but EKS_ADDON_MANAGEMENT is DISABLED',
    ]);
  });

  it('says when the detector is suspended, whatever its features say', () => {
    const evaluation = evaluate(
      {
        detectorId: 'd',
        status: 'DISABLED',
        tags: {},
        features: [
          {
            name: 'RUNTIME_MONITORING',
            status: 'ENABLED',
            additionalConfiguration: [{ name: 'EKS_ADDON_MANAGEMENT', status: 'ENABLED' }],
          },
        ],
      },
      true,
    );

    expect(evaluation.compliant).toBe(false);
    expect(evaluation.problems).toEqual(['detector is suspended (status DISABLED)']);
  });

  it('treats a missing feature as unknown, not as off', () => {
    const evaluation = evaluate({ detectorId: 'd', status: 'ENABLED', tags: {}, features: [] }, true);

    expect(evaluation.problems).toEqual([
      'GetDetector lists neither RUNTIME_MONITORING nor EKS_RUNTIME_MONITORING',
    ]);
  });
});
