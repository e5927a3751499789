import { startBridge } from '../app';
import { resolveConfig } from '../config';
import { DATA_DIR } from '../config/defaults';
import { createLogger } from '../observe/logger';
import { announceStudio } from './studio-address';

/** Runs the receiver and the delivery workers until SIGTERM/SIGINT; SIGHUP reloads templates. */
export async function serve(configFile: string | undefined): Promise<void> {
  const { config, file, generatedSecret } = resolveConfig(configFile);
  const logger = createLogger();
  const bridge = await startBridge({ config, logger });
  logger.info({ config: file ?? 'built-in default', port: bridge.port }, 'misskey-bridge is listening');
  if (bridge.studio) announceStudio(bridge.studio, config);
  if (!file) printWelcome(bridge.port, config.sources.default!.secret, generatedSecret);
  for (const [name, source] of Object.entries(config.sources)) {
    if (source.secret === '') logger.warn({ source: name }, 'this source has an empty secret: anyone who knows the URL can post events');
  }

  process.on('SIGHUP', () => bridge.templates.reload());
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: no new webhooks, finishing sends in flight');
    bridge.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

/** The built-in default speaks to a newcomer: where to point Misskey, once with the new secret. */
function printWelcome(port: number, secret: string, generated: boolean): void {
  const lines = [
    '',
    'misskey-bridge is running on its built-in default: every event is printed here.',
    `  Webhook URL: http://<this machine's address>:${port}/hooks/default  (e.g. http://localhost:${port}/hooks/default)`,
    generated
      ? `  Secret:      ${secret}   (generated now and saved in ${DATA_DIR}/hook-secret; it is not shown again)`
      : `  Secret:      the one in MISSKEY_HOOK_SECRET or ${DATA_DIR}/hook-secret`,
    '  In Misskey: Settings → Webhook → Create, paste both, tick the events you want.',
    '  Write a config.yaml (see config.example.yaml) to send events to Discord, Slack or Matrix.',
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
