#!/usr/bin/env -S node --max-semi-space-size=4 --heap-growing-percent=50
import { Command } from 'commander';
import { ConfigError } from './config';

// Each command's module is loaded when it runs: `serve` starts without the others' code.
const command = {
  audit: () => import('./commands/audit'),
  check: () => import('./commands/check'),
  dlq: () => import('./commands/dlq'),
  jobs: () => import('./commands/jobs'),
  inspect: () => import('./commands/inspect'),
  migrate: () => import('./commands/migrate'),
  sendTest: () => import('./commands/send-test'),
  serve: () => import('./commands/serve'),
  sink: () => import('./commands/sink'),
  status: () => import('./commands/status'),
  login: () => import('./commands/login'),
  studio: () => import('./commands/studio'),
};

const program = new Command();
const configOption = ['-c, --config <file>', 'config file (default ./config.yaml, else the built-in default)'] as const;

program.name('misskey-bridge').description('Relays Misskey webhook events into Discord, Slack and Matrix.');

program
  .command('serve', { isDefault: true })
  .description('run the webhook receiver and the delivery workers')
  .option(...configOption)
  .action(async (options: { config?: string }) => (await command.serve()).serve(options.config));

program
  .command('check')
  .description('validate the config and templates, render every sample event through every route')
  .option(...configOption)
  .action(async (options: { config?: string }) => {
    const report = (await command.check()).checkCommand(options.config);
    for (const note of report.notes) console.log(note);
    for (const warning of report.warnings) console.error(`⚠ warning: ${warning}`);
    for (const problem of report.problems) console.error(`✗ ${problem}`);
    const warned = report.warnings.length > 0 ? ` (${report.warnings.length} warning${report.warnings.length === 1 ? '' : 's'})` : '';
    if (report.problems.length > 0) process.exitCode = 1;
    else console.log(`✓ config and templates are fine${warned}`);
  });

program
  .command('render <payload>')
  .description('print the request bodies each matching sink would be sent (sends nothing)')
  .option(...configOption)
  .option('--sink <name>', 'only this sink')
  .option('--source <name>', 'the source the payload arrives on (default: the first)')
  .action(async (payload: string, options: { config?: string; sink?: string; source?: string }) => {
    console.log((await command.inspect()).renderCommand(payload, options));
  });

program
  .command('route-test <payload>')
  .description('show which routes and sinks match a payload, and why the others do not')
  .option(...configOption)
  .option('--source <name>', 'the source the payload arrives on (default: the first)')
  .action(async (payload: string, options: { config?: string; source?: string }) => {
    console.log((await command.inspect()).routeTestCommand(payload, options));
  });

program
  .command('send-test')
  .description('render a sample event and really send it to one sink')
  .option(...configOption)
  .requiredOption('--sink <name>', 'the sink to send to')
  .option('--event <type>', 'sample event type', 'mention')
  .action(async (options: { config?: string; sink: string; event: string }) => {
    const verdict = await (await command.sendTest()).sendTestCommand(options);
    if (verdict.kind === 'delivered') console.log(`✓ delivered to ${options.sink}${verdict.ref ? ` (${verdict.ref})` : ''}`);
    else {
      console.error(`✗ ${verdict.kind}: ${verdict.reason}`);
      process.exitCode = 1;
    }
  });

program
  .command('studio')
  .description('the template playground: edit templates with live previews (127.0.0.1 by default; the printed URL carries a token)')
  .option(...configOption)
  .option('--host <host>', 'address to listen on (default: studio.host, else 127.0.0.1)')
  .option('--port <port>', 'port to listen on (default: studio.port, else 3001; 0 picks a free one)')
  .action(async (options: { config?: string; host?: string; port?: string }) => (await command.studio()).studioCommand(options));

