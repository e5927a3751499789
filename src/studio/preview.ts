import path from 'node:path';
import type { Config } from '../config';
import type { Event } from '../normalize/event';
import { createEnvironment } from '../render/environment';
import type { Platform } from '../render/message';
import { renderMessage } from '../render/render';
import { TemplateError, TemplateSet } from '../render/templates';
import { buildView } from '../render/view';
import { sinkConfig, type SinkConfig } from '../sinks/schemas';
import { createSink } from '../sinks/registry';
import type { Sink } from '../deliver/sink';
import { silentLogger } from '../observe/logger';
import type { TemplateFile } from './files';
import { emptyFieldWarnings, limitWarnings } from './warnings';

/** The platforms the studio previews. */
export const PREVIEW_PLATFORMS = ['discord', 'slack', 'matrix'] as const satisfies readonly Platform[];
export type PreviewPlatform = (typeof PREVIEW_PLATFORMS)[number];

/** Stand-ins for platforms the config has no sink for: build() needs no network, only a shape. */
const STAND_INS: Record<PreviewPlatform, unknown> = {
  discord: { type: 'discord', webhookUrl: `https://discord.com/api/webhooks/100000000000000000/${'x'.repeat(68)}` },
  slack: { type: 'slack', token: 'xoxb-preview', channel: '#preview' },
  matrix: { type: 'matrix', homeserver: 'https://matrix.invalid', accessToken: 'preview', room: '!preview:matrix.invalid' },
};

/** A template error, with the line it names (1 when it names none). */
export interface TemplateProblem {
  line: number;
  message: string;
}

export interface PlatformPreview {
  /** the exact request body the sink would post */
  body?: unknown;
  /** the template this platform uses: the edited one, or another file (an override, or the shared one) */
  template: string;
  warnings: string[];
  error?: TemplateProblem;
}

/** Compiles the edited text the way the bridge does; the problem names the line. */
export function compileEdited(file: Omit<TemplateFile, 'origin'>, text: string, settings: Config['render']): TemplateSet | TemplateProblem {
  const platforms = file.platform ? [file.platform] : PREVIEW_PLATFORMS;
  try {
    return TemplateSet.fromText(file.name, file.path, text, platforms, settings);
  } catch (error) {
    return problem(error);
  }
}

export function problem(error: unknown): TemplateProblem {
  const message = (error as Error).message;
  const located = /^[^\n]*?:(\d+): ([\s\S]*)$/.exec(message);
  return located ? { line: Number(located[1]), message: located[2]! } : { line: 1, message };
}

/** Renders an event through the edited text (where it applies) and each platform's sink, as the worker would. */
export class Previewer {
  private readonly sinks: Record<PreviewPlatform, Sink>;
  private readonly helpers: ReadonlySet<string>;

  constructor(private readonly config: Config) {
    const logger = silentLogger();
    const configured = Object.entries(config.sinks);
    this.sinks = Object.fromEntries(
      PREVIEW_PLATFORMS.map((platform) => {
        const own = configured.find(([, sink]) => sink.type === platform);
        const sink = own ? createSink(own[0], own[1], { logger }) : createSink(`${platform}-preview`, sinkConfig.parse(STAND_INS[platform]) as SinkConfig, { logger });
        return [platform, sink];
      }),
    ) as Record<PreviewPlatform, Sink>;
    this.helpers = new Set(Object.keys(createEnvironment({ ...config.render, target: 'plain' }).helpers));
  }

  preview(event: Event, file: Omit<TemplateFile, 'origin'>, text: string, edited: TemplateSet, loaded: TemplateSet): Record<PreviewPlatform, PlatformPreview> {
    const view = buildView(event);
    const empty = emptyFieldWarnings(text, view, this.helpers);
    return Object.fromEntries(
      PREVIEW_PLATFORMS.map((platform) => {
        const current = loaded.get(file.name, platform);
        // a platform's own file wins over the shared one being edited, as in the bridge
        const overridden = file.platform === undefined && current !== undefined && path.basename(path.dirname(current.file)) === platform;
        const templates = edited.get(file.name, platform) !== undefined && !overridden ? edited : loaded;
        const template = templates === edited ? file.path : overridden ? `${platform}/${file.name}.hbs` : `${file.name}.hbs`;
        try {
          const message = renderMessage(event, file.name, platform, templates);
          const body = this.sinks[platform].build({ key: 'studio-preview', messages: [message] });
          const warnings = [...limitWarnings(message, platform), ...(templates === edited ? empty : [])];
          return [platform, { body, template, warnings }];
        } catch (error) {
          if (!(error instanceof TemplateError)) throw error;
          return [platform, { template, warnings: [], error: problem(error) }];
        }
      }),
    ) as Record<PreviewPlatform, PlatformPreview>;
  }
}
