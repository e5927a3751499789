import type { Message } from '../../render/message';
import { delivered, type Delivery, type Sink, type SinkDeps } from '../../deliver/sink';
import type { ConsoleSinkConfig } from './config';

/** Prints rendered messages: the built-in default's sink, and a way to watch events while editing templates. */
export function createConsoleSink(name: string, config: ConsoleSinkConfig, _deps: SinkDeps): Sink {
  const stream = config.stream === 'stderr' ? process.stderr : process.stdout;
  const build = (delivery: Delivery) => ({ text: delivery.messages.map(format).join('\n') });
  return {
    name,
    type: 'console',
    platform: 'console',
    lane: `console:${name}`,
    maxBatch: 50,
    start: async () => undefined,
    health: () => ({ ok: true }),
    build,
    async send(delivery) {
      stream.write(`${build(delivery).text}\n`);
      return delivered();
    },
    close: async () => undefined,
  };
}

function format(message: Message): string {
  const heading = [message.event, message.author?.name].filter(Boolean).join(' · ');
  const lines = [`── ${heading} ${'─'.repeat(Math.max(3, 60 - heading.length))}`];
  if (message.title) lines.push(message.title);
  if (message.text) lines.push(message.text);
  for (const field of message.fields) lines.push(`  • ${field.name}: ${field.value}`);
  if (message.footer) lines.push(message.footer);
  return lines.join('\n');
}
