// page/chart.js: the trainer page's Loss card (uPlot): log10 of the training loss in
// groups of steps (web/shared/losses.js), the validation points and the learning-rate drop. It is
// drawn on frames (web/page/frames.js) at most every CHART_MS, and only when it changed (a
// group of steps completed, a validation point, a new run or schedule).
import uPlot from '../vendor/uPlot.esm.js';
import { LossSeries, niceStep } from '../shared/losses.js';
import { $, fmt, setText } from './dom.js';
import { state, subscribe } from './state.js';
import { addLayer, invalidate } from './frames.js';

/** Points of the training series (groups of steps, see LossSeries.groups). */
const CHART_POINTS = 200;
const CHART_MS = 500;

const losses = new LossSeries();
/** @type {{step: number, loss: number}[]} */
let vals = [];
/** the step where the chart's loss history starts (a model loaded without its history starts later) */
let histStart = 0;
let plot = /** @type {uPlot|null} */ (null);
let chartDirty = false;
let lastChart = -Infinity;
/** the training groups drawn, as chartKey() gave it, and how many */
let chartShape = '';
let drawnPoints = 0;

/** which training groups the chart shows: it changes when a group of steps completes */
const chartKey = () => {
  const group = niceStep(losses.n / CHART_POINTS);
  return `${histStart}:${group}:${Math.floor(losses.n / group)}`;
};

/** The chart has something new to show. */
function dirtyChart() {
  chartDirty = true;
  invalidate();
}

/**
 * A new run's chart (empty, or the history a restored run brought).
 * @param {number} start its first step @param {Float32Array|null} history losses from start @param {{step: number, loss: number}[]} points validation points
 */
export function resetChart(start, history, points) {
  histStart = start;
  losses.clear();
  if (history) losses.append(history);
  vals = points.slice();
  dirtyChart();
}

/** Losses of the next steps: the chart follows when a group of steps completes. @param {Float32Array} l */
export function addLosses(l) {
  losses.append(l);
  if (chartKey() !== chartShape) chartDirty = true;
  invalidate();
}

/** A validation point of the current run (the worker's 'val' event; NaN: it failed, not drawn). @param {import('../shared/protocol.js').ValEvent} m */
export function onVal(m) {
  if (!state.run || m.runId !== state.run.id) return;
  if (Number.isFinite(m.loss)) vals.push({ step: m.step, loss: m.loss });
  dirtyChart();
}

function makeChart() {
  const el = $('chart');
  const width = Math.max(200, el.clientWidth);
  /** @param {number|null} v */
  const show = (v) => (v == null ? '–' : `${v.toFixed(3)} (loss ${(10 ** v).toFixed(3)})`);
  plot = new uPlot(
    {
      width,
      height: chartHeight(width),
      scales: { x: { time: false, range: (u, min, max) => [histStart, Math.max(max ?? 1, histStart + 1)] } },
      axes: [
        { label: 'step', size: 40, incrs: NICE_INCRS, values: (u, ticks) => ticks.map((t) => (t >= 10000 ? `${t / 1000}k` : String(t))) },
        { label: 'log10 loss', size: 56 },
      ],
      series: [
        { label: 'step', value: (u, v) => (v == null ? '–' : fmt(Math.round(v))) },
        { label: 'train', stroke: '#2563eb', width: 1.5, spanGaps: true, points: { show: false }, value: (u, v) => show(v) },
        { label: 'val', stroke: '#dc2626', width: 2, spanGaps: true, points: { show: true, size: 6, fill: '#dc2626' }, value: (u, v) => show(v) },
      ],
      legend: { live: true },
      hooks: { draw: [drawLrMarker] },
    },
    [[], [], []],
    el,
  );
  new ResizeObserver(() => {
    const w = Math.max(200, el.clientWidth);
    if (plot && Math.abs(w - plot.width) > 1) plot.setSize({ width: w, height: chartHeight(w) });
  }).observe(el);
}

/** Whole-number tick spacings for the step axis. */
const NICE_INCRS = Array.from({ length: 8 }, (_, e) => [1, 2, 5].map((m) => m * 10 ** e)).flat();

/** @param {number} width */
const chartHeight = (width) => Math.round(Math.min(360, Math.max(200, width * 0.45)));

