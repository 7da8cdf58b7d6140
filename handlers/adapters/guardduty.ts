import {
  type FeatureAdditionalConfiguration,
  type FeatureStatus,
  GetDetectorCommand,
  type GetDetectorCommandOutput,
  type GuardDutyClient,
  ListDetectorsCommand,
  UpdateDetectorCommand,
} from '@aws-sdk/client-guardduty';
import type { DetectorState } from '../core/types.js';
import type { GuardDutyPort } from '../ports.js';

/**
 * GuardDuty answers GetDetector for an unknown id with BadRequestException "...input detectorId is not owned by the
 * current account." (its `__type` is InvalidInputException). Matched by name and text, never by class.
 */
export function isDetectorNotFound(error: unknown): boolean {
  return (
    error instanceof Error &&
    error.name === 'BadRequestException' &&
    /detectorId is not owned by the current account|not found|does not exist/i.test(error.message)
  );
}

export function toDetectorState(detectorId: string, output: GetDetectorCommandOutput): DetectorState {
  return {
    detectorId,
    status: output.Status ?? 'UNKNOWN',
    features: (output.Features ?? []).map((feature) => ({
      name: feature.Name ?? 'UNKNOWN',
      status: feature.Status ?? 'UNKNOWN',
      additionalConfiguration: (feature.AdditionalConfiguration ?? []).map((config) => ({
        name: config.Name ?? 'UNKNOWN',
        status: config.Status ?? 'UNKNOWN',
      })),
    })),
    tags: { ...output.Tags },
  };
}

export function guardDutyAdapter(client: GuardDutyClient): GuardDutyPort {
  return {
    async getDetector(detectorId) {
      try {
        return toDetectorState(
          detectorId,
          await client.send(new GetDetectorCommand({ DetectorId: detectorId })),
        );
      } catch (error) {
        if (isDetectorNotFound(error)) return undefined;
        throw error;
      }
    },
    async listDetectorIds() {
      const ids: string[] = [];
      let nextToken: string | undefined;
      do {
        const page = await client.send(new ListDetectorsCommand({ NextToken: nextToken }));
        ids.push(...(page.DetectorIds ?? []));
        nextToken = page.NextToken;
      } while (nextToken);
      return ids;
    },
    async updateDetector(plan) {
      await client.send(
        new UpdateDetectorCommand({
          DetectorId: plan.detectorId,
          ...(plan.resumeDetector ? { Enable: true } : {}),
          ...(plan.feature
            ? {
                Features: [
                  {
                    Name: plan.feature.name,
                    Status: plan.feature.status,
                    // Names and statuses are sent back as GetDetector listed them: an open set the SDK types close.
                    AdditionalConfiguration: plan.feature.additionalConfiguration.map((config) => ({
                      Name: config.name as FeatureAdditionalConfiguration,
                      Status: config.status as FeatureStatus,
                    })),
                  },
                ],
              }
            : {}),
        }),
      );
    },
  };
}
