// Time to first render of a report page in headless Chromium: from navigation start to the
// view's `pt:rendered` mark, in fresh tabs. Prints JSON; used by scripts/bench, asserts nothing.
// Usage: BASE_URL=http://127.0.0.1:PORT node first-render.mjs PATH [RUNS]

import { launch, open, visit } from './browser.mjs';

const [path, runs = '5'] = process.argv.slice(2);
const browser = await launch();
const times = [];
let rows = 0;
try {
  for (let i = 0; i < Number(runs); i += 1) {
    const tab = await open(browser);
    await visit(tab, path);
    times.push(await tab.page.evaluate(() => performance.getEntriesByName('pt:rendered')[0].startTime));
    rows = await tab.page.$$eval('tr', (r) => r.length);
    if (tab.problems.console.length) throw new Error(tab.problems.console.join('\n'));
    await tab.page.close();
  }
} finally {
  await browser.close();
}
const sorted = [...times].sort((a, b) => a - b);
console.log(JSON.stringify({
  first_ms: Math.round(times[0]),
  median_ms: Math.round(sorted[Math.floor(sorted.length / 2)]),
  runs: times.length,
  table_rows: rows,
}));