const dlq = program.command('dlq').description('inspect and replay dead-lettered deliveries');
dlq
  .command('list')
  .option(...configOption)
  .option('--sink <name>', 'only this sink')
  .action(async (options) => console.log(await (await command.dlq()).dlqList(options)));
dlq
  .command('retry [ids...]')
  .description('queue dead letters again (by id, --sink or --all)')
  .option(...configOption)
  .option('--sink <name>', 'every dead letter of this sink')
  .option('--all', 'every dead letter')
  .action(async (ids: string[], options) => console.log(await (await command.dlq()).dlqRetry(ids, options)));
dlq
  .command('drop [ids...]')
  .description('delete dead letters (by id, --sink or --all)')
  .option(...configOption)
  .option('--sink <name>', 'every dead letter of this sink')
  .option('--all', 'every dead letter')
  .action(async (ids: string[], options) => console.log(await (await command.dlq()).dlqDrop(ids, options)));

const jobs = program.command('jobs').description('the waiting jobs: list them, drop one that must not go out');
jobs
  .command('list')
  .option(...configOption)
  .option('--sink <name>', 'only this sink')
  .option('--limit <n>', 'at most this many (default 100)')
  .action(async (options) => console.log(await (await command.jobs()).jobsList(options)));
jobs
  .command('drop <ids...>')
  .description('forget waiting jobs by id (a job being sent right now stays)')
  .option(...configOption)
  .action(async (ids: string[], options) => console.log(await (await command.jobs()).jobsDrop(ids, options)));

const sink = program.command('sink').description('show, pause and resume sinks while serve runs (every instance)');
sink
  .command('status')
  .description("each sink's state, waiting count, oldest waiting age and dead letters")
  .option(...configOption)
  .action(async (options) => console.log(await (await command.sink()).sinkStatus(options)));
sink
  .command('pause <name>')
  .description("hold the sink's messages (they wait, in order) until resumed")
  .option(...configOption)
  .action(async (name: string, options) => console.log(await (await command.sink()).sinkPause(name, options)));
sink
  .command('resume <name>')
  .description("release a paused sink's messages")
  .option(...configOption)
  .action(async (name: string, options) => console.log(await (await command.sink()).sinkResume(name, options)));

const audit = program.command('audit').description('moderation and account actions taken from chat');
audit
  .command('list')
  .description('every attempt to act on an abuse report from chat, newest first')
  .option(...configOption)
  .option('--limit <n>', 'at most this many entries (default 50)')
  .action(async (options: { config?: string; limit?: string }) => console.log(await (await command.audit()).auditList(options)));

program
  .command('status')
  .description('bridge instances sharing the store (their leases and heartbeats) and stream sources')
  .option(...configOption)
  .action(async (options) => console.log(await (await command.status()).statusCommand(options)));

program
  .command('login <server>')
  .description("get a token for a stream source with Misskey's MiAuth: prints the page to open, waits for the approval")
  .option(...configOption)
  .option('--chat', 'ask for read:chat too (asked anyway when a configured stream source on that server reads chat)')
  .action(async (server: string, options: { config?: string; chat?: boolean }) => console.log(await (await command.login()).loginCommand(server, options)));

program
  .command('migrate')
  .description('copy waiting jobs, dead letters, pauses and the duplicate window into another store (SQLite ↔ Redis); skips what is there')
  .option(...configOption)
  .requiredOption('--to <url>', 'the target: redis://HOST[:PORT][/DB], or a SQLite file (sqlite:PATH)')
  .option('--prefix <prefix>', 'key prefix of a Redis target', 'misskey-bridge')
  .option('--force', 'copy even while serve runs on the source (what it sends meanwhile may be sent twice)')
  .action(async (options: { config?: string; to: string; prefix: string; force?: boolean }) => {
    console.log(await (await command.migrate()).migrateCommand({ ...options, progress: (line) => console.error(line) }));
  });

program.parseAsync().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : `misskey-bridge: ${(error as Error).message}`);
  process.exit(1);
});
