// worker/cores.js: the cores a browser really gives the page. navigator.hardwareConcurrency is
// what the browser says, and some say more than there are (WebKitGTK: 4 on a 2-core machine);
// the pool's threads beyond the real cores only wait for each other (their helpers spin between
// tasks). Where a browser says more than 2, we measure: n busy Workers at once, n = 1, 2, 4, ...
// (and the reported count last), and keep the largest n whose step from the n before it still
// gained 60% of what free cores give (from 2 to 4 Workers: 1.6x the work; from 4 to 6: 1.3x). On
// busy cores more Workers only win a larger share of them from other programs: 4 on 2 cores beside
// 2 busy threads do 1.33x the work of 2. A measurement that takes over 5 s is given up.

/** Milliseconds each round's Workers spin. */
const SPIN_MS = 60;

/** @param {number} n Workers at once @returns {Promise<number>} loop iterations per ms, all of them together */
async function rate(n) {
  /** @type {Worker[]} */
  const ws = [];
  try {
    const ready = [];
    for (let i = 0; i < n; i++) {
      const w = new Worker(new URL('./spin.js', import.meta.url), { type: 'module' });
      ws.push(w);
      ready.push(new Promise((res, rej) => {
        w.addEventListener('message', () => res(undefined), { once: true });
        w.addEventListener('error', (e) => rej(new Error(e.message || 'a Worker did not start')), { once: true });
      }));
    }
    await Promise.all(ready);
    const t0 = performance.now();
    const counts = await Promise.all(ws.map((w) => new Promise((res) => {
      w.addEventListener('message', (e) => res(/** @type {MessageEvent} */ (e).data.n), { once: true });
      w.postMessage({ ms: SPIN_MS });
    })));
    return counts.reduce((a, b) => a + b, 0) / (performance.now() - t0);
  } finally {
    for (const w of ws) w.terminate();
  }
}

/**
 * The cores to use: `reported` (navigator.hardwareConcurrency, at most 64) where it is 2 or less,
 * else what measures (at least 2). A measurement that fails keeps `reported`.
 * @param {number} reported @returns {Promise<{cores: number, measured: boolean}>}
 */
export async function measureCores(reported) {
  if (reported <= 2 || typeof Worker === 'undefined') return { cores: reported, measured: false };
  /** @type {ReturnType<typeof setTimeout>|undefined} */
  let timer;
  const giveUp = new Promise((_, rej) => (timer = setTimeout(() => rej(new Error('too slow')), 5000)));
  const measure = async () => {
    let best = 1;
    let last = await rate(1);
    for (let n = 2; n <= reported; n = n * 2 > reported && n < reported ? reported : n * 2) {
      const r = await rate(n);
      if (r < last * (1 + 0.6 * (n / best - 1))) break;
      best = n;
      last = r;
    }
    return best;
  };
  try {
    return { cores: Math.max(2, await Promise.race([measure(), giveUp])), measured: true };
  } catch {
    return { cores: reported, measured: false };
  } finally {
    clearTimeout(timer);
  }
}
