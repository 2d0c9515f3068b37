// design.test.mjs: the JS's shape, as issue 19 asks it (no dependencies: the files are read as text).
//   - the module graph of web/ (without web/vendor/), wasm/api/ and wasm/*.mjs, by their static
//     `import ... from '...'` and `export ... from '...'` statements, has no circle of files; every
//     relative import names a file that exists (so does every `new URL('...', import.meta.url)` of a
//     .js, .mjs or .json file: the page's Worker, the lab's lecture);
//   - web/page/ never imports web/worker/ and web/worker/ never imports web/page/; web/shared/ (what
//     both import) imports only web/shared/ and wasm/; web/element/ (copied on its own with wasm/,
//     see the README) imports only wasm/;
//   - no text file under web/ (but the vendored web/vendor/ and the built web/models/) is over
//     MAX_LINES lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MAX_LINES = 500;
/** folders under web/ that are not the project's code: the vendored uPlot, the built example model */
const NOT_OURS = ['web/vendor', 'web/models'];

/** @param {string} rel a folder, relative to ROOT @returns {string[]} every file under it (relative to ROOT, '/'-separated) */
function walk(rel) {
  if (!existsSync(path.join(ROOT, rel))) return [];
  return readdirSync(path.join(ROOT, rel)).flatMap((name) => {
    const f = `${rel}/${name}`;
    if (NOT_OURS.includes(f)) return [];
    return statSync(path.join(ROOT, f)).isDirectory() ? walk(f) : [f];
  });
}

const isModule = (/** @type {string} */ f) => /\.m?js$/.test(f);
/** the modules of the graph */
const MODULES = [...walk('web'), ...walk('wasm/api'), ...readdirSync(path.join(ROOT, 'wasm')).map((n) => `wasm/${n}`)]
  .filter(isModule).sort();

// `import x from '...'`, `import { a, b as c } from '...'` (over several lines too), `import '...'`,
// `export { a } from '...'`, `export * from '...'`: at the start of a line (not in a comment or a string).
const STATIC = /^[ \t]*(?:import|export)\s+(?:type\s+)?(?:[\w$*\s{},]*?\s*from\s*)?['"]([^'"\n]+)['"]/gm;
const URL_OF = /new URL\(\s*['"]([^'"\n]+)['"]\s*,\s*import\.meta\.url\s*\)/g;

/** @param {string} from a module @param {string} spec a relative specifier @returns {string} the file it names, relative to ROOT */
const resolve = (from, spec) => path.posix.normalize(path.posix.join(path.posix.dirname(from), spec));

/**
 * The graph: each module's static imports of files (bare specifiers such as node:fs are not files of ours).
 * @param {string[]} modules @param {(f: string) => string} read @returns {Map<string, string[]>}
 */
export function importGraph(modules, read) {
  return new Map(modules.map((f) => [f, [...read(f).matchAll(STATIC)].map((m) => m[1]).filter((s) => s.startsWith('.')).map((s) => resolve(f, s))]));
}

/**
 * Every circle of files, each once (as the first module of it that a depth-first walk meets, then around).
 * @param {Map<string, string[]>} graph @returns {string[][]} each circle's files, the first again at its end
 */
export function findCycles(graph) {
  /** @type {string[][]} */ const cycles = [];
  /** @type {Map<string, 'open'|'done'>} */ const mark = new Map();
  /** @type {string[]} */ const stack = [];
  const seen = new Set();
  /** @param {string} f */
  const visit = (f) => {
    mark.set(f, 'open');
    stack.push(f);
    for (const g of graph.get(f) ?? []) {
      if (mark.get(g) === 'open') {
        const cycle = [...stack.slice(stack.indexOf(g)), g];
        const key = [...cycle.slice(0, -1)].sort().join(' ');
        if (!seen.has(key)) {
          seen.add(key);
          cycles.push(cycle);
        }
      } else if (!mark.has(g)) visit(g);
    }
    stack.pop();
    mark.set(f, 'done');
  };
  for (const f of graph.keys()) if (!mark.has(f)) visit(f);
  return cycles;
}

