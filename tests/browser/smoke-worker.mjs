// smoke-worker.mjs: runs smoke() in a module Worker and posts the result.
import { smoke } from './smoke.mjs';

self.onmessage = async (e) => {
  try {
    self.postMessage({ ok: true, result: await smoke(e.data.simd) });
  } catch (err) {
    self.postMessage({ ok: false, error: String(err?.stack ?? err) });
  }
};
