// worker/spin.js: one busy Worker of web/worker/cores.js's measurement. Says 'ready'; on
// {ms}, counts loop iterations for ms milliseconds and posts the count.
self.addEventListener('message', (e) => {
  const ms = /** @type {MessageEvent} */ (e).data.ms;
  const t0 = performance.now();
  let n = 0;
  let x = 1;
  do {
    for (let i = 0; i < 4096; i++) x = (Math.imul(x, 1103515245) + 12345) | 0;
    n += 4096;
  } while (performance.now() - t0 < ms);
  self.postMessage({ n, x });
});
self.postMessage('ready');
