// design.test.mjs: the shape of the JS and the C, as issue 19 asks it (no dependencies: the files are read as
// text; the C's objects through nm).
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
import { spawnSync } from 'node:child_process';
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

// ---------------------------------------------------------------- the C core (src/)
// Its files' dependencies are read from the objects the native build made (build/, before the node
// tests in scripts/test.sh): each object's defined symbols (nm: T, D, R, B) and the ones it uses (U).
// A file depends on another when it uses a symbol the other defines (a call, or a table such as a
// registry's); a registry's entries are the families', layers' and optimizers' tables, so a family
// file may not call back into its registry (family.h's builder is inline for that).
const OBJ_DIR = path.join(ROOT, 'build/CMakeFiles/mmcore.dir/src');
const C_SOURCES = walk('src').filter((f) => f.endsWith('.c'));
/** the core library's files (the wasm-only kernels and the native CLI's files, src/cli/, are built elsewhere) */
const CORE_SOURCES = C_SOURCES.filter((f) => !['src/kernels/kernels_simd.c', 'src/kernels/kernels_relaxed.c', 'src/kernels/kernels_simd_fast.c'].includes(f) && !f.startsWith('src/cli/'));
const MAX_C_FUNCTION = 80;

/** @returns {Map<string, string[]>|null} src/x/y.c -> the files whose symbols it uses (null: no native build) */
function objectGraph() {
  const objects = CORE_SOURCES.map((f) => ({ f, o: path.join(OBJ_DIR, `${f.slice(4)}.o`) })).filter(({ o }) => existsSync(o));
  if (objects.length === 0) return null;
  /** @type {Map<string, string>} */ const defined = new Map();
  /** @type {Map<string, string[]>} */ const used = new Map();
  for (const { f, o } of objects) {
    const r = spawnSync('nm', [o], { encoding: 'utf8' });
    if (r.status !== 0) return null;
    /** @type {string[]} */ const u = [];
    for (const line of r.stdout.split('\n')) {
      const m = /^(?:[0-9a-f]+)?\s+([TDRBCU])\s+(\S+)$/.exec(line);
      if (!m) continue;
      if (m[1] === 'U') u.push(m[2]);
      else defined.set(m[2], f);
    }
    used.set(f, u);
  }
  return new Map([...used].map(([f, u]) => [f, [...new Set(u.map((s) => defined.get(s)).filter((g) => g !== undefined && g !== f))]]));
}

test('design: the C core has no circle of files (by the symbols each object defines and uses)', { skip: !existsSync(OBJ_DIR) && 'no native build (build/)' }, () => {
  const graph = objectGraph();
  assert.ok(graph && graph.size === CORE_SOURCES.length, `an object for each of the core's ${CORE_SOURCES.length} files`);
  assert.ok((graph.get('src/model/plan.c') ?? []).includes('src/families/families.c'), 'the plan asks the families\' registry');
  const cycles = findCycles(graph);
  assert.deepEqual(cycles, [], `circles of files:\n  ${cycles.map((c) => c.join(' -> ')).join('\n  ')}`);
});

/**
 * The functions of a C file and their lengths: from a line at column 0 that opens a definition (a name and
 * its parameters, not a declaration, typedef or initialiser) to the next '}' at column 0.
 * @param {string} text @returns {{name: string, lines: number}[]}
 */
export function cFunctions(text) {
  const lines = text.split('\n');
  /** @type {{name: string, lines: number}[]} */ const out = [];
  let start = -1;
  lines.forEach((l, i) => {
    if (start < 0 && /^[A-Za-z_][^=;]*\(/.test(l) && !/^(typedef|#)/.test(l) && !l.trimEnd().endsWith(';')) start = i;
    else if (start >= 0 && /^[A-Za-z_].*;\s*$/.test(l)) start = -1; // a declaration over several lines
    if (start >= 0 && l.startsWith('}')) {
      out.push({ name: /(\w+)\s*\(/.exec(lines[start])?.[1] ?? lines[start], lines: i - start + 1 });
      start = -1;
    }
  });
  return out;
}

test(`design: no C function over ${MAX_C_FUNCTION} lines`, () => {
  assert.deepEqual(cFunctions('static int f(int a,\n          int b) {\n    return a;\n}\nint g(void);\nvoid h(void) {\n}\n'), [{ name: 'f', lines: 4 }, { name: 'h', lines: 2 }]);
  const all = C_SOURCES.flatMap((f) => cFunctions(read(f)).map((fn) => ({ f, ...fn })));
  assert.ok(all.length > 300, `${all.length} functions read`);
  const long = all.filter((fn) => fn.lines > MAX_C_FUNCTION);
  assert.deepEqual(long, [], `over ${MAX_C_FUNCTION} lines:\n  ${long.map((fn) => `${fn.f} ${fn.name}: ${fn.lines}`).join('\n  ')}`);
});
