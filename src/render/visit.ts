import Handlebars from 'handlebars';

type NodeType = 'MustacheStatement' | 'SubExpression' | 'BlockStatement' | 'PartialStatement' | 'PartialBlockStatement';

/** What to do at a kind of node: `next` visits the node's children as Handlebars' own visitor would. */
export type NodeHook = (node: hbs.AST.Node, next: () => unknown) => unknown;

/** Walks a parsed template with Handlebars' visitor, calling a hook at each node of the kinds given. */
export function visitTemplate(ast: hbs.AST.Program, hooks: Partial<Record<NodeType, NodeHook>>): void {
  const visitor = new Handlebars.Visitor();
  const visit = visitor as unknown as Record<string, (node: hbs.AST.Node) => unknown>;
  for (const [type, hook] of Object.entries(hooks)) {
    const own = visit[type]?.bind(visitor);
    visit[type] = (node) => hook(node, () => own?.(node));
  }
  visitor.accept(ast);
}
