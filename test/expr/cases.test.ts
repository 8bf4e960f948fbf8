// Every shared case through the parser and the reference interpreter (project time zone UTC).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ExprError } from "../../src/expr/errors.js";
import { evaluate } from "../../src/expr/interpret.js";
import { parse } from "../../src/expr/parser.js";
import { showValue } from "../../src/expr/show.js";
import { loadExprCases, sameValue } from "./expr-cases.js";

const { properties, cases } = loadExprCases();
const ctx = { now: 1704164645, timeZone: "UTC" };

describe("the shared expression cases through the interpreter", () => {
  for (const c of cases) {
    if (c.expect.error) {
      it(`${c.id}: rejects ${c.expr}`, () => {
        assert.throws(() => parse(c.expr), ExprError);
      });
    } else {
      const expected = c.expect.value;
      it(`${c.id}: ${c.expr} gives ${showValue(expected)}`, () => {
        const actual = evaluate(parse(c.expr), { properties }, ctx);
        assert.ok(sameValue(actual, expected), `got ${showValue(actual)}`);
      });
    }
  }
});
