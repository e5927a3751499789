import Handlebars from 'handlebars';
import { createProtoAccessControl, isPrototypeConstructor, resultIsAllowed } from 'handlebars/dist/cjs/handlebars/internal/proto-access';
import type { Wording } from './catalog';
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
  return env;
}

type HelperFunction = (this: unknown, ...args: unknown[]) => unknown;

/** A helper (built-in or ours) failed while rendering, at this line of the template text (Handlebars passes each call's `loc`). */
export class HelperFailure extends Error {
  override readonly name = 'HelperFailure';
  constructor(
    message: string,
    readonly line: number | undefined,
  ) {
    super(message);
  }
}

/**
 * What Handlebars' runtime sets up on every top-level template call (`ret._setup`): every helper
 * of the environment copied and wrapped so that its options carry `lookupProperty`, the
 * helperMissing hooks taken out of them, the prototype-access control. Built once per
 * environment here, and handed to the template as an already set-up call (`partial: true`, with
 * `data.root` as a top-level call would make it), the output is the same without that work on
 * every render.
 */
interface PreparedRuntime {
  helpers: Record<string, unknown>;
  hooks: Record<string, unknown>;
  partials: Record<string, unknown>;
  decorators: Record<string, unknown>;
  protoAccessControl: ReturnType<typeof createProtoAccessControl>;
}

const prepared = new WeakMap<Environment, PreparedRuntime>();

function prepare(env: Environment): PreparedRuntime {
  const protoAccessControl = createProtoAccessControl({ allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false });
  // the lookup every compiled template does (`container.lookupProperty`), for helpers that look up
  const lookupProperty = (parent: Record<string, unknown>, name: string): unknown => {
    const result = parent[name];
    if (result === null || result === undefined) return result;
    if (Object.prototype.hasOwnProperty.call(parent, name) && !isPrototypeConstructor(parent, name, result)) return result;
    return resultIsAllowed(result, protoAccessControl, name) ? result : undefined;
  };
  const helpers: Record<string, unknown> = {};
  for (const [name, helper] of Object.entries(env.helpers as Record<string, unknown>)) {
    helpers[name] =
      typeof helper !== 'function'
        ? helper
        : function (this: unknown, ...args: unknown[]) {
            const options = args[args.length - 1] as { lookupProperty?: unknown; loc?: { start?: { line?: number } } };
            options.lookupProperty = lookupProperty;
            try {
              return (helper as HelperFunction).apply(this, args);
            } catch (error) {
              // the innermost helper already named its line
              if (error instanceof HelperFailure) throw error;
              throw new HelperFailure(error instanceof Error ? error.message : String(error), options.loc?.start?.line);
            }
          };
  }
  const hooks: Record<string, unknown> = {};
  for (const name of ['helperMissing', 'blockHelperMissing']) {
    if (helpers[name]) {
      hooks[name] = helpers[name];
      helpers[name] = undefined;
    }
  }
  return { helpers, hooks, partials: {}, decorators: { ...(env.decorators as Record<string, unknown>) }, protoAccessControl };
}

type Compiled = (context: unknown, options: object) => string;

/**
 * `compiled` (from `env.compile`) as a render function of the view, with the runtime set up once.
 * The reader's wording travels in `@data`, so one compiled template serves every language.
 */
export function renderFunction<T>(env: Environment, compiled: Compiled): (view: T, wording: Wording) => string {
  let runtime = prepared.get(env);
  if (runtime === undefined) prepared.set(env, (runtime = prepare(env)));
  const { helpers, hooks, partials, decorators, protoAccessControl } = runtime;
  return (view, wording) => compiled(view, { partial: true, data: { root: view, wording }, helpers, hooks, partials, decorators, protoAccessControl });
}
