import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import {
  type CoverageAlertFacts,
  type CoverageLine,
  clusterView,
  coverageSeverity,
  renderCoverageAlert,
} from '../../handlers/alerts/coverage.js';
import { type ClusterCoverage, classify, nextStep } from '../../handlers/core/coverage.js';
import { FORGED_OUTCOME, forged, LINE_BOUNDARY, renderingsOf, SEPARATORS, UNSAFE } from './hostile-text.js';

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const DETECTOR = '0ab12cd34ef56ab78cd90ef12ab34cd5';

function cluster(overrides: Partial<ClusterCoverage> = {}): ClusterCoverage {
  return {
    accountId: ACCOUNT,
    clusterName: 'payments-prod',
    coverageStatus: 'UNHEALTHY',
    issue:
      'Addon Update Failed:EKS Addon issue - ConfigurationConflict: Conflicts found when trying to apply. Will not continue due to resolve conflicts mode.',
    coveredNodes: 0,
    compatibleNodes: 6,
    addonVersion: 'v1.9.0-eksbuild.1',
    addonStatus: 'DEGRADED',
    managementType: 'AUTO_MANAGED',
    detectorId: DETECTOR,
    updatedAt: new Date('2026-11-20T10:01:55Z'),
    ...overrides,
  };
}

function line(change: CoverageLine['change'], overrides: Partial<ClusterCoverage> = {}): CoverageLine {
  const value = cluster(overrides);
  return {
    cluster: clusterView(value),
    change,
    reason: classify(value).reason,
    step: nextStep(value, { region: REGION, responderAccountId: ACCOUNT, detectorId: DETECTOR }),
    previous: change === 'recovered' ? 'UNHEALTHY' : undefined,
  };
}

function facts(lines: readonly CoverageLine[], sweep = false): CoverageAlertFacts {
  return {
    accountId: ACCOUNT,
    region: REGION,
    mode: 'remediate',
    scope: 'account',
    trigger: sweep ? 'sweep' : 'coverage',
    eventId: '5c3a0b8e-2f41-4f7e-9c1d-7a6b2e9f0c11',
    eventTime: '2026-11-20T10:02:17Z',
    eventName: sweep ? null : 'GuardDuty Runtime Protection Unhealthy',
    detectorId: sweep ? DETECTOR : null,
    lines,
    counts: sweep ? { covered: 40, unhealthy: lines.length, excluded: 0 } : undefined,
    shortfall: undefined,
  };
}

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