/** @returns {boolean} the run's learning rate drops within its schedule */
const hasDrop = () => {
  const run = state.run;
  return !!run && run.decayStep > 0 && run.decayStep < run.steps && run.lr !== run.lrDecayed;
};

/** Dashed vertical line where the learning rate drops. @param {uPlot} u */
function drawLrMarker(u) {
  const run = state.run;
  if (!run || !hasDrop()) return;
  const max = u.scales.x.max ?? 0;
  if (run.decayStep > max || run.decayStep < (u.scales.x.min ?? 0)) return;
  const x = Math.round(u.valToPos(run.decayStep, 'x', true));
  const ctx = u.ctx;
  const dpr = devicePixelRatio || 1;
  ctx.save();
  ctx.strokeStyle = '#7c3aed';
  ctx.lineWidth = 1.5 * dpr;
  ctx.setLineDash([5 * dpr, 4 * dpr]);
  ctx.beginPath();
  ctx.moveTo(x, u.bbox.top);
  ctx.lineTo(x, u.bbox.top + u.bbox.height);
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.fillStyle = '#7c3aed';
  ctx.font = `${12 * dpr}px system-ui, sans-serif`;
  const label = `lr ${run.lr} → ${run.lrDecayed}`;
  const w = ctx.measureText(label).width;
  const right = x + 4 * dpr + w < u.bbox.left + u.bbox.width;
  ctx.textAlign = right ? 'left' : 'right';
  ctx.fillText(label, right ? x + 4 * dpr : x - 4 * dpr, u.bbox.top + 14 * dpr);
  ctx.restore();
}

/**
 * The training groups and the validation points on one x axis.
 * @param {number[]} xs @param {number[]} ys @returns {[number[], (number|null)[], (number|null)[]]}
 */
function merge(xs, ys) {
  /** @type {number[]} */ const X = [];
  /** @type {(number|null)[]} */ const T = [];
  /** @type {(number|null)[]} */ const V = [];
  let i = 0;
  let j = 0;
  while (i < xs.length || j < vals.length) {
    const xa = i < xs.length ? histStart + xs[i] : Infinity;
    const xb = j < vals.length ? vals[j].step : Infinity;
    X.push(Math.min(xa, xb));
    T.push(xa <= xb ? ys[i++] : null);
    V.push(xb <= xa ? Math.log10(vals[j++].loss) : null);
  }
  return [X, T, V];
}

function renderChart() {
  if (!plot) return;
  chartShape = chartKey();
  const { xs, ys, group } = losses.groups(CHART_POINTS);
  const data = merge(xs, ys);
  plot.setData(data);
  drawnPoints = xs.length;
  const run = state.run;
  $('chart-empty').hidden = data[0].length > 0;
  setText('chart-empty',
    run && run.origin !== 'new' ? 'No loss history came with this model: Continue training plots it from here.' : 'Press Train: the loss appears here within a second.');
  const drop = run && hasDrop() ? ` The dashed line marks the learning-rate drop (${run.lr} → ${run.lrDecayed}) at step ${fmt(run.decayStep)}.` : '';
  const valText = !run ? 'every – steps' : run.valEvery > 0 ? `every ${fmt(run.valEvery)} steps` : 'none in this run';
  const from = histStart > 0 ? ` From step ${fmt(histStart)}, where the model was loaded.` : '';
  setText('chart-hint', `log10 of the training loss, mean over groups of ${fmt(group)} step${group > 1 ? 's' : ''}, and the validation loss (eval mode, ${valText}).${drop}${from}`);
  const last = vals.length ? vals[vals.length - 1] : null;
  setText('last-loss',
    (ys.length ? `Last train group: ${(10 ** ys[ys.length - 1]).toFixed(4)}` : '') +
    (last ? ` · val at step ${fmt(last.step)}: ${last.loss.toFixed(4)}` : ''));
}

/** ms until the chart draws again (Infinity: it has nothing new); one without training points (a new run's first steps, a reset) draws at once. @param {number} now */
function chartWait(now) {
  if (!chartDirty) return Infinity;
  return drawnPoints === 0 || losses.n === 0 ? 0 : lastChart + CHART_MS - now;
}

/** @param {number} now the frame's time */
function drawChart(now) {
  chartDirty = false;
  lastChart = now;
  renderChart();
}

makeChart();
addLayer({ wait: chartWait, draw: drawChart });
subscribe(['schedule'], dirtyChart);
dirtyChart();
