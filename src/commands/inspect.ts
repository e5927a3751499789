import { resolveConfig } from '../config';
import { explain } from '../route/route';
import { OfflineBridge } from './offline';
import { readEvent } from '../normalize/samples';

function firstSource(configFile: string | undefined, source: string | undefined) {
  const { config } = resolveConfig(configFile);
  return { config, source: source ?? Object.keys(config.sources)[0]! };
}

/** `render`: the exact request bodies each matching sink would be sent; sends nothing. */
export function renderCommand(payload: string, options: { config?: string; sink?: string; source?: string }): string {
  const { config, source } = firstSource(options.config, options.source);
  if (options.sink && !(options.sink in config.sinks)) throw new Error(`no sink named "${options.sink}"`);
  const bridge = new OfflineBridge(config);
  const jobs = bridge.plan(readEvent(payload, source)).filter((job) => !options.sink || job.sink === options.sink);
  const out = jobs.map((job) => ({ route: job.route, sink: job.sink, type: config.sinks[job.sink]!.type, body: bridge.build(job) }));
  return JSON.stringify(out, null, 2);
}

/** `route-test`: which routes and sinks match, and why the others don't. */
export function routeTestCommand(payload: string, options: { config?: string; source?: string }): string {
  const { config, source } = firstSource(options.config, options.source);
  const event = readEvent(payload, source);
  const lines = [`event: ${event.type === 'unknown' ? event.unknownType : event.type} (source ${source})`];
  for (const verdict of explain(event, config.routes)) {
    const route = config.routes.find((candidate) => candidate.name === verdict.route)!;
    lines.push(verdict.matched ? `  ✓ ${verdict.route} → ${route.to.join(', ')}` : `  ✗ ${verdict.route}: ${verdict.reasons.join('; ')}`);
  }
  if (config.routes.length === 0) lines.push('  (no routes configured)');
  return lines.join('\n');
}
