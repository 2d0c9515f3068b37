// page/diag-view.js: the trainer page's Diagnostics card: makemore part 3's looks inside a training run, from the
// statistics the core computes every N steps (Trainer.setStatsEvery; the worker sends them with its progress
// events): the activation histograms of one kind of layer (Tanh by default, as the lecture) at the latest
// statistics step, their gradients' histograms likewise, the update:data ratio (log10) of each 2-D weight over
// the run with the lecture's -3 guide line, and a table of each layer's mean, std and saturation.
// The charts are the vendored uPlot's (as web/page/chart.js); each is drawn at most every DRAW_MS.
import uPlot from '../vendor/uPlot.esm.js';
import { errText } from '../shared/errors.js';
import { $, showError } from './dom.js';
import { state } from './state.js';
import { worker } from './connection.js';

/** @typedef {import('../../wasm/makemore.mjs').Stats} Stats */
/** @typedef {Stats['layers'][number]} LayerStats */

const DRAW_MS = 500;
/** update:data points kept per weight (older ones thinned to every other when exceeded) */
const MAX_POINTS = 4000;
/**
 * A histogram's axis from and to round values: the data's ends rounded out to half a power of ten of
 * its span (tanh's -0.998..0.997: -1..1; gradients of ±0.0072: -0.01..0.01), so the ticks fall on round values.
 * @param {number} min @param {number} max @returns {[number, number]}
 */
export function niceRange(min, max) {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  if (max <= min) return [min - 1, max + 1];
  const step = 10 ** Math.floor(Math.log10(max - min)) / 2;
  const round = (/** @type {number} */ v) => Number(v.toPrecision(12)); // no 0.30000000000000004
  return [round(Math.floor(min / step) * step), round(Math.ceil(max / step) * step)];
}

const COLOURS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777', '#4b5563', '#65a30d'];

/** @type {Stats|null} the latest statistics of the current run */
let latest = null;
/** the statistics steps and, per 2-D weight (by name), its update:data at each @type {{steps: number[], ud: Map<string, (number|null)[]>}} */
let history = { steps: [], ud: new Map() };
/** @type {{act: uPlot|null, grad: uPlot|null, ud: uPlot|null}} */
const plots = { act: null, grad: null, ud: null };
/** the series each chart was made with (a chart is made again when they change) */
const shapes = { act: '', grad: '', ud: '' };
let dirty = false;
let lastDraw = -Infinity;
/** @type {ReturnType<typeof setTimeout>|0} */
let timer = 0;

/** @returns {number} the interval of the setting: a whole number >= 0 (0: off); throws a message otherwise */
export function statsEvery() {
  const text = String($('diag-every').value).trim();
  if (text === '') return 0;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 0x7fffffff) throw new Error(`stats every: "${text}" is not a whole number of steps >= 0 (0 turns them off)`);
  return n;
}

/** the layer kinds of the latest statistics, and the chosen one */
function chosenKind() {
  const kinds = latest ? [...new Set(latest.layers.map((l) => l.kind))] : [];
  const sel = $('diag-kind');
  const have = Array.from(sel.options, (/** @type {HTMLOptionElement} */ o) => o.value).join(',');
  if (have !== kinds.join(',')) {
    const keep = sel.value || 'Tanh';
    sel.replaceChildren(...kinds.map((k) => new Option(k, k)));
    // Tanh as the lecture; the gated form's Gate; makemore.py's recurrent cell
    sel.value = kinds.includes(keep) ? keep : (['Tanh', 'Gate', 'RNNCell', 'GRUCell', 'LSTMCell'].find((k) => kinds.includes(k)) ?? kinds[0] ?? '');
  }
  return /** @type {string} */ (sel.value);
}

/**
 * One chart's series: a histogram per layer as the lecture plots it (torch.histogram(t, density=True): hx[:-1], hy),
 * on one x axis (the union of the layers' bin edges; a layer has no value at the others' edges).
 * @param {LayerStats[]} layers @param {'out'|'grad'} which @returns {{labels: string[], data: (number|null)[][]}}
 */
