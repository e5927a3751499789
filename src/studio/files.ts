import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, copyFileSync, writeFileSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { PLATFORMS, type Platform } from '../render/message';
import { BUNDLED_TEMPLATES } from '../render/templates';

/** A template file, named by its path inside the templates folder: `mention.hbs` or `discord/mention.hbs`. */
export interface TemplateFile {
  path: string;
  name: string;
  /** the platform of an override; undefined for the shared file */
  platform?: Platform;
  /** where the text comes from now: the user's folder, or the bundled one under it */
  origin: 'user' | 'bundled';
}

const FILE = /^(?:(discord|slack|matrix|console)\/)?([A-Za-z0-9][A-Za-z0-9_.-]*)\.hbs$/;

export class PathError extends Error {
  override readonly name = 'PathError';
}

/** The templates the bridge loads: the bundled folder with the user's over it (as TemplateSet.load reads them). */
export class TemplateFiles {
  readonly folder: string;

  constructor(configured: string) {
    this.folder = path.resolve(configured);
  }

  list(): TemplateFile[] {
    const files = new Map<string, TemplateFile>();
    for (const [folder, origin] of [[BUNDLED_TEMPLATES, 'bundled'], [this.folder, 'user']] as const) {
      for (const dir of ['', ...PLATFORMS]) {
        const full = path.join(folder, dir);
        if (!existsSync(full) || !statSync(full).isDirectory()) continue;
        for (const entry of readdirSync(full)) {
          const relative = dir ? `${dir}/${entry}` : entry;
          const parsed = parse(relative);
          if (parsed) files.set(relative, { ...parsed, origin });
        }
      }
    }
    return [...files.values()].sort((a, b) => a.name.localeCompare(b.name) || (a.platform ?? '').localeCompare(b.platform ?? ''));
  }

  /** Throws PathError for anything but a template path inside the folder. */
  describe(relative: string): Omit<TemplateFile, 'origin'> {
    const parsed = parse(relative);
    const full = path.resolve(this.folder, relative);
    if (!parsed || !full.startsWith(this.folder + path.sep)) throw new PathError(`not a template path: ${JSON.stringify(relative)}`);
    return parsed;
  }

  /** The text in use: the user's file, else the bundled one, else empty (a new file). */
  read(relative: string): { text: string; origin: TemplateFile['origin'] | 'new' } {
    this.describe(relative);
    for (const [folder, origin] of [[this.folder, 'user'], [BUNDLED_TEMPLATES, 'bundled']] as const) {
      const full = path.join(folder, relative);
      if (existsSync(full)) return { text: readFileSync(full, 'utf8'), origin };
    }
    return { text: '', origin: 'new' };
  }

  /** The full path that `relative` is written to (in the user's folder). */
  target(relative: string): string {
    this.describe(relative);
    return path.join(this.folder, relative);
  }

  /** Writes atomically (temp file, rename); the previous version is kept as `<file>.bak`. */
  save(relative: string, text: string): string {
    const file = this.target(relative);
    mkdirSync(path.dirname(file), { recursive: true });
    const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    writeFileSync(temp, text, { flush: true });
    if (existsSync(file)) copyFileSync(file, `${file}.bak`);
    renameSync(temp, file);
    return file;
  }
}

function parse(relative: string): Omit<TemplateFile, 'origin'> | undefined {
  const match = FILE.exec(relative);
  if (!match) return undefined;
  return { path: relative, name: match[2]!, platform: match[1] as Platform | undefined };
}
