import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../observe/logger';
import { PLATFORMS, type Platform } from './message';
import { BUNDLED_TEMPLATES, TemplateSet, type RenderSettings } from './templates';

/** Routes that name a template no folder has. */
export function missingRouteTemplates(routes: readonly { name: string; template?: string }[], templates: TemplateSet): string[] {
  return routes
    .filter((route) => route.template !== undefined && !templates.has(route.template))
    .map((route) => `route "${route.name}": template "${route.template}" does not exist`);
}

/** The bundled templates, with the operator's folder (if another one) over them. */
export function templateFolders(configured: string): string[] {
  const own = path.resolve(configured);
  return own === BUNDLED_TEMPLATES ? [BUNDLED_TEMPLATES] : [BUNDLED_TEMPLATES, own];
}

const RELOAD_DEBOUNCE_MS = 100;

/**
 * The templates in use. Reloads on request (SIGHUP) and when a file changes; a broken edit
 * keeps the last good set and logs the error with file:line.
 */
export class TemplateStore {
  private current: TemplateSet;
  private watchers: FSWatcher[] = [];
  private pending: NodeJS.Timeout | null = null;

  /** Throws TemplateError when the templates cannot be compiled at start-up. */
  constructor(
    private readonly folders: string[],
    private readonly settings: RenderSettings,
    private readonly logger: Logger,
    /** the platforms to load templates for (a bridge's sinks'); all unless told */
    private readonly platforms: readonly Platform[] = PLATFORMS,
  ) {
    this.current = TemplateSet.load(folders, settings, platforms);
  }

  get(): TemplateSet {
    return this.current;
  }

  /** Returns false (and keeps the last good templates) when the new ones do not compile. */
  reload(): boolean {
    try {
      this.current = TemplateSet.load(this.folders, this.settings, this.platforms);
      this.logger.info({ templates: this.current.names().length }, 'templates reloaded');
      return true;
    } catch (error) {
      this.logger.error({ error: (error as Error).message }, 'template edit rejected; keeping the last good templates');
      return false;
    }
  }

  watch(): void {
    for (const folder of new Set(this.folders)) {
      try {
        const watcher = watch(folder, { recursive: true }, () => this.scheduleReload());
        watcher.on('error', (error) => this.logger.warn({ err: error, folder }, 'template watcher failed'));
        this.watchers.push(watcher);
      } catch (error) {
        this.logger.warn({ err: error, folder }, 'cannot watch the template folder; reload with SIGHUP');
      }
    }
  }

  close(): void {
    for (const watcher of this.watchers) watcher.close();
    this.watchers = [];
    if (this.pending) clearTimeout(this.pending);
  }

  /** Editors write a file in several steps: reload once they are done. */
  private scheduleReload(): void {
    if (this.pending) clearTimeout(this.pending);
    this.pending = setTimeout(() => {
      this.pending = null;
      this.reload();
    }, RELOAD_DEBOUNCE_MS);
  }
}
