// The arithmetic the engines must share: order-free exact sums, and numeric ranges with round bounds.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ExactSum, exactSum } from "../../src/query/reference/exact-sum.js";
import { numericRanges, rangeIndex } from "../../src/query/reference/numeric-buckets.js";

describe("exact sums", () => {
  it("give the same double whatever the order of the additions", () => {
    const values = [0.1, 0.2, 0.3, 1e16, -1e16, 1 / 3, 2.5e-8];
    assert.equal(exactSum(values), exactSum([...values].reverse()));
    assert.equal(exactSum([1e16, 1, -1e16]), 1);
    assert.equal(exactSum(Array.from({ length: 10 }, () => 0.1)), 1);
  });

  it("merge partial sums to the sum of all their values", () => {
    const [a, b] = [new ExactSum(), new ExactSum()];
    for (const v of [0.1, 0.7, 1e-9]) a.add(v);
    for (const v of [0.2, 3.3]) b.add(v);
    a.merge(b);
    assert.equal(a.value(), exactSum([0.1, 0.7, 1e-9, 0.2, 3.3]));
    assert.equal(new ExactSum().value(), 0);
  });

  it("past the largest double, sum to Infinity (null in a reply) but still average", () => {
    const sum = new ExactSum();
    for (const v of [1.5e308, 1.5e308, 1.2e308]) sum.add(v);
    assert.equal(sum.value(), Number.POSITIVE_INFINITY);
    assert.equal(sum.dividedBy(3), 1.4e308);
    assert.equal(
      exactSum([0.1, 0.2]) / 2,
      (() => {
        const s = new ExactSum();
        s.add(0.1);
        s.add(0.2);
        return s.dividedBy(2);
      })(),
    );
  });
});

describe("numeric ranges", () => {
  const labels = (min: number, max: number, n = 10) => numericRanges(min, max, n).labels;

  it("choose the smallest 1-2-5 width that covers min to max in at most n ranges", () => {
    assert.deepEqual(labels(1.5, 20), ["0 - 5", "5 - 10", "10 - 15", "15 - 20", "20 - 25"]);
    assert.deepEqual(labels(0.25, 0.75), [
      "0.2 - 0.3",
      "0.3 - 0.4",
      "0.4 - 0.5",
      "0.5 - 0.6",
      "0.6 - 0.7",
      "0.7 - 0.8",
    ]);
    assert.deepEqual(labels(-250, 250), [
      "-300 - -200",
      "-200 - -100",
      "-100 - 0",
      "0 - 100",
      "100 - 200",
      "200 - 300",
    ]);
    assert.deepEqual(labels(0, 5e6).slice(-1), ["5,000,000 - 6,000,000"]);
  });

  it("give one range to a single value", () => {
    assert.deepEqual(labels(7, 7), ["7 - 8"]);
    assert.deepEqual(labels(0, 0), ["0 - 0.1"]);
    // The spread of a single value is taken as its size: 2,050 over 10 ranges wants width 205.
    assert.deepEqual(labels(2050, 2050), ["2,000 - 2,500"]);
    assert.deepEqual(labels(2050, 2050, 1), ["0 - 5,000"]);
  });

  it("end for spreads at the edges of doubles, with round bounds at any exponent", () => {
    // Each of these used to loop for ever on the query's thread.
    assert.deepEqual(labels(0, 5e-324), ["0 - 5e-324", "5e-324 - 1e-323"]);
    assert.deepEqual(labels(5e-324, 5e-324), ["5e-324 - 1e-323"]);
    // Ids sent as numbers: ranges wide enough that their bounds are exact doubles.
    assert.deepEqual(labels(123456789012345680, 123456789012345700), [
      "123,456,789,012,345,600 - 123,456,789,012,345,800",
    ]);
    assert.deepEqual(labels(0, 3e25).slice(0, 2), ["0 - 5e+24", "5e+24 - 1e+25"]);
    assert.deepEqual(labels(0, 2e-301).slice(-2), ["1.5e-301 - 2e-301", "2e-301 - 2.5e-301"]);
    assert.deepEqual(labels(-1.7e308, 1.7e308, 2), ["-Infinity - 0", "0 - Infinity"]);
  });

  it("give values on both sides of 0 two ranges even when one is asked for", () => {
    assert.deepEqual(labels(-1, 1, 1), ["-2 - 0", "0 - 2"]);
  });

  it("put a value on a bound in the range above it", () => {
    const ranges = numericRanges(0.25, 0.75, 10);
    assert.equal(ranges.labels[rangeIndex(ranges, 0.3)], "0.3 - 0.4");
    assert.equal(ranges.labels[rangeIndex(ranges, 0.7)], "0.7 - 0.8");
    assert.equal(ranges.labels[rangeIndex(ranges, 0.75)], "0.7 - 0.8");
  });
});
