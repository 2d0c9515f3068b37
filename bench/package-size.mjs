// package-size.mjs: the npm package's size and install time.
//
//   node bench/package-size.mjs [--runs N]     (default 5 installs; needs build-wasm/)
//
// npm pack (scripts/pack-install.mjs: the repository's files allowlist and prepack check),
// then N times: a fresh empty project and an empty npm cache, `npm install --offline
// --no-audit --no-fund <tgz>`, timed (wall clock of the npm process). Prints the packed
// size (the gzipped tarball's bytes), the installed size (the bytes of every file under
// node_modules/makemore-wasm) and the install times (median, min, max).
// bench/package-size-result.txt holds a run's output.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import path from 'node:path';
import { pack, installInto } from '../scripts/pack-install.mjs';

const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 5;
if (!Number.isInteger(runs) || runs < 1 || runs > 100) {
  console.error(`package-size: --runs must be a whole number from 1 to 100, not "${args[runsAt + 1]}"`);
  process.exit(2);
}

/** @param {string} dir @returns {{bytes: number, files: number}} */
function sizeOf(dir) {
  let bytes = 0;
  let files = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      const s = sizeOf(p);
      bytes += s.bytes;
      files += s.files;
    } else {
      bytes += statSync(p).size;
      files++;
    }
  }
  return { bytes, files };
}

const fmt = (/** @type {number} */ n) => n.toLocaleString('en-US');
const work = mkdtempSync(path.join(tmpdir(), 'mm-package-size-'));
try {
  const p = pack(path.join(work, 'pack'));
  const packed = statSync(p.tgz).size;
  const times = [];
  let installed = { bytes: 0, files: 0 };
  for (let i = 0; i < runs; i++) {
    const r = installInto(p.tgz, path.join(work, `install-${i}`));
    times.push(r.ms);
    installed = sizeOf(r.pkgDir);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  const npmVersion = spawnSync('npm', ['--version'], { encoding: 'utf8' }).stdout.trim();
  console.log(`makemore-wasm package (${path.basename(p.tgz)}), npm ${npmVersion}, node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'})`);
  console.log(`packed:    ${fmt(packed)} bytes (the gzipped tarball; npm pack reports ${fmt(p.size)}), ${p.files.length} files`);
  console.log(`installed: ${fmt(installed.bytes)} bytes in ${installed.files} files under node_modules/makemore-wasm (npm pack's unpacked size: ${fmt(p.unpackedSize)})`);
  console.log(`npm install --offline of the tarball (fresh project, empty cache): median ${Math.round(median)} ms over ${runs} runs (min ${Math.round(sorted[0])}, max ${Math.round(sorted.at(-1) ?? 0)}; ${times.map((t) => Math.round(t)).join(', ')} ms)`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
