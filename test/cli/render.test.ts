import { describe, expect, it } from 'vitest';
import { planCli, shellQuote, tagCli, updateFeatureCli } from '../../cli/awscli.js';
import { inspect, viewOf } from '../../cli/inspect.js';
import {
  checkRows,
  exemptionCell,
  renderChange,
  renderCheck,
  table,
  toJsonDocument,
} from '../../cli/render.js';
import { type CommandReport, type DetectorResult, exitCodeOf } from '../../cli/report.js';
import type { RuntimeTarget } from '../../handlers/core/target.js';
import type { DetectorState } from '../../handlers/core/types.js';

const NOW = new Date('2026-11-20T10:00:00Z');

function state(overrides: Partial<DetectorState> = {}): DetectorState {
  return {
    detectorId: 'd-compliant',
    status: 'ENABLED',
    features: [
      {
        name: 'RUNTIME_MONITORING',
        status: 'ENABLED',
        additionalConfiguration: [{ name: 'EKS_ADDON_MANAGEMENT', status: 'ENABLED' }],
      },
    ],
    tags: {},
    ...overrides,
  };
}

function result(detector: DetectorState, ok?: boolean, target: RuntimeTarget = 'any'): DetectorResult {
  const view = viewOf(inspect(detector, true, NOW, target));
  return {
    detectorId: detector.detectorId,
    before: view,
    actions: [],
    after: undefined,
    ok: ok ?? view.verdict !== 'non-compliant',
    notes: [],
  };
}

const OFF = state({
  detectorId: 'd-off',
  features: [
    {
      name: 'EKS_RUNTIME_MONITORING',
      status: 'DISABLED',
      additionalConfiguration: [{ name: 'EKS_ADDON_MANAGEMENT', status: 'DISABLED' }],
    },
  ],
});
const EXEMPT = state({
  detectorId: 'd-exempt',
  status: 'DISABLED',
  tags: { 'drift-responder:exempt-until': '2026-12-01', 'drift-responder:exempt-reason': 'CHG-1 backout' },
});

function report(regions: CommandReport['regions'], runtimeTarget?: RuntimeTarget): CommandReport {
  return { command: 'check', dryRun: false, runtimeTarget, generatedAt: NOW.toISOString(), regions };
}

const legacy = (enabled: 'ENABLED' | 'DISABLED') => ({
  name: 'EKS_RUNTIME_MONITORING',
  status: enabled,
  additionalConfiguration: [{ name: 'EKS_ADDON_MANAGEMENT', status: 'ENABLED' }],
});
const unified = {
  name: 'RUNTIME_MONITORING',
  status: 'ENABLED',
  additionalConfiguration: [{ name: 'EKS_ADDON_MANAGEMENT', status: 'ENABLED' }],
};
const LEGACY_ONLY = state({ detectorId: 'd-legacy', features: [legacy('ENABLED')] });
const BOTH = state({ detectorId: 'd-both', features: [unified, legacy('ENABLED')] });

describe('Function: table', () => {
  it('pads every column to its widest cell and trims trailing spaces', () => {
    expect(
      table(
        ['A', 'Long header'],
        [
          ['wide cell', 'x'],
          ['b', ''],
        ],
      ),
    ).toBe(['A          Long header', '---------  -----------', 'wide cell  x', 'b'].join('\n'));
  });
});

