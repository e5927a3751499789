/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS, run by node itself */
// Lets a plain Node child process require the TypeScript sources (ts-node is not installed):
// `require('./register-ts')`, then require any .ts file. Transpiles only, no type checking.
const fs = require('node:fs');
const ts = require('typescript');

const compilerOptions = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
  esModuleInterop: true,
};

require.extensions['.ts'] = (mod, filename) => {
  const { outputText } = ts.transpileModule(fs.readFileSync(filename, 'utf8'), { fileName: filename, compilerOptions });
  mod._compile(outputText, filename);
};