describe('Alert: coverage', () => {
  it('renders one unhealthy cluster for e-mail, AWS Chatbot and subscribers, with attributes to filter on', () => {
    // Act
    const rendered = renderCoverageAlert(facts([line('unhealthy')]));
    const { email, chat, structured } = renderingsOf(rendered.message);

    // Assess
    expect(rendered.subject).toBe(
      '[HIGH] 123456789012 eu-west-1: EKS cluster payments-prod not protected (coverage UNHEALTHY)',
    );
    expect(rendered.attributes).toEqual({
      severity: 'high',
      outcome: 'coverage-unhealthy',
      accountId: ACCOUNT,
      region: REGION,
    });
    expect(email.split('\n').slice(0, 9)).toEqual([
      'EKS cluster payments-prod not protected (coverage UNHEALTHY)',
      '',
      'Outcome:   coverage-unhealthy, severity high',
      'Account:   123456789012',
      'Region:    eu-west-1',
      'Trigger:   GuardDuty Runtime Protection Unhealthy event (5c3a0b8e-2f41-4f7e-9c1d-7a6b2e9f0c11)',
      'When:      2026-11-20T10:02:17Z',
      '',
      'Cluster:   payments-prod (account 123456789012)',
    ]);
    expect(email).toContain(
      '      $ aws eks update-addon --region eu-west-1 --cluster-name payments-prod --addon-name aws-guardduty-agent --resolve-conflicts OVERWRITE',
    );
    expect(chat).toMatchObject({
      version: '1.0',
      source: 'custom',
      content: {
        textType: 'client-markdown',
        title: ':red_circle: HIGH · EKS cluster payments-prod not protected (coverage UNHEALTHY)',
        nextSteps: [
          'payments-prod: aws eks update-addon --region eu-west-1 --cluster-name payments-prod --addon-name aws-guardduty-agent --resolve-conflicts OVERWRITE',
          expect.stringContaining('https://eu-west-1.console.aws.amazon.com/guardduty/home?region=eu-west-1'),
        ],
      },
      metadata: {
        threadId: 'guardduty-drift/123456789012/eu-west-1/coverage',
        eventType: 'coverage-unhealthy',
      },
    });
    expect(structured).toMatchObject({
      schemaVersion: 1,
      kind: 'coverage',
      outcome: 'coverage-unhealthy',
      severity: 'high',
      detectorId: null,
      clusters: [
        {
          clusterName: 'payments-prod',
          updatedAt: '2026-11-20T10:01:55.000Z',
          managementType: 'AUTO_MANAGED',
        },
      ],
      cut: null,
    });
  });

  it('is medium for a recovery, an exclusion, or a cluster that only waits for provisioning', () => {
    expect(coverageSeverity(facts([line('recovered', { coverageStatus: 'HEALTHY' })]))).toBe('medium');
    expect(coverageSeverity(facts([line('excluded', { managementType: 'DISABLED' })]))).toBe('medium');
    expect(
      coverageSeverity(
        facts([
          line('unhealthy', { issue: 'EKS Runtime Monitoring enablement resource provisioning in progress' }),
        ]),
      ),
    ).toBe('medium');
    expect(
      coverageSeverity(
        facts([
          line('unhealthy', { issue: 'EKS Runtime Monitoring enablement resource provisioning in progress' }),
          line('unhealthy'),
        ]),
      ),
    ).toBe('high');
  });

  it('names the counts in the headline of a digest', () => {
    const rendered = renderCoverageAlert(
      facts(
        [
          line('unhealthy'),
          line('still-unhealthy', { clusterName: 'batch' }),
          line('recovered', { clusterName: 'web', coverageStatus: 'HEALTHY' }),
        ],
        true,
      ),
    );
    expect(rendered.subject).toBe(
      '[HIGH] 123456789012 eu-west-1: 2 EKS clusters not protected; 1 protected again',
    );
  });

  it.each(SEPARATORS)('keeps an issue holding %s from forging a line in any protocol', (_name, separator) => {
    // Prepare: GuardDuty's issue text carries the add-on's free text (an admission policy's message, a pod's error).
    const hostile = line('unhealthy', {
      issue: `EKS Addon issue - AdmissionRequestDenied: ${forged(separator)}`,
    });

    // Act
    const { email, chat, structured } = renderingsOf(renderCoverageAlert(facts([hostile])).message);

    // Assess
    const lines = email.split('\n');
    expect(email.split(LINE_BOUNDARY)).toHaveLength(lines.length);
    for (const each of lines) expect(each).not.toMatch(UNSAFE);
    expect(lines.filter((each) => each.startsWith('Outcome:'))).toEqual([
      'Outcome:   coverage-unhealthy, severity high',
    ]);
    expect(lines.filter((each) => each.trim() === FORGED_OUTCOME)).toEqual([]);
    const description = String((chat.content as { description: string }).description);
    for (const each of description.split('\n')) expect(each).not.toMatch(UNSAFE);
    expect(JSON.stringify(structured)).not.toMatch(UNSAFE);
  });

  it("fits SNS's 256 KB with thousands of clusters and an issue text of 250 KB, and says what it cut", () => {
    // Prepare
    const long = 'EKS Addon issue - InsufficientNumberOfReplicas: '.padEnd(2_000, 'x');
    const lines = Array.from({ length: 3000 }, (_, index) =>
      line('unhealthy', {
        clusterName: `cluster-${index}`,
        issue: index === 0 ? long.padEnd(250_000, 'y') : long,
      }),
    );

    // Act
    const rendered = renderCoverageAlert(facts(lines, true));
    const { email, structured } = renderingsOf(rendered.message);

    // Assess
    expect(bytes(rendered.message) + bytes(rendered.subject)).toBeLessThanOrEqual(240 * 1024);
    expect(structured.clustersTruncated).toBe(true);
    expect(String(structured.cut)).toMatch(/cut to fit SNS's 256 KB limit/);
    expect(email).toMatch(/^Cut: {7}.*clusters.*cut to fit SNS's 256 KB limit/m);
    expect(email).toContain('guardduty-drift check --coverage');
  });
});
