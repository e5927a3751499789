import type { Wording } from './catalog';
import { HelperFailure, renderFunction, type Environment } from './environment';
import type { TemplateView } from './view';
import { visitTemplate } from './visit';

export type Render = (view: TemplateView, wording: Wording) => string;

type Fail = (line: number, message: string) => Error;

/** A template text parsed and checked for one markup; compiled on its first render. */
export class CheckedPart {
  private render: Render | undefined;

  constructor(
    private readonly ast: hbs.AST.Program,
    private readonly env: Environment,
    /** the error naming file:line, for a failure while rendering */
    private readonly fail: Fail,
  ) {}

  compile(): Render {
    this.render ??= this.located(renderFunction<TemplateView>(this.env, this.env.compile(this.ast, compileOptions(this.env))));
    return this.render;
  }

  private located(render: Render): Render {
    return (view, wording) => {
      try {
        return render(view, wording);
      } catch (error) {
        throw this.fail(error instanceof HelperFailure ? (error.line ?? 1) : 1, (error as Error).message);
      }
    };
  }
}

/** knownHelpersOnly turns a misspelt helper into a compile error instead of a render-time one */
function compileOptions(env: Environment): CompileOptions {
  return { knownHelpersOnly: true, knownHelpers: Object.fromEntries(Object.keys(env.helpers).map((name) => [name, true])) };
}

type CompileOptions = { knownHelpersOnly: true; knownHelpers: Record<string, boolean> };

/**
 * Parses and checks, rejecting what would bypass the platform escaping: `{{{triple}}}` and
 * `{{& ampersand}}` output, and partials, and `{{t "key"}}` with a key no catalog has; then runs
 * Handlebars' compiler over it (all of it but the generation of JavaScript), which finds unknown
 * helpers and the other errors a compile would.
 */
export function checkText(text: string, env: Environment, fail: Fail, keys: ReadonlySet<string>): CheckedPart {
  let ast: hbs.AST.Program;
  try {
    ast = env.parse(text);
  } catch (error) {
    const line = (/on line (\d+)/.exec((error as Error).message) ?? / - (\d+):\d+$/.exec((error as Error).message))?.[1];
    throw fail(Number(line ?? 1), (error as Error).message.split('\n')[0]!);
  }
  rejectUnsafe(ast, fail, keys);
  try {
    // what `precompile` does before generating JavaScript (its `data` default included)
    new (env as unknown as { Compiler: new () => { compile(ast: hbs.AST.Program, options: object): unknown } }).Compiler().compile(ast, {
      ...compileOptions(env),
      data: true,
    });
  } catch (error) {
    const located = error as Error & { lineNumber?: number };
    throw fail(located.lineNumber ?? 1, located.message.replace(/ - \d+:\d+$/, ''));
  }
  return new CheckedPart(ast, env, fail);
}

function rejectUnsafe(ast: hbs.AST.Program, fail: Fail, keys: ReadonlySet<string>): void {
  const partial = (node: hbs.AST.Node) => {
    throw fail(node.loc.start.line, 'partials are not supported; use one file per template');
  };
  visitTemplate(ast, {
    MustacheStatement: (node, next) => {
      const statement = node as hbs.AST.MustacheStatement;
      if (!statement.escaped) {
        throw fail(statement.loc.start.line, 'triple braces {{{ }}} would pass text through unescaped; use {{ }} (helpers already return markup)');
      }
      checkKey(statement, fail, keys);
      return next();
    },
    SubExpression: (node, next) => {
      checkKey(node as hbs.AST.SubExpression, fail, keys);
      return next();
    },
    PartialStatement: partial,
    PartialBlockStatement: partial,
  });
}

/** `{{t "key"}}` names a message of the catalogs (a key from a value is looked up when rendering) */
function checkKey(call: hbs.AST.MustacheStatement | hbs.AST.SubExpression, fail: Fail, keys: ReadonlySet<string>): void {
  if ((call.path as hbs.AST.PathExpression).original !== 't') return;
  const [first] = call.params;
  if (first?.type !== 'StringLiteral') return;
  const key = (first as hbs.AST.StringLiteral).value;
  if (!keys.has(key)) throw fail(call.loc.start.line, `{{t "${key}"}}: no such message in the catalogs (the keys are those of templates/locales/en.json)`);
}
