import { resolveConfig, type Config } from '../config';
import { summaryRenderer } from '../deliver/summary';
import type { Event } from '../normalize/event';
import { eventName } from '../normalize/event';
import { SINKS } from '../sinks/registry';
import { missingRouteTemplates } from '../render/template-store';
import { lintRoutes } from '../route/lint';
import { OfflineBridge } from './offline';
import { sampleEvents } from '../normalize/samples';

export interface CheckReport {
  problems: string[];
  /** routes that never match, events no route takes: worth a look, but the config works */
  warnings: string[];
  notes: string[];
}

/**
 * `check`: the config is valid (loading it throws otherwise), every template compiles, and every
 * sample event renders through every matching route within its platform's limits. Routes that can
 * never match and events no route takes are warnings.
 */
export function checkCommand(configFile: string | undefined): CheckReport {
  const { config, file } = resolveConfig(configFile);
  const bridge = new OfflineBridge(config);
  const notes = [`config: ${file ?? 'built-in default'}`, `templates: ${bridge.templates.names().join(', ')}`];
  const problems = missingRouteTemplates(config.routes, bridge.templates);
  let rendered = 0;
  // every source, since routes may be limited to some
  const samples = Object.keys(config.sources).flatMap((source) => [...sampleEvents(source)]);
  for (const [sample, event] of samples) {
    for (const job of bridge.plan(event)) {
      rendered += 1;
      const where = `sample ${sample} from ${event.source} → route "${job.route}" → sink "${job.sink}"`;
      const limit = SINKS[config.sinks[job.sink]!.type].textLimit;
      try {
        const message = bridge.render(job);
        if (message.text.length > limit) {
          problems.push(`${where}: the ${eventName(event)} message is ${message.text.length} characters; the platform shows at most ${limit} (it will be cut)`);
        }
        bridge.build(job, message);
      } catch (error) {
        problems.push(`${where}: ${(error as Error).message}`);
      }
    }
  }
  rendered += checkSummaries(config, bridge, samples.map(([, event]) => event), problems);
  notes.push(`rendered ${rendered} sample messages`);
  return { problems, warnings: lintRoutes(config), notes };
}

/** Routes that group events or keep quiet hours send summaries: one of all the samples, per sink. */
function checkSummaries(config: Config, bridge: OfflineBridge, events: Event[], problems: string[]): number {
  const render = summaryRenderer(() => bridge.templates);
  const sinks = new Set(
    config.routes
      .filter((route) => route.group || (!route.urgent && route.quiet !== false && (route.quiet ?? config.quiet)))
      .flatMap((route) => route.to),
  );
  for (const name of sinks) {
    const sink = bridge.sinks.get(name)!;
    const where = `a summary of ${events.length} sample events → sink "${name}"`;
    try {
      const message = render(events.map((payload) => ({ payload, hold: { until: 0, group: 'check', kind: 'group' } })), sink.platform);
      const limit = SINKS[config.sinks[name]!.type].textLimit;
      if (message.text.length > limit) problems.push(`${where}: the digest message is ${message.text.length} characters; the platform shows at most ${limit} (it will be cut)`);
      sink.build({ key: 'check', messages: [message] });
    } catch (error) {
      problems.push(`${where}: ${(error as Error).message}`);
    }
  }
  return sinks.size;
}
