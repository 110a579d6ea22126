import fs from 'node:fs';
import { createRequire } from 'node:module';
import { type InitOutput, initSync, MSTL } from '@bsull/augurs/mstl';

// augurs ships one WASM module per subpath and no Node entry: its default init() fetches a
// file:// URL, which Node refuses. The bytes are read and compiled once per thread instead.
let loaded: InitOutput | undefined;

function load(): void {
  if (loaded) return;
  const script = createRequire(import.meta.url).resolve('@bsull/augurs/mstl');
  loaded = initSync({ module: fs.readFileSync(script.replace(/\.js$/, '_bg.wasm')) });
}

/**
 * The size of this thread's WASM memory. It grows to the largest fit's need and never shrinks
 * (WebAssembly memory cannot), so it plateaus; growth past the plateau would be a leak.
 */
export const wasmMemoryBytes = () => loaded?.memory.buffer.byteLength ?? 0;

/** augurs throws plain strings: an Error that says where it came from. */
const asError = (thrown: unknown) =>
  thrown instanceof Error
    ? thrown
    : new Error(`augurs: ${typeof thrown === 'string' ? thrown : String(thrown)}`);

/**
 * MSTL (one seasonal component per period) with an AutoETS trend, `horizon` points ahead. The model
 * lives in WASM memory: it is freed whatever happens, or memory grows with every fit.
 */
export function mstlForecast(y: ArrayLike<number>, periods: number[], horizon: number): number[] {
  load();
  let model: MSTL | undefined;
  try {
    model = MSTL.ets(periods, { impute: true });
    model.fit(Float64Array.from(y));
    return model.predict(horizon).point;
  } catch (thrown) {
    throw asError(thrown);
  } finally {
    model?.free();
  }
}
