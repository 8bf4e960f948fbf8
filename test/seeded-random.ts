// The tests' random numbers: the benchmarks' mulberry32 (bench/query-random.ts), small and fast, so
// a seed names one reproducible case.

export { type Random, random as seededRandom } from "../bench/query-random.js";
