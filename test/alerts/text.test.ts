import { describe, expect, it } from 'vitest';
import {
  accountIdText,
  clean,
  codeSpan,
  consoleUrl,
  detectorIdText,
  regionText,
  scrubDeep,
} from '../../handlers/alerts/text.js';
import { FORGED_OUTCOME, SEPARATORS, stringLeaves, UNSAFE } from './hostile-text.js';

const DETECTOR = '0ab12cd34ef56ab78cd90ef12ab34cd5';

describe('Function: clean', () => {
  it.each(SEPARATORS)('leaves no %s in the text', (_name, separator) => {
    const text = clean(`alice${separator}${FORGED_OUTCOME}`);

    expect(text).not.toMatch(UNSAFE);
    expect(text).toContain('Outcome:');
    expect(text.startsWith('alice')).toBe(true);
  });

  it('marks invisible characters instead of silently joining what they hid', () => {
    expect(clean('Break\u200bGlass\u202etxt.exe')).toBe('Break\ufffdGlass\ufffdtxt.exe');
  });

  it('folds runs of spaces, so that padding cannot push forged text onto a line of its own', () => {
    expect(clean(`a${' '.repeat(300)}\u00a0\u3000b`)).toBe('a b');
    // A symbol that renders blank (BRAILLE PATTERN BLANK) pads as well as a space does.
    expect(clean(`a ${'\u2800'.repeat(150)} b`)).toBe('a b');
  });

  it('never cuts a character in half', () => {
    const text = clean('👍'.repeat(10), 6);

    expect(text).not.toMatch(UNSAFE);
    expect(text).toBe('👍👍…');
  });

  it('keeps ordinary text, emoji and non-Latin scripts as they are', () => {
    expect(clean('alice@example.com 👍 ünïcödé 日本語')).toBe('alice@example.com 👍 ünïcödé 日本語');
  });
});

describe('Function: codeSpan', () => {
  it('leaves no line separator or bidi override inside the span', () => {
    expect(codeSpan('a\u2028b\u202ec')).toBe('`a b\ufffdc`');
  });
});

describe('Function: scrubDeep', () => {
  it('scrubs every string of nested facts and keeps everything else', () => {
    const facts = {
      action: `denied\n${FORGED_OUTCOME}`,
      accounts: [{ accountId: '1\u2028x', problems: ['a\u202eb'], count: 3, ok: true, none: null }],
    };

    const scrubbed = scrubDeep(facts);

    for (const leaf of stringLeaves(scrubbed)) expect(leaf.value, leaf.path.join('.')).not.toMatch(UNSAFE);
    expect(scrubbed).toEqual({
      action: `denied ${FORGED_OUTCOME.replace(/ +/g, ' ')}`,
      accounts: [{ accountId: '1 x', problems: ['a\ufffdb'], count: 3, ok: true, none: null }],
    });
    expect(facts.action).toContain('\n');
  });
});

describe('Function: detectorIdText', () => {
  it('shows a GuardDuty detector id (32 lowercase hex characters, as GuardDuty issues them) as it is', () => {
    expect(detectorIdText(DETECTOR)).toBe(DETECTOR);
    expect(detectorIdText('82c919daa523bc69d203c24868c06849')).toBe('82c919daa523bc69d203c24868c06849');
    expect(detectorIdText(null)).toBe('none');
  });

  it.each([
    ['too short', 'd-1'],
    ['upper case', DETECTOR.toUpperCase()],
    ['33 characters', `${DETECTOR}0`],
    ['a path', `${DETECTOR}/../../x`],
    ['empty', ''],
  ])('shows %s as invalid, quoted', (_name, id) => {
    expect(detectorIdText(id)).toMatch(/^invalid detector id ".*"$/);
  });

  it('cuts a long invalid id short and keeps quotes from closing early', () => {
    const text = detectorIdText(`"${'a'.repeat(5000)}`);

    expect(text.length).toBeLessThan(100);
    expect(text).toMatch(/^invalid detector id "'a+…"$/);
  });
});

describe('Function: accountIdText', () => {
  it('shows a 12-digit account id as it is, anything else as invalid', () => {
    expect(accountIdText('123456789012')).toBe('123456789012');
    expect(accountIdText('00000000000')).toBe('invalid account id "00000000000"');
    expect(accountIdText('12345678901２')).toBe('invalid account id "12345678901２"');
    expect(accountIdText('1234567890123')).toBe('invalid account id "1234567890123"');
  });
});

describe('Function: regionText and consoleUrl', () => {
  it('links the console of a Region name only', () => {
    expect(regionText('ap-southeast-5')).toBe('ap-southeast-5');
    expect(regionText('us-gov-west-1')).toBe('us-gov-west-1');
    expect(regionText('eusc-de-east-1')).toBe('eusc-de-east-1');
    expect(regionText('evil.example.com/#')).toBe('invalid Region "evil.example.com/#"');
    expect(consoleUrl('eu-west-1')).toBe(
      'https://eu-west-1.console.aws.amazon.com/guardduty/home?region=eu-west-1#/runtime-monitoring',
    );
    expect(consoleUrl('evil.example.com/#')).toBe(
      'https://console.aws.amazon.com/guardduty/home#/runtime-monitoring',
    );
  });
});
