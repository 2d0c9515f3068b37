// lab/view.js: the lab card's views of the finished runs (web/lab/runner.js RunRecords): the run
// list (show each on the chart or not, its colour, delete), the overlay chart (uPlot: each shown
// run's loss curve as the lecture plots it, log10 loss in groups of steps, and its validation
// points in the same colour) and the results table (web/lab/runner.js tableColumns: the run's name, the
// settings that differ between the runs, the results; what they share said above it; sorted by any
// column: click its heading, again to reverse; a hint to scroll it sideways when its columns are wider
// than the card). Text from runs is only ever set with textContent.
import uPlot from '../vendor/uPlot.esm.js';
import { cellText, commonText, settingColumns, sortRecords, tableColumns } from './runner.js';

/** @typedef {import('./runner.js').RunRecord} RunRecord @typedef {import('../../wasm/makemore.mjs').Schema} Schema */

/** Twelve colours far enough apart; a run keeps the one it was given (RunRecord.colour). */
export const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777', '#4b5563', '#65a30d', '#7c3aed', '#0d9488'];

/** @param {RunRecord[]} records the runs that have colours @returns {string} the least used colour of the palette (the first of those) */
export function nextColour(records) {
  const used = PALETTE.map((c) => records.filter((r) => r.colour === c).length);
  return PALETTE[used.indexOf(Math.min(...used))];
}

/** The view's state: the runs, which are hidden from the chart, the table's order. */
export const lab = {
  /** @type {RunRecord[]} */
  runs: [],
  /** @type {Set<string>} ids not drawn on the chart */
  hidden: new Set(),
  sortKey: 'finished',
  /** @type {1|-1} */
  sortDir: 1,
  /** @type {(id: string) => void} the delete button's action (web/lab/page.js) */
  onDelete: () => {},
  /** @type {Schema|null} the core's settings (the table's setting columns are named by it) */
  schema: null,
};

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

// ---------------------------------------------------------------- the chart
/** @type {uPlot|null} */
let plot = null;

/** Makes the chart (once: its series change with the runs). @param {HTMLElement} el */
export function makeLabChart(el) {
  const width = Math.max(200, el.clientWidth);
  plot = new uPlot(
    {
      width,
      height: 320,
      scales: { x: { time: false } },
      axes: [
        { label: 'step', size: 40, values: (u, ticks) => ticks.map((t) => (t >= 10000 ? `${t / 1000}k` : String(t))) },
        { label: 'log10 loss', size: 56 },
      ],
      series: [{ label: 'step' }],
      legend: { show: false },
    },
    [[]],
    el,
  );
  new ResizeObserver(() => {
    const w = Math.max(200, el.clientWidth);
    if (plot && Math.abs(w - plot.width) > 1) plot.setSize({ width: w, height: 320 });
  }).observe(el);
}

/**
 * The chart's data: one x axis (every shown run's group middles and validation steps), then two
 * series per shown run (its curve, its validation points), null where a run has no point.
 * @param {RunRecord[]} runs @returns {(number|null)[][]}
 */
export function chartData(runs) {
  const xs = new Set();
  for (const r of runs) {
    r.curve.y.forEach((_, i) => xs.add((i + 0.5) * r.curve.group));
    for (const v of r.vals) xs.add(v.step);
  }
  const X = /** @type {number[]} */ ([...xs]).sort((a, b) => a - b);
  const at = new Map(X.map((x, i) => [x, i]));
  /** @type {(number|null)[][]} */
  const data = [X];
  for (const r of runs) {
    const t = new Array(X.length).fill(null);
    r.curve.y.forEach((y, i) => { t[/** @type {number} */ (at.get((i + 0.5) * r.curve.group))] = y; });
    const v = new Array(X.length).fill(null);
    for (const p of r.vals) if (p.loss > 0) v[/** @type {number} */ (at.get(p.step))] = Math.log10(p.loss);
    data.push(t, v);
  }
  return data;
}

