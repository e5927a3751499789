/** Failures of the inbound path, each answered with one HTTP status (see STATUS_OF). */
export class IngestError extends Error {
  constructor(
    readonly kind: 'unknown-source' | 'bad-secret' | 'malformed-json' | 'invalid-payload' | 'store-unavailable' | 'shutting-down',
    message: string,
    readonly details: string[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'IngestError';
  }
}

/** The one table from inbound failure to HTTP status; 5xx make Misskey retry, 4xx are final for it. */
export const STATUS_OF: Record<IngestError['kind'], number> = {
  'unknown-source': 404,
  'bad-secret': 401,
  'malformed-json': 400,
  'invalid-payload': 400,
  'store-unavailable': 503,
  'shutting-down': 503,
};

/** Parses a request body as JSON, reporting where it breaks. */
export function parseJson(body: Buffer): unknown {
  const text = body.toString('utf8');
  if (text.trim() === '') throw new IngestError('malformed-json', 'the request body is empty; Misskey sends a JSON object');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new IngestError('malformed-json', `the request body is not JSON: ${(error as Error).message}`);
  }
}
