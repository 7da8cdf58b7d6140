/**
 * GuardDuty detectors of one account, per Region, in the SDK's shapes (PascalCase; GetDetector's timestamps are
 * strings in the GuardDuty model): GetDetector, ListDetectors and UpdateDetector as AWS answers them. The loopback
 * stub server (test/support/stub-server.ts) serves them to the real SDK; the response builders are the ones the
 * mocked-SDK tests use (re-exported by test/support/aws-mocks.ts). Nothing here imports an SDK at run time.
 */
import type {
  DetectorFeatureConfigurationResult,
  GetDetectorCommandOutput,
  UpdateDetectorCommandInput,
} from '@aws-sdk/client-guardduty';

export type GetDetectorResponse = Omit<GetDetectorCommandOutput, '$metadata'>;
type Status = 'ENABLED' | 'DISABLED';

/** A runtime feature entry as GetDetector lists it. */
export function runtimeFeature(
  name: 'RUNTIME_MONITORING' | 'EKS_RUNTIME_MONITORING',
  status: Status,
  addon: Status,
  others: Readonly<Record<string, Status>> = {},
): DetectorFeatureConfigurationResult {
  return {
    Name: name,
    Status: status,
    AdditionalConfiguration: [
      { Name: 'EKS_ADDON_MANAGEMENT', Status: addon },
      ...Object.entries(others).map(([Name, otherStatus]) => ({
        Name: Name as 'ECS_FARGATE_AGENT_MANAGEMENT',
        Status: otherStatus,
      })),
    ],
  };
}

export function detectorResponse(
  features: readonly DetectorFeatureConfigurationResult[],
  options: { status?: Status; tags?: Record<string, string> } = {},
): GetDetectorResponse {
  return {
    Status: options.status ?? 'ENABLED',
    ServiceRole:
      'arn:aws:iam::123456789012:role/aws-service-role/guardduty.amazonaws.com/AWSServiceRoleForAmazonGuardDuty',
    FindingPublishingFrequency: 'SIX_HOURS',
    CreatedAt: '2026-01-01T00:00:00.000Z',
    UpdatedAt: '2026-11-20T09:14:03.000Z',
    Features: [
      { Name: 'CLOUD_TRAIL', Status: 'ENABLED' },
      ...features,
      { Name: 'AI_PROTECTION', Status: 'ENABLED' },
    ],
    Tags: options.tags ?? {},
  };
}

const UNIFIED_AGENTS = { ECS_FARGATE_AGENT_MANAGEMENT: 'ENABLED', EC2_AGENT_MANAGEMENT: 'DISABLED' } as const;

/** RUNTIME_MONITORING on with EKS add-on management: compliant. */
export const PROTECTED = detectorResponse([
  runtimeFeature('RUNTIME_MONITORING', 'ENABLED', 'ENABLED', UNIFIED_AGENTS),
]);
/** RUNTIME_MONITORING switched off (the other agents as the team set them). */
export const DRIFTED = detectorResponse([
  runtimeFeature('RUNTIME_MONITORING', 'DISABLED', 'DISABLED', UNIFIED_AGENTS),
]);

/** What GuardDuty answers for a detector id that does not exist (any more): BadRequestException, InvalidInputException. */
export class DetectorNotOwned extends Error {
  override readonly name = 'BadRequestException';
  readonly type = 'InvalidInputException';
  constructor() {
    super('The request is rejected because the input detectorId is not owned by the current account.');
  }
}

export interface DetectorOptions {
  readonly drifted?: boolean;
  /** The detector itself is suspended (Status DISABLED). */
  readonly suspended?: boolean;
  readonly tags?: Record<string, string>;
  /** A fixed id (32 hex characters, as AWS makes them); generated when left out. */
  readonly id?: string;
}

interface Detector {
  readonly region: string;
  state: GetDetectorResponse;
}

/** The detectors of one account: AWS allows one per Region, a test or the bench may add more. */
export class FakeDetectors {
  private readonly detectors = new Map<string, Detector>();
  private counter = 0;

  add(region: string, options: DetectorOptions = {}): string {
    this.counter += 1;
    const id = options.id ?? `fd${String(this.counter).padStart(30, '0')}`;
    const state = structuredClone(options.drifted ? DRIFTED : PROTECTED);
    if (options.suspended) state.Status = 'DISABLED';
    state.Tags = { ...options.tags };
    this.detectors.set(id, { region, state });
    return id;
  }

  remove(id: string): void {
    this.detectors.delete(id);
  }

  listDetectors(region: string): { DetectorIds: string[] } {
    return {
      DetectorIds: [...this.detectors].filter(([, detector]) => detector.region === region).map(([id]) => id),
    };
  }

  getDetector(region: string, id: string): GetDetectorResponse {
    return structuredClone(this.find(region, id).state);
  }

  /** Applies an UpdateDetector request: `Enable`, and each feature named (merged by name, as AWS does). */
  updateDetector(region: string, input: UpdateDetectorCommandInput): void {
    const { state } = this.find(region, input.DetectorId ?? '');
    if (input.Enable !== undefined) state.Status = input.Enable ? 'ENABLED' : 'DISABLED';
    for (const requested of input.Features ?? []) {
      const feature: DetectorFeatureConfigurationResult = {
        Name: requested.Name,
        Status: requested.Status,
        AdditionalConfiguration: (requested.AdditionalConfiguration ?? []).map((config) => ({
          Name: config.Name,
          Status: config.Status,
        })),
      };
      state.Features = (state.Features ?? []).map((existing) =>
        existing.Name === feature.Name ? feature : existing,
      );
      if (!state.Features.some((existing) => existing.Name === feature.Name)) state.Features.push(feature);
    }
  }

  snapshot(): [string, Detector][] {
    return structuredClone([...this.detectors]);
  }

  restore(entries: readonly [string, Detector][]): void {
    this.detectors.clear();
    for (const [id, detector] of structuredClone(entries)) this.detectors.set(id, detector);
  }

  private find(region: string, id: string): Detector {
    const detector = this.detectors.get(id);
    if (detector === undefined || detector.region !== region) throw new DetectorNotOwned();
    return detector;
  }
}