function renderChart() {
  if (!plot) return;
  const shown = lab.runs.filter((r) => !lab.hidden.has(r.id));
  for (let i = plot.series.length - 1; i >= 1; i--) plot.delSeries(i);
  for (const r of shown) {
    const stroke = r.colour ?? PALETTE[0];
    plot.addSeries({ label: r.name, stroke, width: 1.5, spanGaps: true, points: { show: false } });
    plot.addSeries({ label: `${r.name} val`, stroke, width: 0, paths: () => null, points: { show: true, size: 6, fill: stroke } });
  }
  plot.setData(/** @type {any} */ (chartData(shown)));
  $('lab-chart-empty').hidden = shown.length > 0;
}

// ---------------------------------------------------------------- the run list
function renderList() {
  const ul = $('lab-runs');
  ul.replaceChildren(...lab.runs.map((r) => {
    const li = document.createElement('li');
    li.dataset.id = r.id;
    const label = document.createElement('label');
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.checked = !lab.hidden.has(r.id);
    box.addEventListener('change', () => {
      if (box.checked) lab.hidden.delete(r.id);
      else lab.hidden.add(r.id);
      renderChart();
    });
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = r.colour ?? PALETTE[0];
    const name = document.createElement('span');
    name.textContent = `${r.name} · val ${r.val === null ? '–' : r.val.toFixed(4)}`;
    label.append(box, swatch, name);
    const del = document.createElement('button');
    del.type = 'button';
    del.className = 'link';
    del.textContent = 'Delete';
    del.setAttribute('aria-label', `Delete the run ${r.name}`);
    del.addEventListener('click', () => lab.onDelete(r.id));
    li.append(label, del);
    return li;
  }));
  $('lab-list-empty').hidden = lab.runs.length > 0;
}

// ---------------------------------------------------------------- the table
/** Shows the hint to scroll the table sideways if its columns are wider than the card. */
function syncScrollHint() {
  const wrap = /** @type {HTMLElement} */ ($('lab-table').parentElement);
  $('lab-table-more').hidden = wrap.scrollWidth <= wrap.clientWidth;
}

function renderTable() {
  const cols = lab.schema ? tableColumns(lab.runs, lab.schema) : [];
  const settings = new Set(lab.schema ? settingColumns(lab.runs, lab.schema).map((c) => c.key) : []);
  if (lab.sortKey !== 'finished' && !cols.some((c) => c.key === lab.sortKey)) lab.sortKey = 'finished'; // its column is gone
  const head = $('lab-table-head');
  head.replaceChildren(...cols.map((c) => {
    const th = document.createElement('th');
    th.scope = 'col';
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'sort';
    b.dataset.key = c.key;
    b.textContent = c.label + (lab.sortKey === c.key ? (lab.sortDir > 0 ? ' ▲' : ' ▼') : '');
    b.addEventListener('click', () => {
      lab.sortDir = lab.sortKey === c.key ? /** @type {1|-1} */ (-lab.sortDir) : 1;
      lab.sortKey = c.key;
      renderTable();
    });
    th.setAttribute('aria-sort', lab.sortKey === c.key ? (lab.sortDir > 0 ? 'ascending' : 'descending') : 'none');
    if (settings.has(c.key)) th.className = 'setting'; // its label may wrap
    th.append(b);
    return th;
  }));
  const rows = lab.sortKey === 'finished' ? lab.runs : sortRecords(lab.runs, lab.sortKey, lab.sortDir, cols);
  $('lab-table-body').replaceChildren(...rows.map((r) => {
    const tr = document.createElement('tr');
    tr.dataset.id = r.id;
    for (const c of cols) {
      const td = document.createElement('td');
      td.textContent = cellText(r, c);
      td.dataset.key = c.key;
      if (c.key === 'name') td.style.borderLeft = `4px solid ${r.colour ?? PALETTE[0]}`;
      tr.append(td);
    }
    return tr;
  }));
  const common = lab.schema ? commonText(lab.runs, lab.schema) : '';
  $('lab-table-common').textContent = common ? `${lab.runs.length === 1 ? 'The run' : 'Every run'}: ${common}.` : '';
  $('lab-table-common').hidden = !common;
  syncScrollHint();
}

/** Draws the list, the chart and the table from lab.runs. */
export function renderLab() {
  renderList();
  renderChart();
  renderTable();
}

new ResizeObserver(syncScrollHint).observe(/** @type {HTMLElement} */ ($('lab-table').parentElement));
