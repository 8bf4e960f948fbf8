import assert from "node:assert/strict";
import { test } from "node:test";
import type { ExprNode } from "../../src/expr/ast.js";
import { evaluate } from "../../src/expr/interpret.js";
import { optimise } from "../../src/expr/optimise.js";
import { parse } from "../../src/expr/parser.js";
import { propertyReads } from "../../src/expr/reads.js";
import type { EvalContext, JsonObject } from "../../src/expr/value.js";
import { sameValue } from "./expr-cases.js";

const ctx: EvalContext = { now: 1_700_000_000, timeZone: "Europe/Berlin" };

/** A compact one-line picture of a tree, to compare shapes. */
function shape(node: ExprNode): string {
  switch (node.kind) {
    case "literal":
      return JSON.stringify(node.value) ?? "undefined";
    case "property":
      return `${node.source}.${node.name}`;
    case "now":
      return "NOW";
    case "name":
      return node.name;
    case "list":
      return `[${node.items.map(shape).join(" ")}]`;
    case "unary":
      return `(${node.op} ${shape(node.operand)})`;
    case "binary":
      return `(${node.op} ${shape(node.left)} ${shape(node.right)})`;
    case "logical":
      return `(${node.op} ${node.operands.map(shape).join(" ")})`;
    case "index":
      return `(index ${shape(node.target)} ${shape(node.key)})`;
    case "call":
      return `(${node.fn} ${node.args.map(shape).join(" ")})`;
    case "quantifier":
      return `(${node.op} ${node.name} ${shape(node.list)} ${shape(node.predicate)})`;
    case "in-set": {
      const members = [...node.strings, ...node.numbers, ...node.booleans, ...node.others];
      return `(${node.negated ? "not-in-set" : "in-set"} ${shape(node.operand)} ${JSON.stringify(members)})`;
    }
  }
}

function optimised(source: string, context?: EvalContext): string {
  return shape(optimise(parse(source), context));
}

test("folds arithmetic, strings and function calls on literals into one literal", () => {
  assert.equal(optimised("1 + 2 * 3 - 4 / 2"), "5");
  assert.equal(optimised('lower("AB") + "c"'), '"abc"');
  assert.equal(optimised('properties["n"] + (2 * 3)'), "(+ properties.n 6)");
  assert.equal(optimised("[1, 1 + 1, len([3])]"), "[1,2,1]");
});

test("folds to undefined where the language gives undefined", () => {
  assert.equal(optimised("1 / 0"), "undefined");
  assert.equal(optimised('"a" - 1'), "undefined");
});

test("folds a quantifier whose list and predicate read no property", () => {
  assert.equal(optimised("any(x, [1, 2, 3], x > 2)"), "true");
  assert.equal(optimised("all(x, [1, 2, 3], x > 2)"), "false");
  assert.equal(
    optimised('any(x, properties["l"], x > 1 + 1)'),
    "(any x properties.l (> x 2))",
    "a predicate reading its bound name stays, its closed parts fold",
  );
});

test("folds NOW and zone-dependent calls only when given the query's context", () => {
  assert.equal(optimised("NOW - 60"), "(- NOW 60)");
  assert.equal(optimised("NOW - 60", ctx), "1699999940");
  assert.equal(optimised('string(datetime("2024-01-02"))'), '(string (datetime "2024-01-02"))');
  assert.equal(optimised('string(datetime("2024-01-02"))', ctx), '"2024-01-02T00:00:00"');
});

test("turns `in` and `not in` a literal list into a set lookup", () => {
  assert.equal(
    optimised('properties["c"] in ["DE", "FR", 1, true, [2]]'),
    '(in-set properties.c ["DE","FR",1,true,[2]])',
  );
  assert.equal(optimised('properties["c"] not in ["DE"]'), '(not-in-set properties.c ["DE"])');
  assert.equal(optimised('not (properties["c"] in ["DE"])'), '(not-in-set properties.c ["DE"])');
  assert.equal(optimised('properties["c"] in ["D" + "E"]'), '(in-set properties.c ["DE"])');
  assert.equal(
    optimised('properties["c"] in [properties["d"]]'),
    "(in properties.c [properties.d])",
    "a list that reads properties is not a literal list",
  );
  assert.equal(optimised('"DE" in properties["l"]'), '(in "DE" properties.l)');
  assert.equal(optimised('properties["c"] in []'), "false", "nothing is in an empty list");
  assert.equal(optimised('properties["c"] not in []'), "true");
});

test("flattens nested and/or chains of the same operator", () => {
  const s = optimised(
    '(properties["a"] == 1 and properties["b"] == 2) and (properties["c"] == 3 and properties["d"] == 4)',
  );
  assert.equal(s, "(and (== properties.a 1) (== properties.b 2) (== properties.c 3) (== properties.d 4))");
  assert.equal(
    optimised('properties["a"] == 1 or (properties["b"] == 2 and properties["c"] == 3)'),
    "(or (== properties.a 1) (and (== properties.b 2) (== properties.c 3)))",
  );
});

