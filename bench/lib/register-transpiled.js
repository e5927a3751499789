/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS, run by node itself */
// The require hook of the benchmarks' child processes: like test/helpers/register-ts.js, but it
// runs the JavaScript the bench transpiled beforehand (BENCH_TRANSPILED, see process.ts), so the
// process under test neither loads the TypeScript compiler (~100 MB of RSS and a slow start that
// a built bridge does not have) nor spends its start-up transpiling. A file missing from the
// cache is transpiled on the spot.
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '../..');
const CACHE = process.env.BENCH_TRANSPILED;
let ts;

require.extensions['.ts'] = (mod, filename) => {
  let code;
  try {
    code = fs.readFileSync(path.join(CACHE, path.relative(ROOT, filename).replace(/\.ts$/, '.js')), 'utf8');
  } catch {
    ts ??= require('typescript');
    const compilerOptions = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true };
    code = ts.transpileModule(fs.readFileSync(filename, 'utf8'), { fileName: filename, compilerOptions }).outputText;
  }
  mod._compile(code, filename);
};
