// lab/queue.js: the experiment runner's queue (web/lab/runner.js): runs one after another, or
// `jobs` at a time on lanes.

/** @import { RunPlan } from './spec.js' */

/**
 * Runs plans through runOne, `jobs` at a time (one after another by default), in order.
 * A run that throws is reported to onError and the queue goes on; stop() ends it after the runs under way.
 * runOne's second argument is the lane (0..jobs-1) that runs it: a lane runs one plan at a time.
 * @template R
 * @param {RunPlan[]} plans @param {(plan: RunPlan, lane: number) => Promise<R>} runOne
 * @param {{jobs?: number, onDone?: (r: R, plan: RunPlan) => void, onError?: (e: unknown, plan: RunPlan) => void, stopped?: () => boolean}} [o]
 * @returns {Promise<R[]>} the finished runs' results, in the plans' order
 */
export async function runQueue(plans, runOne, { jobs = 1, onDone, onError, stopped } = {}) {
  /** @type {(R|undefined)[]} */
  const out = new Array(plans.length);
  let next = 0;
  const lane = async (/** @type {unknown} */ _, /** @type {number} */ k) => {
    while (next < plans.length && !stopped?.()) {
      const plan = plans[next++];
      try {
        out[plan.index] = await runOne(plan, k);
        onDone?.(/** @type {R} */ (out[plan.index]), plan);
      } catch (e) {
        if (onError) onError(e, plan);
        else throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, plans.length)) }, lane));
  return /** @type {R[]} */ (out.filter((r) => r !== undefined));
}