describe('Function: checkRows', () => {
  it('shows one row per detector, and a row for a Region without detector, failed or skipped', () => {
    const rows = checkRows(
      report([
        { region: 'eu-west-1', status: 'ok', detectors: [result(state()), result(OFF), result(EXEMPT)] },
        { region: 'eu-west-2', status: 'ok', detectors: [] },
        { region: 'eu-west-3', status: 'error', error: 'denied', errorKind: 'access-denied', detectors: [] },
        { region: 'me-south-1', status: 'skipped', reason: 'not enabled', detectors: [] },
      ]),
    );

    expect(rows).toEqual([
      [
        'eu-west-1',
        'd-compliant',
        'ENABLED',
        'RUNTIME_MONITORING',
        'ENABLED',
        'PASSED',
        'PASSED',
        '-',
        'COMPLIANT',
      ],
      ['eu-west-1', 'd-off', 'ENABLED', 'none', '-', 'FAILED', 'FAILED', '-', 'NON-COMPLIANT'],
      // A suspended detector fails both controls, whatever its features say.
      [
        'eu-west-1',
        'd-exempt',
        'DISABLED',
        'RUNTIME_MONITORING',
        'ENABLED',
        'FAILED',
        'FAILED',
        'until 2026-12-01',
        'EXEMPT',
      ],
      ['eu-west-2', '(none)', '-', '-', '-', 'FAILED', 'FAILED', '-', 'NO DETECTOR'],
      ['eu-west-3', '-', '-', '-', '-', '-', '-', '-', 'ERROR'],
      ['me-south-1', '-', '-', '-', '-', '-', '-', '-', 'SKIPPED'],
    ]);
  });

  it.each([
    ['any', 'COMPLIANT', 'COMPLIANT'],
    ['unified', 'NON-COMPLIANT', 'COMPLIANT'],
  ] as const)(
    'shows GuardDuty.7 and GuardDuty.11 side by side, whatever the target (%s: legacy %s, both %s)',
    (target, legacyVerdict, bothVerdict) => {
      const rows = checkRows(
        report(
          [
            {
              region: 'eu-west-1',
              status: 'ok',
              detectors: [result(LEGACY_ONLY, undefined, target), result(BOTH, undefined, target)],
            },
          ],
          target,
        ),
      );
      expect(rows.map((row) => [row[1], row[5], row[6], row[8]])).toEqual([
        ['d-legacy', 'PASSED', 'FAILED', legacyVerdict],
        ['d-both', 'PASSED', 'PASSED', bothVerdict],
      ]);
    },
  );

  it('labels every exemption state', () => {
    expect(exemptionCell({ status: 'none' })).toBe('-');
    expect(exemptionCell({ status: 'expired', until: '2026-01-01', reason: 'r' })).toBe('expired 2026-01-01');
    expect(exemptionCell({ status: 'malformed', problem: 'p' })).toBe('malformed (ignored)');
  });
});

describe('Function: renderCheck', () => {
  it('explains each non-compliant or exempt detector under the table, with the responder action and the fix', () => {
    const text = renderCheck(
      report([{ region: 'eu-west-1', status: 'ok', detectors: [result(OFF), result(EXEMPT)] }]),
    );

    expect(text).toContain('eu-west-1 d-off: NON-COMPLIANT\n  problem:   EKS_RUNTIME_MONITORING is DISABLED');
    expect(text).toContain('  fix now:   guardduty-drift enable --region eu-west-1');
    expect(text).toContain('  exemption active until 2026-12-01: CHG-1 backout');
    expect(text).toContain('  responder: reports the drift as exempt and leaves the detector alone');
    expect(
      text.endsWith('2 detector(s) in 1 Region(s), target any: 0 compliant, 1 non-compliant, 1 exempt'),
    ).toBe(true);
  });

  it('notes a compliant legacy-only detector failing GuardDuty.11, and both generations billing', () => {
    const text = renderCheck(
      report([{ region: 'eu-west-1', status: 'ok', detectors: [result(LEGACY_ONLY), result(BOTH)] }]),
    );

    expect(text).toContain(
      'eu-west-1 d-legacy: COMPLIANT\n  note:      Security Hub GuardDuty.11 fails: only the legacy EKS_RUNTIME_MONITORING is enabled; `guardduty-drift migrate --region eu-west-1`',
    );
    expect(text).toContain(
      'eu-west-1 d-both: COMPLIANT\n  note:      both generations are enabled: EKS_RUNTIME_MONITORING bills next to RUNTIME_MONITORING',
    );
    expect(text).toContain('  responder: reports that both generations bill, low severity, once a day');
    expect(text).toMatch(/1 with both generations enabled \(EKS_RUNTIME_MONITORING billed twice\)$/);
  });

  it('under --target unified sends a legacy-only detector to migrate and says the responder would migrate it', () => {
    const text = renderCheck(
      report(
        [{ region: 'eu-west-1', status: 'ok', detectors: [result(LEGACY_ONLY, undefined, 'unified')] }],
        'unified',
      ),
    );

    expect(text).toContain('eu-west-1 d-legacy: NON-COMPLIANT');
    expect(text).toContain(
      '  responder: migrates it: RUNTIME_MONITORING first, a read-back, then EKS_RUNTIME_MONITORING off',
    );
    expect(text).toContain('  fix now:   guardduty-drift migrate --region eu-west-1');
    expect(text).toContain('target unified: 0 compliant, 1 non-compliant, 0 exempt');
  });
});

