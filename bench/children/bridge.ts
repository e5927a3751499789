/**
 * One bridge process for the benchmarks: what `misskey-bridge serve -c <config>` does (same
 * startBridge, same defaults: worker poll, digests, info-level JSON logs), except that the log
 * goes to a file and the process reports over IPC when it listens and how much memory it holds.
 *
 * Usage (forked by bench/lib/process.ts): bridge.ts <config.yaml> <log file>
 */
import pino from 'pino';
import { startBridge } from '../../src/app';
import { loadConfigFile } from '../../src/config/load';
import { createLogger } from '../../src/observe/logger';
import { answerRequests, cpuMicros, memory, tellParent, wallClock } from '../lib/process';

async function main(): Promise<void> {
  // every module is loaded by now: what follows is the bridge's own start-up
  const loadedAt = wallClock();
  const [configFile, logFile] = process.argv.slice(2);
  if (!configFile || !logFile) throw new Error('usage: bridge.ts <config.yaml> <log file>');
  const config = loadConfigFile(configFile);
  const logger = createLogger({ destination: pino.destination({ dest: logFile, sync: true }) });
  const bridge = await startBridge({ config, logger });
  logger.info({ port: bridge.port }, 'misskey-bridge is listening');
  tellParent({ type: 'listening', port: bridge.port, loadedAt, listeningAt: wallClock() });

  answerRequests(async (message) => {
    if (message.type === 'memory') return memory();
    if (message.type === 'cpu') return cpuMicros();
    if (message.type === 'stats') return { lanes: await bridge.store.jobs.stats() };
    throw new Error(`unknown request ${message.type}`);
  });

  let stopping = false;
  process.on('SIGTERM', () => {
    if (stopping) return;
    stopping = true;
    bridge.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
