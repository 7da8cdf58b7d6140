import { describe, expect, it } from 'vitest';
import type { CommandName } from '../../cli/args.js';
import { helpText } from '../../cli/help.js';

/** The IAM actions each command's help names: every command finds the detectors with ListDetectors first. */
const IAM_ACTIONS: Record<CommandName, readonly string[]> = {
  check: ['guardduty:ListDetectors', 'guardduty:GetDetector'],
  enable: ['guardduty:ListDetectors', 'guardduty:GetDetector', 'guardduty:UpdateDetector'],
  backout: [
    'guardduty:ListDetectors',
    'guardduty:GetDetector',
    'guardduty:TagResource',
    'guardduty:UpdateDetector',
  ],
  exempt: ['guardduty:ListDetectors', 'guardduty:GetDetector', 'guardduty:TagResource'],
  unexempt: ['guardduty:ListDetectors', 'guardduty:GetDetector', 'guardduty:UntagResource'],
  migrate: ['guardduty:ListDetectors', 'guardduty:GetDetector', 'guardduty:UpdateDetector'],
};

describe('helpText', () => {
  it.each(Object.entries(IAM_ACTIONS))(
    'names every IAM action that %s needs, ListDetectors first',
    (command, actions) => {
      const line = helpText(command as CommandName)
        .split('\n')
        .find((text) => text.startsWith('AWS CLI equivalent'));
      expect(line).toBeDefined();
      const listed = /IAM: ([^)]*)\)/.exec(line ?? '')?.[1]?.split(', ');
      expect(listed).toEqual(actions);
    },
  );

  it("shows migrate's two steps as real AWS CLI calls, the legacy disable last and only after a read-back", () => {
    const text = helpText('migrate');
    const enableAt = text.indexOf('"Name":"RUNTIME_MONITORING","Status":"ENABLED"');
    const readAt = text.indexOf('aws guardduty get-detector');
    const disableAt = text.indexOf('"Name":"EKS_RUNTIME_MONITORING","Status":"DISABLED"');
    expect(enableAt).toBeGreaterThan(0);
    expect(readAt).toBeGreaterThan(enableAt);
    expect(disableAt).toBeGreaterThan(readAt);
    expect(text).not.toContain('--eks-configuration');
  });

  it('documents --target on every command', () => {
    for (const command of Object.keys(IAM_ACTIONS))
      expect(helpText(command as CommandName)).toMatch(/--target any\|unified/);
  });
});
