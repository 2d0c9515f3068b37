// page/frames.js: the page draws on animation frames at fixed rates, however long the run
// and however often the worker reports (~20 progress messages a second). Each layer (the
// progress line, web/page/progress.js; the loss chart, web/page/chart.js) says how long it
// waits before it draws again (the progress line at most every 250 ms, the chart at most every
// 500 ms and only when it changed); a frame draws the layers whose wait is over, and what
// still waits gets a frame when its wait ends. The main thread shares the machine's cores
// with training.

/**
 * A drawing on frames.
 * @typedef {object} Layer
 * @property {(now: number) => number} wait ms until it draws (<= 0: this frame; Infinity: it has nothing new)
 * @property {(now: number) => void} draw now: the frame's time
 */

/** @type {Layer[]} */
const layers = [];
let frameQueued = false;
/** @type {ReturnType<typeof setTimeout>|0} */
let wakeTimer = 0;

/** @param {Layer} layer drawn on the frames from now on */
export function addLayer(layer) {
  layers.push(layer);
}

/** Asks for a frame that draws what changed (unless one is asked for, or a timer waits for its interval). */
export function invalidate() {
  if (frameQueued || wakeTimer) return;
  frameQueued = true;
  requestAnimationFrame(frame);
}

function frame() {
  frameQueued = false;
  const now = performance.now();
  for (const l of layers) if (l.wait(now) <= 0) l.draw(now);
  // What waits for its interval gets a frame when the interval is over.
  const wait = Math.min(...layers.map((l) => l.wait(now)));
  if (wait < Infinity)
    wakeTimer = setTimeout(() => {
      wakeTimer = 0;
      invalidate();
    }, Math.max(0, wait));
}
