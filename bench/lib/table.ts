/** Rows of figures, each with its target and whether it was met; printed as one table at the end. */

export interface Row {
  /** what was measured, e.g. "1 ingest throughput" */
  name: string;
  /** the figure, formatted */
  value: string;
  /** the target as text, or "" when the row only informs */
  target: string;
  /** true met, false missed, null when there is no target or nothing was measured */
  ok: boolean | null;
}

export class Table {
  readonly rows: Row[] = [];

  add(name: string, value: string, target = '', ok: boolean | null = null): void {
    this.rows.push({ name, value, target, ok });
    // progress on stderr, so a long run shows what it has so far
    process.stderr.write(`  ${name}: ${value}${target ? `  (target ${target}: ${mark(ok)})` : ''}\n`);
  }

  print(title: string): void {
    const header = ['measure', 'value', 'target', '✓/✗'];
    const body = this.rows.map((row) => [row.name, row.value, row.target || '—', mark(row.ok)]);
    const widths = header.map((cell, i) => Math.max(width(cell), ...body.map((line) => width(line[i] ?? ''))));
    const line = (cells: string[]) => `| ${cells.map((cell, i) => cell + ' '.repeat((widths[i] ?? 0) - width(cell))).join(' | ')} |`;
    const out = [title, '', line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)];
    process.stdout.write(`${out.join('\n')}\n`);
  }
}

const mark = (ok: boolean | null) => (ok === null ? '' : ok ? '✓' : '✗');

/** Display width: code points (the table holds no wide characters but ✓/✗ and ≤/≥). */
const width = (text: string) => [...text].length;

/** The p-th percentile (0–100) of the values, nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

export const fmt = {
  int: (n: number) => Math.round(n).toLocaleString('en-US'),
  ms: (n: number) => (n >= 100 ? `${Math.round(n)} ms` : `${n.toFixed(1)} ms`),
  s: (ms: number) => `${(ms / 1000).toFixed(2)} s`,
  mb: (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`,
  pct: (ratio: number, digits = 1) => `${(ratio * 100).toFixed(digits)} %`,
  x: (ratio: number) => `${ratio.toFixed(2)}×`,
};
