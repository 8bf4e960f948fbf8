// Tries to get text from an expression into the generated JavaScript: payloads in string literals,
// property names, list elements and any/all names. Every source handed to `new Function` is
// captured and searched, every payload runs on real data, and the results must be the plain ones.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { compile } from "../../src/expr/compile.js";
import { parse } from "../../src/expr/parser.js";
import type { EvalContext, JsonObject } from "../../src/expr/value.js";
import { buildColumnBatch } from "../../src/store/column-builder.js";

const ctx: EvalContext = { now: 1_700_000_000, timeZone: "UTC" };

const PAYLOADS = [
  '"); globalThis.tallyPwned = 1; ("',
  "'); globalThis.tallyPwned = 1; ('",
  "`); globalThis.tallyPwned = 1; (`",
  "\u0024{globalThis.tallyPwned = 1}", // "${…}": a template literal's placeholder
  "*/ globalThis.tallyPwned = 1; /*",
  '\\"; process.exit(1); //',
  "\\",
  "\n globalThis.tallyPwned = 1; //",
  "\u2028 globalThis.tallyPwned = 1; //\u2029",
  "</script><script>globalThis.tallyPwned = 1</script>",
  '"); process.exit(1); ("',
  "]; globalThis.tallyPwned = 1; [",
  "__proto__",
  "constructor",
];

/** A string literal in the expression language (only its own escapes: \" \\ \n \t \uXXXX). */
function quote(s: string): string {
  let out = '"';
  for (const ch of s) {
    if (ch === '"' || ch === "\\") out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\u2028") out += "\\u2028";
    else out += ch;
  }
  return `${out}"`;
}

const sources: string[] = [];
const realFunction = globalThis.Function;
const realExit = process.exit;

before(() => {
  globalThis.Function = new Proxy(realFunction, {
    construct(target, args: string[]) {
      sources.push(args.join("\n"));
      return Reflect.construct(target, args);
    },
  });
  process.exit = ((code?: number) => {
    throw new Error(`process.exit(${code}) was called`);
  }) as typeof process.exit;
});

after(() => {
  globalThis.Function = realFunction;
  process.exit = realExit;
});

function expressionsFor(payload: string): string[] {
  const q = quote(payload);
  return [
    `properties[${q}] == ${q}`,
    `has_prefix(properties[${q}], ${q}) and not (properties[${q}] != ${q} or lower(${q}) == "")`,
    `properties[${q}] in [${q}, "plain"] and user[${q}] == ${q}`,
    `properties["k"] + ${q} == "v" + ${q}`,
    `any(K, properties["list"], K == ${q}) and all(r0, properties["list"], defined(r0))`,
    `any(constructor, properties["list"], constructor == ${q})`,
    `any(__proto__, properties["list"], __proto__ == ${q}) and properties["obj"][${q}] == 1`,
    `any(v0, properties["list"], any(i, properties["list"], i == v0 and v0 == ${q}))`,
  ];
}

test("no expression text reaches generated source, nothing it holds runs, and results are right", () => {
  for (const payload of PAYLOADS) {
    const props = Object.create(null) as Record<string, unknown>;
    props[payload] = payload;
    props.k = "v";
    props.list = [payload, "x"];
    props.obj = JSON.parse(`{${JSON.stringify(payload)}: 1}`);
    const user = Object.create(null) as Record<string, unknown>;
    user[payload] = payload;
    const row = { properties: props as JsonObject, user: user as JsonObject };
    const other = { properties: { k: "w", list: ["y"], obj: {} } as JsonObject, user: {} as JsonObject };
    const batch = buildColumnBatch([row, other, row]);
    const selection = new Uint32Array(3);
    for (const source of expressionsFor(payload)) {
      const compiled = compile(parse(source), ctx);
      assert.equal(compiled.engine, "generated");
      assert.equal(compiled.evaluateRow(row), true, `${source} on the row`);
      assert.equal(compiled.evaluateRow(other), false, `${source} on the other row`);
      const bound = compiled.bind(batch);
      assert.equal(bound.filter(selection), 2, source);
      assert.deepEqual([...selection.subarray(0, 2)], [0, 2], source);
      assert.deepEqual([0, 1, 2].map(bound.valueAt), [true, false, true], source);
    }
  }
  assert.equal((globalThis as Record<string, unknown>).tallyPwned, undefined);
  assert.ok(sources.length > 0, "code was generated");
  for (const source of sources) {
    for (const marker of ["tallyPwned", "process", "script", "plain", "constructor", "__proto__"]) {
      assert.ok(!source.includes(marker), `generated source contains ${marker}:\n${source}`);
    }
  }
});

test("a name bound by any/all cannot capture the generated code's own variables", () => {
  const row = { properties: { list: [1, 2, 3], n: 2 } as JsonObject };
  for (const name of [
    "K",
    "R",
    "r0",
    "r1",
    "p0",
    "e0",
    "a0",
    "j0",
    "i",
    "t",
    "v0",
    "row",
    "props",
    "add",
    "cell",
  ]) {
    const source = `any(${name}, properties["list"], ${name} == properties["n"]) and all(${name}, properties["list"], ${name} > 0)`;
    const compiled = compile(parse(source), ctx, { optimise: false });
    assert.equal(compiled.evaluateRow(row), true, source);
    assert.equal(compiled.bind(buildColumnBatch([row])).valueAt(0), true, source);
  }
});
