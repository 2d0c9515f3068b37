// serve.mjs: serves the repository root over HTTP for the web page (no dependencies).
//
//   node scripts/serve.mjs    PORT=8000 by default (0: any free port); HOST=127.0.0.1 by default
//
// .wasm goes out as application/wasm, and every response carries
// Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy:
// require-corp, so the page is cross-origin isolated.
// For the tests in browsers a test cannot add scripts to (WebKit over WebDriver):
// MM_INJECT_SCRIPT=/path.js puts <script src="/path.js"></script> first in every
// HTML page's <head> (tests/browser/page-probe.js).
import { createServer } from 'node:http';
import { createReadStream } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PORT = Number(process.env.PORT ?? 8000);
const HOST = process.env.HOST ?? '127.0.0.1';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.bin': 'application/octet-stream',
};

const HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-cache',
};

/** @param {import('node:http').ServerResponse} res @param {number} code @param {string} text */
function send(res, code, text, type = 'text/plain; charset=utf-8') {
  res.writeHead(code, { ...HEADERS, 'Content-Type': type });
  res.end(text);
}

const escapeHtml = (/** @type {string} */ s) =>
  s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);

const INJECT = process.env.MM_INJECT_SCRIPT ?? '';

/** @param {import('node:http').ServerResponse} res @param {string} file an HTML page, sent with INJECT's script first */
async function sendInjected(res, file) {
  const html = (await readFile(file, 'utf8')).replace(/<head>/i, (h) => `${h}<script src="${escapeHtml(INJECT)}"></script>`);
  send(res, 200, html, TYPES['.html']);
}

const server = createServer(async (req, res) => {
  try {
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed\n');
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/') {
      res.writeHead(302, { ...HEADERS, Location: '/web/' });
      return res.end();
    }
    const rel = decodeURIComponent(url.pathname);
    const file = path.resolve(ROOT, '.' + rel);
    if (file !== ROOT && !file.startsWith(ROOT)) return send(res, 403, 'forbidden\n');
    if (rel.split('/').some((s) => s.startsWith('.') && s !== '')) return send(res, 404, 'not found\n');
    let st = await stat(file).catch(() => null);
    let target = file;
    if (st?.isDirectory()) {
      if (!rel.endsWith('/')) {
        res.writeHead(301, { ...HEADERS, Location: url.pathname + '/' });
        return res.end();
      }
      const index = path.join(file, 'index.html');
      const ist = await stat(index).catch(() => null);
      if (ist?.isFile()) {
        target = index;
        st = ist;
      } else {
        const names = (await readdir(file)).filter((n) => !n.startsWith('.')).sort();
        const items = names.map((n) => `<li><a href="${escapeHtml(encodeURIComponent(n))}">${escapeHtml(n)}</a></li>`);
        return send(res, 200, `<!doctype html><title>${escapeHtml(rel)}</title><ul>${items.join('')}</ul>\n`, TYPES['.html']);
      }
    }
    if (!st?.isFile()) return send(res, 404, 'not found\n');
    if (INJECT && path.extname(target).toLowerCase() === '.html' && req.method === 'GET') return sendInjected(res, target);
    res.writeHead(200, {
      ...HEADERS,
      'Content-Type': TYPES[/** @type {keyof typeof TYPES} */ (path.extname(target).toLowerCase())] ?? 'application/octet-stream',
      'Content-Length': st.size,
    });
    if (req.method === 'HEAD') return res.end();
    createReadStream(target).pipe(res);
  } catch (e) {
    send(res, 500, `error: ${e instanceof Error ? e.message : e}\n`);
  }
});

server.listen(PORT, HOST, () => {
  const addr = server.address();
  const port = addr && typeof addr === 'object' ? addr.port : PORT;
  console.log(`makemore-wasm: serving ${ROOT} at http://localhost:${port}/web/`);
});
