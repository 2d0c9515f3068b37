// lab/record.js: a finished run of the experiment runner (web/lab/runner.js): its record
// (RunRecord, makeRecord) and its loss curve (CurveBuilder).
//
// The loss curve as the lecture plots it: log10 of each step's loss, averaged over whole groups of
// curveGroup(steps) steps: 1000 for a run of 200,000 steps or more (the lecture's groups), fewer for
// shorter runs: the smallest of 1, 2, 5, 10, 20, 50, ... at least steps / 200 (about 200 points).
import { niceStep } from '../shared/losses.js';

/** @import { Schedule, Reference, RunPlan } from './spec.js' */

/**
 * A finished run: what the run list, the chart, the table, the exports and bench/sweep.mjs show.
 * @typedef {object} RunRecord
 * @property {string} id unique
 * @property {string} name
 * @property {string} sweep the spec's name ('' for a run trained by hand)
 * @property {string} preset
 * @property {string} what the configuration in words: the preset and what differs from it
 * @property {Record<string, number>} config
 * @property {Record<string, number>} data
 * @property {Schedule} schedule
 * @property {string} seed
 * @property {number} valEvery
 * @property {string} dataset
 * @property {boolean} reproducible
 * @property {string} engine the kernels ('relaxed-simd', 'simd-fast', 'simd', 'scalar')
 * @property {number} threads
 * @property {number} params
 * @property {number} steps steps trained
 * @property {number|null} train final eval-mode loss of the split (null: not evaluated)
 * @property {number|null} val
 * @property {number|null} test
 * @property {number} stepsPerSec training steps over the seconds spent training (evaluations excluded)
 * @property {number} wallSec from the start to the end of its evaluation
 * @property {{group: number, y: number[]}} curve log10 loss averaged over whole groups of `group` steps
 * @property {{step: number, loss: number}[]} vals validation points (eval mode), the last at the end
 * @property {Reference|null} reference
 * @property {string} where 'page' or 'node'
 * @property {number} finishedAt ms since 1970
 * @property {string} [colour] its colour in the page's chart (given when the page keeps it)
 */

/** @param {number} steps @returns {number} the loss curve's group of steps (see the header) */
export const curveGroup = (steps) => Math.min(1000, niceStep(steps / 200));

/** Builds a run's loss curve from its steps' losses as they come (see curveGroup). */
export class CurveBuilder {
  /** @param {number} steps the run's length (it sets the group) */
  constructor(steps) {
    this.group = curveGroup(steps);
    /** @type {number[]} */
    this.y = [];
    this.sum = 0;
    this.n = 0;
  }
  /** @param {ArrayLike<number>} losses the next steps' losses */
  append(losses) {
    for (let i = 0; i < losses.length; i++) {
      this.sum += Math.log10(losses[i]);
      if (++this.n === this.group) {
        this.y.push(this.sum / this.group);
        this.sum = 0;
        this.n = 0;
      }
    }
  }
  /** @returns {{group: number, y: number[]}} the whole groups so far */
  curve() {
    return { group: this.group, y: this.y.slice() };
  }
}

/**
 * A record of a finished run.
 * @param {RunPlan} plan
 * @param {{params: number, steps: number, engine: string, threads: number, losses: {train: number|null, val: number|null, test: number|null},
 *   trainSeconds: number, wallSec: number, curve: {group: number, y: number[]}, vals: {step: number, loss: number}[], where: string}} r
 * @returns {RunRecord}
 */
export function makeRecord(plan, r) {
  return {
    id: `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
    name: plan.name, sweep: plan.sweep, preset: plan.preset, what: plan.what, config: plan.config, data: plan.data,
    schedule: plan.schedule, seed: plan.seed, valEvery: plan.valEvery, dataset: plan.dataset, reproducible: plan.reproducible,
    engine: r.engine, threads: r.threads, params: r.params, steps: r.steps,
    train: r.losses.train, val: r.losses.val, test: r.losses.test,
    stepsPerSec: r.trainSeconds > 0 ? r.steps / r.trainSeconds : 0, wallSec: r.wallSec,
    curve: r.curve, vals: r.vals, reference: plan.reference, where: r.where, finishedAt: Date.now(),
  };
}
