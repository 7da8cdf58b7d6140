/** A row of the printed table; `status` is set only where a budget applies. */
export interface TableRow {
  readonly section: string;
  readonly metric: string;
  readonly ours: string;
  readonly reference: string;
  readonly ratio: string;
  readonly budget: string;
  readonly status: 'PASS' | 'MISS' | '';
}

const HEADERS: TableRow = {
  section: 'section',
  metric: 'metric',
  ours: 'ours',
  reference: 'floor / ideal',
  ratio: 'ratio',
  budget: 'budget',
  status: '',
};
const COLUMNS = ['section', 'metric', 'ours', 'reference', 'ratio', 'budget', 'status'] as const;

export function renderTable(rows: readonly TableRow[]): string {
  const all = [{ ...HEADERS, status: 'PASS/MISS' }, ...rows];
  const widths = COLUMNS.map((column) => Math.max(...all.map((row) => row[column].length)));
  const line = (row: Record<(typeof COLUMNS)[number], string>) =>
    `| ${COLUMNS.map((column, index) => row[column].padEnd(widths[index] ?? 0)).join(' | ')} |`;
  const rule = `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`;
  return [line(all[0] ?? HEADERS), rule, ...rows.map(line)].join('\n');
}

export const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
export const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
export const ms = (value: number, digits = 1) => `${value.toFixed(digits)} ms`;
export const ratioText = (value: number) => `${value.toFixed(2)}x`;
export const status = (pass: boolean): 'PASS' | 'MISS' => (pass ? 'PASS' : 'MISS');
