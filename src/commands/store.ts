import { resolveConfig, type Config } from '../config';
import { openStore } from '../store/open';
import type { Store } from '../store/store';
import { printable } from './printable';

/** Opens the configured store beside a running `serve` (its leases are kept), for one command. */
export async function withStore<T>(configFile: string | undefined, use: (store: Store, config: Config) => Promise<T>): Promise<T> {
  const { config } = resolveConfig(configFile);
  const store = await openStore(config.storage, { beside: true });
  try {
    return await use(store, config);
  } finally {
    await store.close();
  }
}

/** 42s, 3m 04s, 2h 05m, 3d 4h */
export function formatAge(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  const pad = (n: number) => String(n).padStart(2, '0');
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${pad(seconds % 60)}s`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h ${pad(Math.floor(seconds / 60) % 60)}m`;
  return `${Math.floor(seconds / 86_400)}d ${Math.floor(seconds / 3600) % 24}h`;
}

/** Rows as aligned columns, control characters escaped; the first row is the heading. */
export function table(rows: string[][]): string {
  rows = rows.map((row) => row.map(printable));
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()).join('\n');
}
