#!/usr/bin/env node
// Compile solc standard JSON (stdin -> stdout) with a given npm solcjs package, for the benchmarks.
//   node bench/solcjs.cjs <package, e.g. solc-0.8.29> [--base-path P]
// Imports are read relative to the base path (default: the checkout root), after the remappings in
// the input's settings have been applied by the compiler. tools/solc-shim.cjs stays the project's
// 0.8.28 compiler; this only serves references pinned to another version (EAS: exactly 0.8.29).
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const args = process.argv.slice(2);
const pkg = args[0];
if (!pkg || !/^solc(-[0-9.]+)?$/.test(pkg)) {
  process.stderr.write('usage: solcjs.cjs <solc | solc-X.Y.Z> [--base-path P] < input.json\n');
  process.exit(2);
}
let basePath = root;
for (let i = 1; i < args.length; i++) {
  if (args[i] === '--base-path') basePath = args[++i];
  else if (args[i] === '--version') { /* handled below */ }
  else { process.stderr.write(`solcjs.cjs: unsupported argument ${args[i]}\n`); process.exit(2); }
}
const solc = require(path.join(root, 'node_modules', pkg));
if (args.includes('--version')) { process.stdout.write(solc.version() + '\n'); process.exit(0); }

function findImports(p) {
  const candidates = path.isAbsolute(p) ? [p] : [path.join(basePath, p), path.join(root, 'node_modules', p)];
  for (const c of candidates) {
    try { return { contents: fs.readFileSync(c, 'utf8') }; } catch (_) { /* next */ }
  }
  return { error: `File not found: ${p}` };
}

const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', () => {
  process.stdout.write(solc.compile(Buffer.concat(chunks).toString('utf8'), { import: findImports }));
});
