import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ExprNode } from "../../src/expr/ast.js";
import { ExprError } from "../../src/expr/errors.js";
import { evaluate } from "../../src/expr/interpret.js";
import { parse } from "../../src/expr/parser.js";
import { showTree } from "../../src/expr/show.js";
import type { JsonObject, Value } from "../../src/expr/value.js";

function errorOf(source: string): ExprError {
  try {
    parse(source);
  } catch (err) {
    if (err instanceof ExprError) return err;
    throw err;
  }
  assert.fail(`expected ${JSON.stringify(source)} to be rejected`);
}

function run(source: string, properties: JsonObject = {}): Value {
  return evaluate(parse(source), { properties }, { now: 1000, timeZone: "UTC" });
}

function tree(source: string): string {
  return showTree(parse(source));
}

describe("parser errors", () => {
  it("names the unexpected token with its line and column", () => {
    const err = errorOf('properties["n"] + )');
    assert.equal(err.message, 'unexpected ")" at 1:19');
    assert.equal(err.line, 1);
    assert.equal(err.column, 19);
  });

  it("formats the message, the source line and a caret under the place", () => {
    assert.equal(errorOf("1 + * 2").format(), 'unexpected "*" at 1:5\n1 + * 2\n    ^');
  });

  it("counts lines and columns in a multi-line expression", () => {
    const err = errorOf('properties["a"] == 1 and\n  properties["b"] ==');
    assert.equal(err.message, "unexpected end of expression at 2:21");
    assert.equal(err.excerpt, '  properties["b"] ==');
    assert.equal(err.caret, `${" ".repeat(20)}^`);
  });

  it("counts columns in characters, so an emoji before the error is one column", () => {
    assert.equal(errorOf('"😀" + )').column, 7);
  });

  it("excerpts a window around the place in a long expression", () => {
    const source = `${"1 + ".repeat(100)}) + ${"2 + ".repeat(100)}3`;
    const err = errorOf(source);
    assert.equal(err.column, 401);
    assert.ok(err.excerpt.length < 80, "the excerpt is a window, not the whole line");
    assert.equal(err.excerpt[err.caret.length - 1], ")");
  });

  it("rejects an empty expression", () => {
    assert.equal(errorOf("   ").message, "unexpected end of expression at 1:4");
  });

  it("rejects characters outside the language", () => {
    assert.equal(errorOf("1 @ 2").message, 'unexpected character "@" at 1:3');
  });

  it("rejects chained comparisons", () => {
    assert.match(errorOf("1 < 2 < 3").message, /at 1:7$/);
    assert.throws(() => parse("1 == 1 == true"), ExprError);
    assert.throws(() => parse('"a" in "ab" in [true]'), ExprError);
  });

  it("rejects unknown functions, accessors and names", () => {
    assert.equal(errorOf("foo(1)").message, 'unknown function "foo" at 1:1');
    assert.equal(errorOf('prop["a"]').message, 'unknown accessor "prop" at 1:1');
    assert.match(errorOf("1 + x").message, /^unknown name "x".* at 1:5$/);
  });

  it("rejects a wrong number of arguments at the function's name", () => {
    assert.equal(errorOf("1 + floor(1, 2)").message, "floor takes 1 argument, not 2 at 1:5");
    assert.equal(errorOf("len()").message, "len takes 1 argument, not 0 at 1:1");
    assert.equal(errorOf('has_prefix("a")').message, "has_prefix takes 2 arguments, not 1 at 1:1");
    assert.throws(() => parse("any(x, [1])"), ExprError);
    assert.throws(() => parse("all(x, [1], true, true)"), ExprError);
  });

  it("requires a string key in an accessor", () => {
    assert.throws(() => parse("properties[1]"), ExprError);
    assert.throws(() => parse('properties["a" + "b"]'), ExprError);
    assert.throws(() => parse("properties"), ExprError);
  });

  it("rejects a function name used without a call", () => {
    assert.throws(() => parse("floor + 1"), ExprError);
  });
});

describe("keywords and case", () => {
  it("reads and, or, not, in, true and false in any case", () => {
    assert.equal(run("TRUE aNd NoT FALSE"), true);
    assert.equal(run('"a" IN ["a"] Or false'), true);
    assert.equal(run("1 NOT IN [2]"), true);
  });

  it("keeps NOW, accessors and functions case-sensitive", () => {
    assert.match(errorOf("now").message, /^unknown name "now"/);
    assert.match(errorOf('Properties["a"]').message, /^unknown accessor "Properties"/);
    assert.match(errorOf("FLOOR(1)").message, /^unknown function "FLOOR"/);
    assert.equal(run("NOW"), 1000);
  });

  it("reads event[...] as an event property and user[...] from the profile", () => {
    assert.equal(tree('event["k"]'), 'properties["k"]');
    assert.equal(tree('user["k"]'), 'user["k"]');
    const row = { properties: { k: 1 }, user: { k: 2 } };
    assert.equal(evaluate(parse('event["k"] + user["k"]'), row, { now: 0, timeZone: "UTC" }), 3);
  });
});

