import pino from 'pino';

export type Logger = pino.Logger;

/** Keys whose values never reach a log line. */
const REDACT = [
  'secret',
  'token',
  'botToken',
  'accessToken',
  'webhookUrl',
  'authorization',
  'adminToken',
  'signingSecret',
  'responseUrl',
  'response_url',
  '*.secret',
  '*.token',
  '*.botToken',
  '*.accessToken',
  '*.webhookUrl',
  '*.authorization',
  '*.adminToken',
  'account.token',
  '*.account.token',
  '*.signingSecret',
  '*.responseUrl',
  '*.response_url',
  'headers["x-misskey-hook-secret"]',
  '*.headers["x-misskey-hook-secret"]',
];

export interface LoggerOptions {
  level?: string;
  /** pretty lines for a terminal; JSON otherwise */
  pretty?: boolean;
  destination?: pino.DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.LOG_LEVEL ?? 'info';
  const pretty = options.pretty ?? (process.stdout.isTTY === true && process.env.LOG_FORMAT !== 'json');
  const base = { level, redact: { paths: REDACT, censor: '[redacted]' } };
  if (options.destination) return pino(base, options.destination);
  if (pretty) return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true, ignore: 'pid,hostname' } } });
  return pino(base);
}

/** A logger that drops everything, for tests and CLI commands that print their own output. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
