import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isMap, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type ConfigIssue } from './errors';
import { interpolate } from './interpolate';
import { configSchema, type Config } from './schema';

/** Reads, interpolates and validates a YAML config file; throws ConfigError listing every problem. */
export function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(file, [{ path: [], message: `cannot read: ${(error as Error).message}` }]);
  }
  return parseConfig(text, file, env);
}

export function parseConfig(text: string, file: string, env: NodeJS.ProcessEnv = process.env): Config {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const name = path.basename(file);
  if (doc.errors.length > 0) {
    throw new ConfigError(
      name,
      doc.errors.map((error) => ({ path: [], message: error.message.split('\n')[0]!, line: lines.linePos(error.pos[0]).line })),
    );
  }
  const issues: ConfigIssue[] = [];
  const raw = interpolate(doc.toJS() ?? {}, env, issues);
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) issues.push(...parsed.error.issues.map(zodIssue));
  else issues.push(...crossReferences(parsed.data));
  if (issues.length > 0) throw new ConfigError(name, issues.map((issue) => locate(issue, doc, lines)));
  return parsed.data!;
}

function zodIssue(issue: z.core.$ZodIssue): ConfigIssue {
  const at = issue.path.map((part) => (typeof part === 'symbol' ? String(part) : part));
  if (issue.code === 'unrecognized_keys') {
    const [key] = issue.keys;
    return { path: [...at, key!], message: `unknown key "${issue.keys.join('", "')}"` };
  }
  return { path: at, message: issue.message };
}

/** Names that must refer to something defined elsewhere in the file. */
function crossReferences(config: Config): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const routeNames = new Set<string>();
  config.routes.forEach((route, r) => {
    if (routeNames.has(route.name)) issues.push({ path: ['routes', r, 'name'], message: `duplicate route name "${route.name}"` });
    routeNames.add(route.name);
    route.to.forEach((sink, s) => {
      if (!(sink in config.sinks)) issues.push({ path: ['routes', r, 'to', s], message: `unknown sink "${sink}"` });
    });
    route.sources?.forEach((source, s) => {
      if (!(source in config.sources)) issues.push({ path: ['routes', r, 'sources', s], message: `unknown source "${source}"` });
    });
  });
  return issues;
}

/** Adds the line of the deepest YAML node on the issue's path. */
function locate(issue: ConfigIssue, doc: Document, lines: LineCounter): ConfigIssue {
  for (let depth = issue.path.length; depth >= 0; depth--) {
    const at = issue.path.slice(0, depth);
    const parent = at.length > 0 ? doc.getIn(at.slice(0, -1), true) : doc.contents;
    const last = at[at.length - 1];
    if (isMap(parent) && last !== undefined) {
      const pair = parent.items.find((item) => (item.key as { value?: unknown } | null)?.value === last);
      const range = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
      if (range) return { ...issue, line: lines.linePos(range[0]).line };
    }
    const node = at.length > 0 ? doc.getIn(at, true) : doc.contents;
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    if (range) return { ...issue, line: lines.linePos(range[0]).line };
  }
  return issue;
}