describe("strings and numbers", () => {
  it("decodes every allowed escape in either quote", () => {
    assert.equal(run(String.raw`"a\"b\'c\\d\ne\tf\u00e9"`), "a\"b'c\\d\ne\tf\u00e9");
    assert.equal(run(String.raw`'it\'s "x"'`), `it's "x"`);
  });

  it("rejects any other escape", () => {
    assert.equal(errorOf(String.raw`"a\x"`).message, 'invalid escape "\\x" at 1:3');
    assert.throws(() => parse(String.raw`"\u12"`), ExprError);
    assert.throws(() => parse(String.raw`"\r"`), ExprError);
    assert.throws(() => parse('"\\'), ExprError);
  });

  it("reports an unterminated string where it starts", () => {
    assert.equal(errorOf("1 + 'abc").message, "unterminated string at 1:5");
  });

  it("reads integers, fractions, bare fractions and exponents", () => {
    assert.deepEqual([run("12"), run("1.5"), run(".5"), run("1e3"), run("2E-2")], [12, 1.5, 0.5, 1000, 0.02]);
  });

  it("rejects a number that overflows or runs into letters", () => {
    assert.match(errorOf("1e999").message, /too large at 1:1$/);
    assert.throws(() => parse("12abc"), ExprError);
    assert.throws(() => parse("0x1"), ExprError);
    assert.throws(() => parse("1.2.3"), ExprError);
  });
});

describe("precedence and shape", () => {
  it("binds not looser than comparisons", () => {
    assert.equal(tree('not "x" in properties["s"]'), 'not\n  in\n    literal "x"\n    properties["s"]');
    assert.equal(run('not "x" in "abc"'), true);
  });

  it("reads a minus before a number as subtraction after NOW", () => {
    assert.equal(tree("NOW -604800"), "-\n  NOW\n  literal 604800");
    assert.equal(run("NOW -604800"), 1000 - 604800);
  });

  it("builds arithmetic left-deep with * above +", () => {
    assert.equal(run("10 - 4 - 3"), 3);
    assert.equal(run("1 + 2 * 3"), 7);
    assert.equal(run("-2 * 3"), -6);
    assert.equal(run("24 / 4 / 2"), 3);
  });

  it("flattens a chain of and, or or into one node", () => {
    const node = parse("true and false and (true and true) and 1 == 1");
    assert.equal(node.kind, "logical");
    assert.equal((node as Extract<ExprNode, { kind: "logical" }>).operands.length, 5);
    assert.equal(
      tree("true or false and true"),
      "or\n  literal true\n  and\n    literal false\n    literal true",
    );
  });

  it("parses not in as one operator", () => {
    assert.equal(tree("1 not in [1]"), "not in\n  literal 1\n  list (1 item)\n    literal 1");
  });

  it("indexes any primary with postfix brackets", () => {
    const o = { o: { b: { c: "x" } } };
    assert.equal(run('properties["o"]["b"]["c"]', o), "x");
    assert.equal(run("[1, 2, 3][-1]"), 3);
    assert.equal(run('("ab")[0]'), undefined);
  });

  it("records spans as offsets into the source", () => {
    assert.deepEqual(parse('  1 + properties["a"]').span, { start: 2, end: 21 });
  });
});

describe("names bound by any and all", () => {
  const albums = { albums: [{ year: 1999 }, { year: 2005 }] };

  it("binds the name in the condition only", () => {
    assert.equal(run('any(a, properties["albums"], a["year"] > 2000)', albums), true);
    assert.throws(() => parse("any(x, x, true)"), ExprError);
    assert.throws(() => parse("any(x, [1], true) and x"), ExprError);
  });

  it("lets an inner binding shadow an outer one", () => {
    assert.equal(run("any(x, [[1, 2], [3]], any(x, x, x == 3))"), true);
    assert.equal(run("all(x, [1, 2], any(y, [10], y > x))"), true);
  });

  it("does not let keywords, accessors, NOW or function names be bound", () => {
    for (const name of ["true", "NOT", "properties", "NOW", "floor", "any"]) {
      assert.throws(() => parse(`any(${name}, [1], true)`), ExprError, name);
    }
  });

  it("is true for all and false for any over an empty list, undefined over a non-list", () => {
    assert.equal(run("all(x, [], false)"), true);
    assert.equal(run("any(x, [], true)"), false);
    assert.equal(run("any(x, 5, true)"), undefined);
  });
});
