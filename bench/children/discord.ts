/**
 * The fake Discord (test/fakes/discord-fake.ts) in a process of its own, for the rows where the
 * bench process generates load and must not also serve the bridge's deliveries.
 *
 * Usage (forked by the bench): discord.ts '<DiscordFakeOptions as JSON>'
 * Reports { type: 'listening', webhookUrl, wrongTokenUrl }: the second is the same webhook with a
 * wrong token, so a bridge pointed at it fails its start-up check and keeps its jobs waiting in
 * the same lane.
 */
import { startDiscordFake, type DiscordFakeOptions } from '../../test/fakes/discord-fake';
import { answerRequests, tellParent } from '../lib/process';

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '{}') as DiscordFakeOptions;
  const fake = await startDiscordFake(options);
  const hook = fake.addWebhook({ name: 'Misskey' });
  const wrongTokenUrl = `${fake.apiBase}/webhooks/${hook.id}/${'x'.repeat(68)}`;
  answerRequests((message) => {
    if (message.type === 'stats') {
      const execute = fake.requests.filter((request) => request.route === 'webhook-execute');
      return {
        messages: fake.messages.length,
        embeds: fake.messages.reduce((sum, m) => sum + m.embeds.length, 0),
        requests: execute.length,
        tooManyRequests: execute.filter((request) => request.status === 429).length,
        rejected: fake.stats.rejected,
      };
    }
    if (message.type === 'clear') {
      fake.clear();
      return {};
    }
    throw new Error(`unknown request ${message.type}`);
  });
  tellParent({ type: 'listening', webhookUrl: hook.url, wrongTokenUrl });
  process.on('SIGTERM', () => void fake.close().finally(() => process.exit(0)));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
