#!/usr/bin/env node
// Checked before the engine loads, so that an older Node.js (e.g. on a NodeManager) gets a clear
// diagnostic rather than a syntax error. Keep in step with "engines" of the root package.json.
const REQUIRED = [20, 6];
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < REQUIRED[0] || (major === REQUIRED[0] && minor < REQUIRED[1])) {
  process.stderr.write(
    'Spindle needs Node.js >= ' +
      REQUIRED.join('.') +
      ', but ' +
      process.execPath +
      ' is ' +
      process.version +
      (process.env.NM_HOST
        ? ' on the NodeManager ' +
          process.env.NM_HOST +
          ": set yarn.node.command to a newer Node.js there, or yarn.ship-node: true to ship the client's"
        : '') +
      '.\n',
  );
  process.exit(1);
}
import('../dist/src/main.js').then(async ({ main }) => {
  process.exitCode = await main(process.argv.slice(2));
});