describe('Function: renderChange', () => {
  it('shows before, what was done with its AWS CLI call, and after', () => {
    const before = result(OFF);
    const after = viewOf(inspect(state({ detectorId: 'd-off' }), true, NOW));
    const text = renderChange({
      command: 'enable',
      dryRun: false,
      generatedAt: NOW.toISOString(),
      regions: [
        {
          region: 'eu-west-1',
          status: 'ok',
          detectors: [
            {
              ...before,
              actions: [
                {
                  api: 'UpdateDetector',
                  summary: 'UpdateDetector d-off: …',
                  awsCli: 'aws guardduty …',
                  done: true,
                },
              ],
              after,
            },
          ],
        },
      ],
    });

    expect(text.split('\n').slice(0, 6)).toEqual([
      'eu-west-1 d-off',
      '  before:    detector ENABLED; EKS_RUNTIME_MONITORING DISABLED (agent management DISABLED) -> NON-COMPLIANT',
      '  did:       UpdateDetector d-off: …',
      '             aws guardduty …',
      '  after:     detector ENABLED; RUNTIME_MONITORING ENABLED (agent management ENABLED) -> COMPLIANT',
      '  responder: nothing to do',
    ]);
  });
});

describe('Function: toJsonDocument', () => {
  it('keeps the documented top-level shape and the per-detector fields', () => {
    const document = toJsonDocument(
      report([{ region: 'eu-west-1', status: 'ok', detectors: [result(OFF)] }]),
    );

    expect(Object.keys(document)).toEqual([
      'schemaVersion',
      'command',
      'dryRun',
      'runtimeTarget',
      'generatedAt',
      'exitCode',
      'error',
      'summary',
      'regions',
    ]);
    expect(document).toMatchObject({
      schemaVersion: 1,
      exitCode: 1,
      error: null,
      summary: { regions: 1, detectors: 1, compliant: 0, nonCompliant: 1, exempt: 0, regionErrors: 0 },
      regions: [
        {
          region: 'eu-west-1',
          status: 'ok',
          error: null,
          detectors: [
            {
              detectorId: 'd-off',
              verdict: 'non-compliant',
              securityHub: { 'GuardDuty.7': 'FAILED', 'GuardDuty.11': 'FAILED' },
              ok: false,
              before: {
                status: 'ENABLED',
                compliant: false,
                generationInUse: null,
                responderOutcome: 'remediate',
                exemption: { status: 'none' },
              },
              after: null,
              actions: [],
            },
          ],
        },
      ],
    });
  });
});

describe('Function: exitCodeOf', () => {
  it('ranks an AWS error above non-compliance, and non-compliance above success', () => {
    const ok = { region: 'eu-west-1', status: 'ok', detectors: [result(state())] } as const;
    const bad = { region: 'eu-west-2', status: 'ok', detectors: [result(OFF)] } as const;
    const failed = {
      region: 'eu-west-3',
      status: 'error',
      error: 'x',
      errorKind: 'aws',
      detectors: [],
    } as const;
    const skipped = { region: 'me-south-1', status: 'skipped', reason: 'x', detectors: [] } as const;

    expect(exitCodeOf(report([ok, skipped]))).toBe(0);
    expect(exitCodeOf(report([ok, bad]))).toBe(1);
    expect(exitCodeOf(report([ok, { region: 'eu-west-2', status: 'ok', detectors: [] }]))).toBe(1);
    expect(exitCodeOf(report([bad, failed]))).toBe(3);
  });
});

describe('AWS CLI equivalents', () => {
  it('quote arguments for a POSIX shell', () => {
    expect(shellQuote('eu-west-1')).toBe('eu-west-1');
    expect(shellQuote(`it's`)).toBe(`'it'\\''s'`);
    expect(shellQuote('{"a":1}')).toBe(`'{"a":1}'`);
  });

  it('are real GuardDuty calls, never the non-existent --eks-configuration', () => {
    const feature = {
      name: 'EKS_RUNTIME_MONITORING' as const,
      status: 'DISABLED' as const,
      additionalConfiguration: [{ name: 'EKS_ADDON_MANAGEMENT', status: 'DISABLED' }],
    };
    expect(updateFeatureCli('d1', feature, 'eu-west-1', 'prod')).toBe(
      `aws guardduty update-detector --detector-id d1 --features '[{"Name":"EKS_RUNTIME_MONITORING","Status":"DISABLED","AdditionalConfiguration":[{"Name":"EKS_ADDON_MANAGEMENT","Status":"DISABLED"}]}]' --region eu-west-1 --profile prod`,
    );
    expect(
      planCli(
        { detectorId: 'd1', resumeDetector: true, generation: 'RUNTIME_MONITORING', feature: undefined },
        'eu-west-1',
      ),
    ).toBe('aws guardduty update-detector --detector-id d1 --enable --region eu-west-1');
    expect(tagCli('arn:aws:guardduty:eu-west-1:123456789012:detector/d1', { k: 'v w' }, 'eu-west-1')).toBe(
      `aws guardduty tag-resource --resource-arn arn:aws:guardduty:eu-west-1:123456789012:detector/d1 --tags '{"k":"v w"}' --region eu-west-1`,
    );
  });
});
