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
});
