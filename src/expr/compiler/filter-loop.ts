// The generated scan loops of a filter over one segment. The condition is a JavaScript expression
// over locals (`v<n>`: the segment's typed arrays and constants, loaded once per call) and the row
// index `i`; for the specialised shapes it is nothing but typed-array reads and compares, so the loop
// is what one would write by hand. The source holds no expression text and no segment data, so
// segments and queries of the same shape share one generated function.

import type { Cond, Params } from "./cond.js";
import { instantiate } from "./generate.js";

export interface FilterLoops {
  /** Writes the indexes of matching rows into `out` (room for every row), returns their count. */
  filter(out: Uint32Array): number;
  /** The same over the first `count` indexes of `input`; `out` may be `input` itself. */
  filterSelection(input: Uint32Array, count: number, out: Uint32Array): number;
  count(): number;
  /** The condition the loops test, as generated. */
  readonly cond: string;
}

type LoopFactory = (params: readonly unknown[], length: number) => FilterLoops;

export function filterLoops(cond: Cond, params: Params, length: number): FilterLoops {
  if (typeof cond === "boolean") return constantLoops(cond, length);
  const locals = params.values.map((_, k) => `v${k} = P[${k}]`);
  const scratch = Array.from({ length: params.temps }, (_, k) => `, x${k} = 0`).join("");
  const prologue = `${locals.length > 0 ? `const ${locals.join(", ")};` : ""}\nconst n = length;\nlet t = 0, c = 0${scratch};`;
  const source = `return function make(P, length) {
return {
filter(out) {
${prologue}
for (let i = 0; i < n; i++) { if (${cond}) out[c++] = i; }
return c;
},
filterSelection(input, count, out) {
${prologue}
for (let j = 0; j < count; j++) { const i = input[j]; if (${cond}) out[c++] = i; }
return c;
},
count() {
${prologue}
for (let i = 0; i < n; i++) { if (${cond}) c++; }
return c;
},
};
};`;
  return { ...instantiate<LoopFactory>(source, [])(params.values, length), cond };
}

/** Every row or none: no loop over the data at all. */
function constantLoops(matches: boolean, length: number): FilterLoops {
  return {
    filter(out) {
      if (!matches) return 0;
      for (let i = 0; i < length; i++) out[i] = i;
      return length;
    },
    filterSelection(input, count, out) {
      if (!matches) return 0;
      if (out !== input) out.set(input.subarray(0, count));
      return count;
    },
    count: () => (matches ? length : 0),
    cond: String(matches),
  };
}
