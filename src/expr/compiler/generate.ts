// The one place that turns generated source into functions. Source made by the compiler holds no
// text from the expression (constants arrive through `K`, helpers through `R`), so two queries of the
// same shape produce the same source: a bounded cache keyed by the source skips V8's parse.

import { type Support, support } from "./support.js";

/** Most distinct generated sources kept; past it the cache starts again (cheap to refill). */
const CACHE_LIMIT = 512;
const cache = new Map<string, (R: Support, K: readonly unknown[]) => unknown>();

/** Runs `source` as the body of `function (R, K)` and returns what it returns. */
export function instantiate<T>(source: string, constants: readonly unknown[]): T {
  let factory = cache.get(source);
  if (factory === undefined) {
    factory = new Function("R", "K", `"use strict";\n${source}`) as (
      R: Support,
      K: readonly unknown[],
    ) => unknown;
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(source, factory);
  }
  return factory(support, constants) as T;
}
