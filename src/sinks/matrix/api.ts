/** A minimal Client-Server API caller over fetch: one request, no retries, a timeout, no token in any error. */

export interface MatrixResponse {
  status: number;
  headers: Headers;
  /** parsed JSON body, undefined when the body was not JSON */
  body: unknown;
  errcode?: string;
  error?: string;
}

/** The request never got an answer (refused, reset, DNS, timeout, closed sink). */
export class MatrixNetworkError extends Error {
  override readonly name = 'MatrixNetworkError';
}

export interface MatrixRequest {
  method: 'GET' | 'POST' | 'PUT';
  /** path segments after `/_matrix/client/v3/`, each URL-encoded here (`#` → `%23`) */
  path: string[];
  query?: Record<string, string[]>;
  body?: unknown;
}

export class MatrixApi {
  private readonly closing = new AbortController();

  constructor(
    readonly homeserver: string,
    private readonly accessToken: string,
    private readonly timeoutMs: number,
  ) {}

  async call(request: MatrixRequest): Promise<MatrixResponse> {
    const url = new URL(`${this.homeserver}/_matrix/client/v3/${request.path.map(encodeURIComponent).join('/')}`);
    for (const [key, values] of Object.entries(request.query ?? {})) for (const v of values) url.searchParams.append(key, v);
    const headers: Record<string, string> = { Authorization: `Bearer ${this.accessToken}`, Accept: 'application/json' };
    if (request.body !== undefined) headers['Content-Type'] = 'application/json';

    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        method: request.method,
        headers,
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        signal: AbortSignal.any([AbortSignal.timeout(this.timeoutMs), this.closing.signal]),
      });
      text = await response.text();
    } catch (error) {
      throw new MatrixNetworkError(this.describeNetworkError(request, error));
    }
    const body = parseJson(text);
    const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    return {
      status: response.status,
      headers: response.headers,
      body,
      errcode: typeof fields.errcode === 'string' ? fields.errcode : undefined,
      error: typeof fields.error === 'string' ? this.redact(fields.error) : undefined,
    };
  }

  /** Aborts requests in flight. */
  close(): void {
    this.closing.abort(new Error('sink closed'));
  }

  /** Removes the access token from text that reaches a log or an error, should a server ever echo it. */
  redact(text: string): string {
    return this.accessToken === '' ? text : text.split(this.accessToken).join('[redacted]');
  }

  private describeNetworkError(request: MatrixRequest, error: unknown): string {
    const where = `${request.method} ${this.homeserver}/_matrix/client/v3/${request.path[0] ?? ''}/…`;
    if ((error as { name?: unknown } | null)?.name === 'TimeoutError') return `timeout after ${this.timeoutMs} ms (${where})`;
    if (this.closing.signal.aborted) return `sink closed during ${where}`;
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : undefined;
    const code = (cause as { code?: unknown } | undefined)?.code;
    const detail = [error instanceof Error ? error.message : String(error), cause?.message, typeof code === 'string' ? code : '']
      .filter((part) => part !== undefined && part !== '')
      .join(': ');
    return this.redact(`${detail} (${where})`);
  }
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