const read = (/** @type {string} */ f) => readFileSync(path.join(ROOT, f), 'utf8');
const GRAPH = importGraph(MODULES, read);

test('design: the modules found, and their imports read', () => {
  for (const f of ['web/app.js', 'web/page/state.js', 'web/worker/main.js', 'web/worker/state.js', 'web/lab/runner.js', 'web/element/name-generator.js', 'wasm/makemore.mjs'])
    assert.ok(MODULES.includes(f), `${f} is one of the modules`);
  assert.ok((GRAPH.get('web/app.js') ?? []).includes('web/page/state.js'), 'app.js imports the page state');
  // the reader itself: the forms of import and export it must see, and what it must not take for one
  const text = [
    "import a from './a.js';", "import { b,\n  c as d } from '../b.js';", "import './side.js';", "export * from './e.js';",
    "export { f } from './f.js';", "import fs from 'node:fs';", "// import g from './comment.js';", " * import h from './jsdoc.js';",
    "/** @typedef {import('./type.js').T} T */", "const s = `import i from './string.js'`;", "export const j = 1;",
  ].join('\n');
  assert.deepEqual(importGraph(['x/m.js'], () => text).get('x/m.js'), ['x/a.js', 'b.js', 'x/side.js', 'x/e.js', 'x/f.js']);
  assert.deepEqual(findCycles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a', 'd']], ['d', []]])), [['a', 'b', 'c', 'a']]);
});

test('design: every relative import and module URL names a file that exists', () => {
  /** @type {string[]} */ const missing = [];
  for (const [f, deps] of GRAPH) for (const d of deps) if (!existsSync(path.join(ROOT, d))) missing.push(`${f} imports ${d}`);
  for (const f of MODULES)
    for (const [, spec] of read(f).matchAll(URL_OF)) {
      const target = resolve(f, spec);
      if (/\.(m?js|json)$/.test(target) && !existsSync(path.join(ROOT, target))) missing.push(`${f}: new URL('${spec}') is ${target}`);
    }
  assert.deepEqual(missing, [], `missing files:\n  ${missing.join('\n  ')}`);
});

test('design: no circle of files in the module graph', () => {
  const cycles = findCycles(GRAPH);
  assert.deepEqual(cycles, [], `import cycles:\n  ${cycles.map((c) => c.join(' -> ')).join('\n  ')}`);
});

test('design: web/page/ and web/worker/ never import each other; web/shared/ imports only web/shared/ and wasm/; web/element/ only wasm/', () => {
  /** @type {string[]} */ const bad = [];
  const under = (/** @type {string} */ f, /** @type {string} */ dir) => f.startsWith(`${dir}/`);
  for (const [f, deps] of GRAPH)
    for (const d of deps) {
      if ((under(f, 'web/page') && under(d, 'web/worker')) || (under(f, 'web/worker') && under(d, 'web/page'))) bad.push(`${f} imports ${d}`);
      if (under(f, 'web/shared') && !under(d, 'web/shared') && !under(d, 'wasm')) bad.push(`${f} (shared by the page and the worker) imports ${d}`);
      if (under(f, 'web/element') && !under(d, 'wasm')) bad.push(`${f} (the element, copied with wasm/ alone) imports ${d}`);
    }
  assert.deepEqual(bad, [], `imports across the folders:\n  ${bad.join('\n  ')}`);
});

test(`design: no text file under web/ (but vendor/ and models/) over ${MAX_LINES} lines`, () => {
  const texts = walk('web').map((f) => ({ f, bytes: readFileSync(path.join(ROOT, f)) })).filter(({ bytes }) => !bytes.includes(0));
  assert.ok(texts.some(({ f }) => f === 'web/index.html'), 'the pages are counted');
  const long = texts.map(({ f, bytes }) => {
    const text = bytes.toString('utf8');
    return { f, n: text.split('\n').length - (text.endsWith('\n') ? 1 : 0) };
  }).filter(({ n }) => n > MAX_LINES);
  assert.deepEqual(long, [], `over ${MAX_LINES} lines:\n  ${long.map(({ f, n }) => `${f}: ${n}`).join('\n  ')}`);
});
