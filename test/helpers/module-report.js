/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS, preloaded by node itself */
// Preloaded with `-r` into a bridge process: on SIGUSR2 it writes what the process has loaded and
// how much memory it holds to the file named by MODULE_REPORT, as JSON
// ({ modules: [absolute paths of require.cache], rss, heapUsed }).
const fs = require('node:fs');

const file = process.env.MODULE_REPORT;
if (file) {
  process.on('SIGUSR2', () => {
    const { rss, heapUsed } = process.memoryUsage();
    const report = JSON.stringify({ modules: Object.keys(require.cache), rss, heapUsed });
    // written whole, then renamed: a reader never sees half a report
    fs.writeFileSync(`${file}.tmp`, report);
    fs.renameSync(`${file}.tmp`, file);
  });
}