function histSeries(layers, which) {
  const per = layers.map((l) => {
    const v = which === 'out' ? l.out : l.grad;
    const h = v ? v.hist : { lo: 0, hi: 1, counts: [] };
    const { lo, hi } = h;
    if (lo == null || hi == null) return []; // a range that is not finite (a value overflowed): no points
    const n = h.counts.reduce((a, b) => a + b, 0);
    const w = (hi - lo) / h.counts.length;
    return h.counts.map((c, k) => /** @type {[number, number]} */ ([lo + k * w, n > 0 ? c / (n * w) : 0]));
  });
  const xs = [...new Set(per.flatMap((p) => p.map(([x]) => x)))].sort((a, b) => a - b);
  const at = new Map(xs.map((x, i) => [x, i]));
  const data = [xs, ...per.map((p) => {
    /** @type {(number|null)[]} */ const ys = new Array(xs.length).fill(null);
    for (const [x, y] of p) ys[/** @type {number} */ (at.get(x))] = y;
    return ys;
  })];
  return { labels: layers.map((l) => `layer ${l.index} (${l.kind})`), data };
}

/**
 * Makes (or keeps) the chart `key` for these series and gives it its data.
 * @param {'act'|'grad'|'ud'} key @param {string[]} labels @param {(number|null)[][]} data @param {{x: string, y: string, guide?: boolean}} axes
 */
function draw(key, labels, data, axes) {
  const el = $(`diag-${key}`);
  const shape = labels.join('|');
  if (!plots[key] || shapes[key] !== shape) {
    plots[key]?.destroy();
    const width = Math.max(240, el.clientWidth);
    plots[key] = new uPlot({
      width, height: 220,
      scales: { x: { time: false, ...(key === 'ud' ? {} : { range: (/** @type {uPlot} */ _u, /** @type {number} */ lo, /** @type {number} */ hi) => niceRange(lo, hi) }) } },
      axes: [{ label: axes.x, size: 36 }, { label: axes.y, size: 56 }],
      series: [{ label: axes.x }, ...labels.map((label, i) => ({
        label, stroke: label === '1e-3 guide' ? '#111827' : COLOURS[i % COLOURS.length], width: label === '1e-3 guide' ? 1 : 1.5,
        dash: label === '1e-3 guide' ? [6, 4] : undefined, spanGaps: true, points: { show: false },
      }))],
      legend: { live: false },
    }, /** @type {any} */ (data), el);
    shapes[key] = shape;
  } else {
    plots[key]?.setData(/** @type {any} */ (data));
  }
  el.dataset.series = String(labels.length);
}

/** The table: each layer of the chosen kind at the latest statistics step. @param {LayerStats[]} layers */
function drawTable(layers) {
  /** @param {number|null|undefined} v @param {(v: number) => string} f */
  const cell = (v, f) => {
    const td = document.createElement('td');
    td.textContent = v == null ? '–' : f(v);
    td.dataset.value = v == null ? '' : String(v);
    return td;
  };
  const fix = (/** @type {number} */ v) => (v >= 0 ? '+' : '') + v.toFixed(2);
  const sci = (/** @type {number} */ v) => v.toExponential(2);
  $('diag-table').tBodies[0].replaceChildren(...layers.map((l) => {
    const tr = document.createElement('tr');
    const th = document.createElement('th');
    th.scope = 'row';
    th.textContent = `layer ${l.index} (${l.kind})`;
    tr.append(th, cell(l.out.mean, fix), cell(l.out.std, (v) => v.toFixed(2)),
      cell(l.out.saturated, (v) => `${(100 * v).toFixed(2)}%`), cell(l.grad?.mean, sci), cell(l.grad?.std, sci));
    return tr;
  }));
}

