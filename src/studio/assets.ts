import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import express, { type Router } from 'express';

/** The page's own scripts and styles, shipped as they are (no build step). */
export const PUBLIC_DIR = path.resolve(__dirname, '../../src/studio/public');

/** The editor's packages: the browser loads their ES modules as installed, through an import map. */
const EDITOR_PACKAGES = ['codemirror', '@codemirror/legacy-modes'];

interface BrowserPackage {
  dir: string;
  /** the ES module entry, relative to dir; undefined for packages imported only by subpath */
  entry?: string;
}

/** Every package the editor needs in the browser, found by following `dependencies` from the roots. */
function browserPackages(): Map<string, BrowserPackage> {
  const found = new Map<string, BrowserPackage>();
  const pending = [...EDITOR_PACKAGES];
  while (pending.length > 0) {
    const name = pending.pop()!;
    if (found.has(name)) continue;
    const dir = packageDir(name);
    const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as Manifest;
    found.set(name, { dir, entry: esmEntry(manifest) });
    pending.push(...Object.keys(manifest.dependencies ?? {}));
  }
  return found;
}

interface Manifest {
  module?: string;
  main?: string;
  exports?: unknown;
  dependencies?: Record<string, string>;
}

function packageDir(name: string): string {
  for (const modules of require.resolve.paths(name) ?? []) {
    const dir = path.join(modules, name);
    if (existsSync(path.join(dir, 'package.json'))) return dir;
  }
  throw new Error(`the studio needs the package ${name}: run npm install`);
}

function esmEntry(manifest: Manifest): string | undefined {
  const exports = manifest.exports as Record<string, unknown> | string | undefined;
  const root = typeof exports === 'object' && exports !== null && '.' in exports ? exports['.'] : exports;
  if (typeof root === 'string') return root;
  if (root && typeof root === 'object' && 'import' in root) {
    const target = (root as { import: unknown }).import;
    if (typeof target === 'string') return target;
    if (target && typeof target === 'object' && 'default' in target) return String((target as { default: unknown }).default);
  }
  if (exports !== undefined && root === undefined) return undefined;
  return manifest.module ?? manifest.main;
}

/** `/npm/<package>/<file>.js` and the import map that points bare imports there; `/static/*` for the page's own files. */
export function assetRoutes(): { router: Router; importMap: string } {
  const packages = browserPackages();
  const imports: Record<string, string> = {};
  for (const [name, { entry }] of packages) {
    if (entry) imports[name] = `/npm/${name}/${path.posix.normalize(entry)}`;
    imports[`${name}/`] = `/npm/${name}/`;
  }
  const router = express.Router();
  router.get(/^\/npm\/((?:@[^/]+\/)?[^/@][^/]*)\/(.+\.js)$/, (request, response) => {
    const [name, file] = [request.params[0]!, request.params[1]!];
    const pkg = packages.get(name);
    const full = pkg && path.resolve(pkg.dir, file);
    if (!pkg || !full || !full.startsWith(pkg.dir + path.sep) || !existsSync(full)) {
      response.status(404).end();
      return;
    }
    response.type('text/javascript').sendFile(full);
  });
  router.use('/static', express.static(PUBLIC_DIR, { index: false, dotfiles: 'deny', fallthrough: false }));
  return { router, importMap: JSON.stringify({ imports }) };
}
