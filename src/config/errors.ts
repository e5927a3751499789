/** One problem in a config file, located as precisely as the YAML allows. */
export interface ConfigIssue {
  path: (string | number)[];
  message: string;
  line?: number;
}

export function formatPath(path: readonly (string | number)[]): string {
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`)).join('');
}

/** Every problem found in a config, each as `file:line key.path: message`. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly file: string,
    readonly issues: ConfigIssue[],
  ) {
    super(issues.map((issue) => formatIssue(file, issue)).join('\n'));
  }
}

function formatIssue(file: string, issue: ConfigIssue): string {
  const where = issue.line === undefined ? file : `${file}:${issue.line}`;
  const path = formatPath(issue.path);
  return path ? `${where} ${path}: ${issue.message}` : `${where}: ${issue.message}`;
}
