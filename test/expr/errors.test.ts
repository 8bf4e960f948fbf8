import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ExprError } from "../../src/expr/errors.js";

describe("ExprError", () => {
  it("puts the place after the problem in the message", () => {
    const err = new ExprError('unexpected ")"', "(1 + 2))", 7);
    assert.equal(err.message, 'unexpected ")" at 1:8');
    assert.equal(err.problem, 'unexpected ")"');
    assert.equal(err.offset, 7);
    assert.ok(err instanceof Error);
  });

  it("shows only the line of the error in a multi-line expression", () => {
    const err = new ExprError("oops", "a\nbb\nccc", 4);
    assert.deepEqual([err.line, err.column, err.excerpt, err.caret], [2, 3, "bb", "  ^"]);
  });

  it("places the caret at the end for an error at the end of the text", () => {
    assert.equal(
      new ExprError("unexpected end of expression", "1 +", 3).format(),
      "unexpected end of expression at 1:4\n1 +\n   ^",
    );
  });

  it("keeps the caret under its character when the line holds tabs", () => {
    const err = new ExprError("here", "\t\tx", 2);
    assert.equal(err.excerpt, "  x");
    assert.equal(err.caret, "  ^");
  });

  it("marks a cut excerpt with ellipses on either side", () => {
    const source = "a".repeat(500);
    const err = new ExprError("here", source, 250);
    assert.ok(err.excerpt.startsWith("…") && err.excerpt.endsWith("…"));
    assert.equal(err.caret.length - 1, 33);
    assert.equal(err.column, 251);
  });

  it("windows the start and the end of a long line without an ellipsis at the edge", () => {
    const source = "b".repeat(500);
    assert.ok(!new ExprError("here", source, 3).excerpt.startsWith("…"));
    const end = new ExprError("here", source, 500);
    assert.ok(!end.excerpt.endsWith("…"));
    assert.equal(end.caret.length - 1, end.excerpt.length);
  });
});
