import Handlebars from 'handlebars';
import { createHelpers, type HelperSettings } from './helpers';
import { escapeText } from './mfm';

/** The parts of Handlebars' (untyped) code generator that the platform escaping overrides. */
interface CompilerInternals {
  pushSource(source: unknown): void;
  appendToBuffer(parts: unknown[]): unknown;
  popStack(): unknown;
}
const BaseCompiler = (Handlebars as unknown as { JavaScriptCompiler: new () => CompilerInternals }).JavaScriptCompiler;

/** Name of the helper that escapes every `{{value}}` for the environment's platform. */
const ESCAPE_HELPER = '__escapeForPlatform';

/**
 * Handlebars' own escaping is HTML-only and shared by every environment. Here each environment
 * compiles `{{value}}` to a call of its own escape helper, so one template file escapes values
 * as Discord markdown, Slack mrkdwn, Matrix HTML or plain text depending on where it renders.
 */
class PlatformEscapingCompiler extends BaseCompiler {
  /** block bodies ({{#if}}…{{/if}}) are compiled by `new this.compiler()`: escape there too */
  readonly compiler = PlatformEscapingCompiler;

  appendEscaped(): void {
    // Handlebars wraps helpers and treats their last argument as its options object: pass one
    this.pushSource(this.appendToBuffer([`helpers.${ESCAPE_HELPER}`, '(', this.popStack(), ', {})']));
  }
}

export type Environment = typeof Handlebars;

export function createEnvironment(settings: HelperSettings): Environment {
  const env = Handlebars.create();
  (env as unknown as { JavaScriptCompiler: unknown }).JavaScriptCompiler = PlatformEscapingCompiler;
  env.registerHelper(ESCAPE_HELPER, (value: unknown) => {
    if (value instanceof Handlebars.SafeString || (value !== null && typeof (value as { toHTML?: unknown })?.toHTML === 'function')) {
      return (value as { toHTML(): string }).toHTML();
    }
    if (value === null || value === undefined) return '';
    return escapeText(String(value), settings.target);
  });
  env.registerHelper(createHelpers(settings));
  for (const [name, helper] of Object.entries(env.helpers)) if (name !== ESCAPE_HELPER) env.helpers[name] = located(helper);
  return env;
}

/** A helper (built-in or ours) failed while rendering, at this line of the template text. */
export class HelperFailure extends Error {
  override readonly name = 'HelperFailure';
  constructor(
    message: string,
    readonly line: number | undefined,
  ) {
    super(message);
  }
}

/** Handlebars passes each helper call's position (options.loc): a failure names its line. */
function located(helper: Handlebars.HelperDelegate): Handlebars.HelperDelegate {
  const call = helper as (...args: unknown[]) => unknown;
  return function (this: unknown, ...args: unknown[]) {
    try {
      return call.apply(this, args);
    } catch (error) {
      // the innermost helper already named its line
      if (error instanceof HelperFailure) throw error;
      const loc = (args[args.length - 1] as { loc?: { start?: { line?: number } } } | undefined)?.loc;
      throw new HelperFailure(error instanceof Error ? error.message : String(error), loc?.start?.line);
    }
  };
}