function render() {
  lastDraw = performance.now();
  dirty = false;
  $('diag-content').hidden = !latest;
  if (!latest) return;
  const kind = chosenKind();
  const layers = latest.layers.filter((l) => l.kind === kind);
  const act = histSeries(layers, 'out');
  draw('act', act.labels, act.data, { x: 'value', y: 'density' });
  const grad = histSeries(layers, 'grad');
  draw('grad', grad.labels, grad.data, { x: 'gradient', y: 'density' });
  const names = [...history.ud.keys()];
  draw('ud', [...names, '1e-3 guide'], [history.steps, ...names.map((n) => /** @type {(number|null)[]} */ (history.ud.get(n))), history.steps.map(() => -3)],
    { x: 'step', y: 'log10 update:data' });
  drawTable(layers);
  const sat = layers.filter((l) => l.out.saturated != null);
  const pct = (/** @type {number|null} */ v) => (v == null ? '–' : `${(100 * v).toFixed(1)}%`);
  const gates = layers.flatMap((l) => l.gates ?? []);
  $('diag-status').textContent = `Step ${latest.step.toLocaleString('en-US')}: ${layers.length} ${kind} layer${layers.length === 1 ? '' : 's'}` +
    (sat.length ? `, saturated ${sat.map((l) => pct(l.out.saturated)).join(', ')}` : '') +
    (gates.length ? `, gates saturated: ${gates.map((g) => `${g.name} ${pct(g.saturated)}`).join(', ')}` : '') + '.';
}

/** Draws soon: at most every DRAW_MS. */
function invalidate() {
  dirty = true;
  if (timer) return;
  timer = setTimeout(() => {
    timer = 0;
    if (dirty) requestAnimationFrame(render);
  }, Math.max(0, lastDraw + DRAW_MS - performance.now()));
}

/** New statistics of the current run. @param {Stats[]} list */
function add(list) {
  for (const s of list) {
    latest = s;
    history.steps.push(s.step);
    for (const p of s.params) {
      if (p.shape.length !== 2) continue; // the lecture plots the 2-D weights
      let ys = history.ud.get(p.name);
      if (!ys) history.ud.set(p.name, (ys = new Array(history.steps.length - 1).fill(null)));
      ys.push(p.updateToData);
    }
  }
  if (history.steps.length > MAX_POINTS) {
    const keep = (/** @type {any[]} */ a) => a.filter((_, i) => i % 2 === 1 || i === a.length - 1);
    history = { steps: keep(history.steps), ud: new Map([...history.ud].map(([k, v]) => [k, keep(v)])) };
  }
  invalidate();
}

/** A new run (or none): its statistics start empty. */
function clear() {
  latest = null;
  history = { steps: [], ud: new Map() };
  let n = 0;
  try {
    n = statsEvery();
  } catch {
    // the setting shows its error
  }
  $('diag-status').textContent = n ? `Statistics every ${n.toLocaleString('en-US')} steps: they appear here with the first step.` : 'Off: set an interval (for example 100) to see them.';
  invalidate();
}

/** The setting changed: checked, and applied to the current run at once. */
async function onEveryChange() {
  let n;
  try {
    n = statsEvery();
  } catch (e) {
    showError('diag-error', errText(e));
    return;
  }
  showError('diag-error', null);
  if (!latest) clear();
  if (state.run && state.run.kind === 'trainer') {
    try {
      await worker.call('setStatsEvery', { n });
    } catch (e) {
      showError('diag-error', errText(e));
    }
  }
}

worker.on('run', clear);
worker.on('state', (m) => {
  if (m.runId === null && m.state === 'idle') clear();
});
worker.on('progress', (m) => {
  if (m.stats && state.run && m.runId === state.run.id) add(m.stats);
});
$('diag-every').addEventListener('change', onEveryChange);
$('diag-kind').addEventListener('change', () => invalidate());
new ResizeObserver(() => {
  for (const key of /** @type {const} */ (['act', 'grad', 'ud'])) {
    const p = plots[key];
    const w = Math.max(240, $(`diag-${key}`).clientWidth);
    if (p && Math.abs(w - p.width) > 1) p.setSize({ width: w, height: 220 });
  }
}).observe($('diag'));
clear();
