import { failed, retry, type Verdict } from '../deliver/sink';

/**
 * Reads a Retry-After header: delta seconds (fractional allowed) or an HTTP date.
 * Returns milliseconds from `now`, or undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (value == null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds * 1000));
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * The one classification of an HTTP failure status: 429 and 5xx retry (honouring the wait),
 * 401/403/404/410 mean the sink itself is misconfigured, any other 4xx rejects this message only.
 */
export function verdictForStatus(status: number, reason: string, retryAfterMs?: number): Verdict {
  if (status === 429) return retry(reason, retryAfterMs, true);
  if (status >= 500 || status === 408) return retry(reason, retryAfterMs);
  if (status === 401 || status === 403 || status === 404 || status === 410) return failed(reason, true);
  return failed(reason);
}

/** Network errors and timeouts are transient. */
export function verdictForNetworkError(error: unknown): Verdict {
  const message = error instanceof Error ? error.message : String(error);
  return retry(`network error: ${message}`);
}
