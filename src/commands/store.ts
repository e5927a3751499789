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

/** Rows as aligned columns, control characters escaped; the first row is the heading. */
export function table(rows: string[][]): string {
  rows = rows.map((row) => row.map(printable));
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()).join('\n');
}