test("an operand that folds to false decides an and, one that folds to true decides an or", () => {
  assert.equal(optimised('properties["a"] == 1 and 1 > 2 and any(x, properties["l"], x)'), "false");
  assert.equal(optimised('properties["a"] == 1 or "b" in "abc"'), "true");
  assert.equal(optimised('properties["a"] == 1 and "x"'), "false", "a non-boolean operand counts as false");
  assert.equal(optimised('properties["a"] == 1 and 2 > 1'), "(== properties.a 1)");
  assert.equal(optimised('properties["a"] == 1 or 1 > 2'), "(== properties.a 1)");
  assert.equal(optimised("true and 1 < 2"), "true");
});

test("keeps `and` around a lone operand that is not always a boolean", () => {
  // `properties["a"] and true` is false when a is undefined; `properties["a"]` alone would be undefined.
  assert.equal(optimised('properties["a"] and true'), "(and properties.a)");
  assert.equal(optimised('properties["a"] > 1 and true'), "(and (> properties.a 1))");
});

test("orders and/or operands cheap and selective first, keeping source order on ties", () => {
  assert.equal(
    optimised(
      'any(x, properties["l"], x == 1) and has_prefix(properties["u"], "h") and properties["c"] == "DE"',
    ),
    '(and (== properties.c "DE") (has_prefix properties.u "h") (any x properties.l (== x 1)))',
  );
  assert.equal(
    optimised('properties["a"] > 1 and properties["c"] == "DE"'),
    '(and (== properties.c "DE") (> properties.a 1))',
    "an equality rejects more rows than a range",
  );
  assert.equal(
    optimised('properties["c"] == "DE" or properties["a"] != 1'),
    '(or (!= properties.a 1) (== properties.c "DE"))',
    "in an or, the operand most often true goes first",
  );
  assert.equal(
    optimised('properties["a"] == 1 and properties["b"] == 2'),
    "(and (== properties.a 1) (== properties.b 2))",
  );
});

test("removes double negation only where the operand is always a boolean", () => {
  assert.equal(optimised('not not (properties["a"] == 1)'), "(== properties.a 1)");
  assert.equal(optimised('not (properties["a"] == 1)'), "(!= properties.a 1)");
  assert.equal(optimised('not not defined(properties["a"])'), "(defined properties.a)");
  // not not 5 is true and not not undefined is false: neither is the operand itself.
  assert.equal(optimised('not not properties["a"]'), "(not (not properties.a))");
  assert.equal(optimised('not not (properties["a"] > 1)'), "(not (not (> properties.a 1)))");
});

test("every rewrite keeps the interpreter's value on events of every kind", () => {
  const sources = [
    'not not properties["a"]',
    'properties["a"] and true',
    `not (properties["a"] in [1, "x", true, [1], list('[{"k": 1}]')[0]])`,
    'properties["a"] not in ["x", 1, datetime(5)]',
    '(properties["a"] == 1 or properties["a"] == "x") and not (properties["b"] == 2)',
    'not not (properties["a"] > 0) or properties["b"]',
    'properties["a"] in [1 / 0, 2]',
  ];
  const values = [undefined, null, true, false, 0, 1, 2, -1.5, "x", "", [1], [], { k: 1 }];
  for (const source of sources) {
    const tree = parse(source);
    const better = optimise(tree, ctx);
    for (const a of values) {
      for (const b of [undefined, 2, "2"]) {
        const properties: Record<string, unknown> = {};
        if (a !== undefined) properties.a = a;
        if (b !== undefined) properties.b = b;
        const row = { properties: properties as JsonObject };
        const want = evaluate(tree, row, ctx);
        assert.ok(
          sameValue(evaluate(better, row, ctx), want),
          `${source} with a=${JSON.stringify(a)} b=${b}`,
        );
      }
    }
  }
});

test("leaves the input tree as it was", () => {
  const tree = parse('properties["a"] in [1, 2] and 1 + 1 == 2');
  const before = shape(tree);
  optimise(tree, ctx);
  assert.equal(shape(tree), before);
});

test("optimises a 32,000-long chain of additions without overflowing the stack", () => {
  const source = `properties["x"]${"+1".repeat(32_000)}`;
  const tree = optimise(parse(source), ctx);
  assert.equal(tree.kind, "binary");
  assert.equal(evaluate(tree, { properties: { x: 1 } }, ctx), 32_001);
});

test("lists the properties an expression reads once each, event and user apart", () => {
  const reads = propertyReads(
    parse(
      'properties["a"] == 1 and event["a"] > 0 and user["a"] == 2 and any(x, properties["l"], x == properties["b"])',
    ),
  );
  assert.deepEqual(reads, [
    { source: "properties", name: "a" },
    { source: "user", name: "a" },
    { source: "properties", name: "l" },
    { source: "properties", name: "b" },
  ]);
  assert.deepEqual(propertyReads(optimise(parse('properties["a"] == 1 or true'))), []);
});
