import { resolveConfig } from '../config';
import { createLogger } from '../observe/logger';
import { renderMessage } from '../render/render';
import type { Verdict } from '../deliver/sink';
import { OfflineBridge } from './offline';
import { sampleEvents } from '../normalize/samples';

/** `send-test`: renders a sample event and really sends it to one sink. */
export async function sendTestCommand(options: { config?: string; sink: string; event: string }): Promise<Verdict> {
  const { config } = resolveConfig(options.config);
  if (!(options.sink in config.sinks)) throw new Error(`no sink named "${options.sink}" (sinks: ${Object.keys(config.sinks).join(', ')})`);
  const event = sampleEvents(Object.keys(config.sources)[0]!).get(options.event);
  if (!event) throw new Error(`no sample event "${options.event}"`);
  const bridge = new OfflineBridge(config, createLogger({ pretty: false, level: 'warn' }));
  const sink = bridge.sinks.get(options.sink)!;
  await sink.start();
  try {
    const message = renderMessage(event, options.event, sink.platform, bridge.templates);
    return await sink.send({ key: `send-test:${event.id}:${Date.now()}`, messages: [message] });
  } finally {
    await sink.close();
  }
}
