/**
 * The shape of src/ that docs/architecture.md draws: no import circle between files, and each step of
 * the data path imports only earlier steps and the shared helpers.
 */
import fs from 'node:fs';
import path from 'node:path';

const SRC = path.resolve(__dirname, '../../src');
/** the data path, in order; the wiring (app.ts, ingest.ts, cli.ts, commands/, studio/) may import any */
const STEPS = ['receive', 'normalize', 'route', 'render', 'store', 'deliver', 'sinks', 'interact'];
/** helpers any step may use: pure fields (shared/), the logger and metrics (observe/), the composed config (config/) */
const SHARED = ['shared', 'observe', 'config'];

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(file);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [file] : [];
  });
}

/** the project files a file imports (static imports, re-exports and dynamic imports) */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|^import\s+)'(\.[^']+)'/gm)].map((match) => match[1]!);
  return specifiers.map((specifier) => {
    const target = path.resolve(path.dirname(file), specifier);
    return fs.existsSync(`${target}.ts`) ? `${target}.ts` : path.join(target, 'index.ts');
  });
}

const folderOf = (file: string): string => path.relative(SRC, file).split(path.sep)[0]!.replace(/\.ts$/, '');
const graph = new Map(sources(SRC).map((file) => [file, importsOf(file)]));

describe('structure of src/', () => {
  it('has no import circle', () => {
    const state = new Map<string, 'open' | 'done'>();
    const circles: string[] = [];
    const visit = (file: string, trail: string[]): void => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        circles.push([...trail.slice(trail.indexOf(file)), file].map((f) => path.relative(SRC, f)).join(' → '));
        return;
      }
      state.set(file, 'open');
      for (const next of graph.get(file) ?? []) visit(next, [...trail, file]);
      state.set(file, 'done');
    };
    for (const file of graph.keys()) visit(file, []);
    expect(circles).toEqual([]);
  });

  it('has no import circle between folders either', () => {
    const edges = new Map<string, Set<string>>();
    for (const [file, imports] of graph) {
      const from = folderOf(file);
      if (!edges.has(from)) edges.set(from, new Set());
      for (const target of imports) if (folderOf(target) !== from) edges.get(from)!.add(folderOf(target));
    }
    const reaches = (from: string, to: string, seen = new Set<string>()): boolean =>
      [...(edges.get(from) ?? [])].some((next) => next === to || (!seen.has(next) && (seen.add(next), reaches(next, to, seen))));
    expect([...edges.keys()].filter((folder) => reaches(folder, folder))).toEqual([]);
  });

  it('lets each step import only earlier steps and the shared helpers', () => {
    const upward: string[] = [];
    for (const [file, imports] of graph) {
      const step = STEPS.indexOf(folderOf(file));
      if (step === -1) continue;
      for (const target of imports) {
        const to = folderOf(target);
        const allowed = to === folderOf(file) || SHARED.includes(to) || (STEPS.includes(to) && STEPS.indexOf(to) < step);
        if (!allowed) upward.push(`${path.relative(SRC, file)} → ${path.relative(SRC, target)}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('keeps every file within 300 lines, but for the parser port', () => {
    const long = [...graph.keys()].filter((file) => fs.readFileSync(file, 'utf8').split('\n').length > 300);
    // mfm-js's parser, ported rule for rule so that the differential test can hold it to the original
    expect(long.map((file) => path.relative(SRC, file))).toEqual(['render/mfm/parser/index.ts']);
  });
});
