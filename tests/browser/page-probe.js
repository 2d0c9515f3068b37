// page-probe.js: what the trainer page's tests read of it (web/ has nothing for tests): window.__mm,
// made before the page's scripts run. A classic script: Chromium's tests add it as an init script
// (harness.mjs's probePage); Firefox's and WebKit's get it from the server, which puts it first in
// the page's <head> (scripts/serve.mjs with MM_INJECT_SCRIPT; harness.mjs's serve({ probe: true })).
//   stall      the main thread's stall meter: the largest lateness of a 20 ms timer (maxGap) and the
//              longest "longtask" (maxLongTask) since stall.reset()
//   runId      the id of the last run the worker announced (its 'run' event), as a string; '0' before
//   runs[id]   every training loss of that run the worker reported ('progress' events), as uint32 bits
//   engine     the worker's last 'engine' event ({label, module, notes, threads, helpers})
//   wasm       the time inside wasm ({ms, steps}: the progress events' ms and steps, summed)
//   state      the worker's last 'state' event ({runId, state: 'training', 'paused', 'done', ..., step})
//   chart()    the Loss card's chart's data as last drawn: {steps, train, val} (log10 loss; train and val
//              without the gaps of the merged x axis), trainSteps (the steps of the train points), and
//              drawnAt (performance.now() of that drawing, -1 if never)
// The worker's events are read off the page's Worker ({event, data} messages: web/shared/bridge.js); the
// chart is the uPlot instance the page makes, seen through web/vendor/uPlot.esm.js served wrapped.
// @ts-check
function pageProbe() {
  const mm = /** @type {any} */ ({ runId: '0', runs: {}, engine: null, plots: [], wasm: { ms: 0, steps: 0 } });
  /** @type {any} */ (window).__mm = mm;
  const stall = (mm.stall = { maxGap: 0, maxLongTask: 0, reset() { this.maxGap = 0; this.maxLongTask = 0; } });
  const PERIOD = 20;
  let due = performance.now() + PERIOD;
  const tick = () => {
    const now = performance.now();
    stall.maxGap = Math.max(stall.maxGap, now - due);
    due = now + PERIOD;
    setTimeout(tick, PERIOD);
  };
  setTimeout(tick, PERIOD);
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) stall.maxLongTask = Math.max(stall.maxLongTask, e.duration);
    }).observe({ type: 'longtask', buffered: false });
  } catch {
    // no longtask support: the timer alone measures
  }
  const W = window.Worker;
  /** @type {any} */ (window).Worker = class extends W {
    constructor(/** @type {any} */ url, /** @type {any} */ opts) {
      super(url, opts);
      this.addEventListener('message', (e) => {
        const { event, data } = e.data ?? {};
        if (event === 'run') mm.runId = String(data.id);
        else if (event === 'engine') mm.engine = data;
        else if (event === 'state') mm.state = data;
        else if (event === 'progress') {
          (mm.runs[data.runId] ??= []).push(...Array.from(new Uint32Array(data.losses.buffer, data.losses.byteOffset, data.losses.length)));
          mm.wasm.ms += data.ms;
          mm.wasm.steps += data.losses.length;
        }
      });
    }
  };
  mm.chart = () => {
    const u = mm.plots.filter((/** @type {any} */ p) => p.root.parentElement?.id === 'chart').at(-1); // the Loss card's (not the lab's)
    if (!u) return { steps: [], train: [], val: [], trainSteps: [], drawnAt: -1 };
    const [x, t, v] = /** @type {[number[], (number|null)[], (number|null)[]]} */ (u.data);
    const at = (/** @type {(number|null)[]} */ ys) => Array.from(x).filter((_, i) => ys[i] != null);
    return { steps: Array.from(x), train: t.filter((y) => y != null), val: v.filter((y) => y != null), trainSteps: at(t), drawnAt: u.drawnAt ?? -1 };
  };
}
pageProbe();
