// The limits of spec/expressions.md: 64 KiB of UTF-8, nesting 256, and chains of binary operators
// (which are not nesting) as long as the size allows, without overflowing any stack.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ExprError } from "../../src/expr/errors.js";
import { evaluate } from "../../src/expr/interpret.js";
import { MAX_NESTING, MAX_SOURCE_BYTES, parse } from "../../src/expr/parser.js";
import { showTree } from "../../src/expr/show.js";

const ctx = { now: 0, timeZone: "UTC" };
const run = (source: string) => evaluate(parse(source), { properties: {} }, ctx);

/** `head` followed by as many `step`s as fit, padded with spaces to exactly `bytes` bytes. */
function chain(head: string, step: string, bytes: number): string {
  const steps = Math.floor((bytes - head.length) / step.length);
  return (head + step.repeat(steps)).padEnd(bytes, " ");
}

describe("expression size", () => {
  it("accepts exactly 65,536 bytes and rejects 65,537", () => {
    assert.equal(MAX_SOURCE_BYTES, 65536);
    const fits = chain("1", "+1", 65536);
    assert.equal(Buffer.byteLength(fits), 65536);
    assert.equal(run(fits), 32768);
    const over = `${fits} `;
    assert.throws(
      () => parse(over),
      (err: unknown) => err instanceof ExprError && /65536 bytes/.test(err.message),
    );
  });

  it("counts bytes of UTF-8, not characters", () => {
    const text = `"${"é".repeat(32767)}"`; // 32,769 characters, 65,536 bytes
    assert.equal(run(text), "é".repeat(32767));
    assert.throws(() => parse(`"${"é".repeat(32768)}"`), ExprError);
  });
});

describe("deep chains of binary operators", () => {
  it("evaluates a 64 KiB chain of additions", () => {
    assert.equal(run(chain("1", "+1", MAX_SOURCE_BYTES)), 32768);
  });

  it("evaluates a 64 KiB chain of subtractions inside a comparison", () => {
    const source = chain("0", "-1", MAX_SOURCE_BYTES - 20);
    const ones = (source.trimEnd().length - 1) / 2;
    assert.equal(run(`${source} == -${ones}`), true);
  });

  it("evaluates a 64 KiB chain of and", () => {
    const source = chain("true", " and true", MAX_SOURCE_BYTES);
    assert.equal(run(source), true);
    assert.equal(run(`${chain("true", " and true", MAX_SOURCE_BYTES - 10)} and false`), false);
  });

  it("evaluates a 64 KiB chain of or", () => {
    assert.equal(run(`${chain("false", " or false", MAX_SOURCE_BYTES - 9)} or true`), true);
  });

  it("prints the tree of a 64 KiB chain", () => {
    const lines = showTree(parse(chain("1", "*1", MAX_SOURCE_BYTES))).split("\n");
    assert.equal(lines.length, 65535);
  });
});

describe("nesting", () => {
  const nested = (open: string, inner: string, close: string, depth: number) =>
    open.repeat(depth) + inner + close.repeat(depth);

  it("accepts 256 levels and rejects 257 with a clean error at the opening token", () => {
    assert.equal(MAX_NESTING, 256);
    assert.equal(run(nested("(", "1", ")", 256)), 1);
    const err = (() => {
      try {
        parse(nested("(", "1", ")", 257));
      } catch (e) {
        return e;
      }
    })();
    assert.ok(err instanceof ExprError);
    assert.equal(err.message, "nesting deeper than 256 at 1:257");
  });

  it("counts lists, calls, prefix minus and not", () => {
    const cases: [string, string, string][] = [
      ["[", "1", "]"],
      ["floor(", "1", ")"],
      ["-", "1", ""],
      ["not ", "true", ""],
    ];
    for (const [open, inner, close] of cases) {
      assert.doesNotThrow(() => run(nested(open, inner, close, 256)), open);
      assert.throws(() => parse(nested(open, inner, close, 257)), ExprError, open);
    }
  });

  it("counts each postfix index", () => {
    assert.equal(run(`[0]${"[0]".repeat(255)}`), undefined);
    assert.doesNotThrow(() => parse(`[0]${"[0]".repeat(256)}`));
    assert.throws(() => parse(`[0]${"[0]".repeat(257)}`), ExprError);
  });

  it("adds up different kinds of nesting", () => {
    assert.equal(run(`${"(-".repeat(128)}1${")".repeat(128)}`), 1);
    assert.throws(() => parse(`${"(-".repeat(128)}(1)${")".repeat(128)}`), ExprError);
  });

  it("does not count chains inside the nesting", () => {
    const inner = chain("1", "+1", 10000).trimEnd();
    assert.equal(run(nested("(", inner, ")", 256)), 5000);
  });
});
