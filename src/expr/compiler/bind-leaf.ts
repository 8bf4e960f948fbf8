// Specialises one single-property leaf of a filter to one segment's column. A column may hold a
// different kind in every row, so the leaf is decided per kind of row:
// - string rows: a dictionary-code compare for `== "literal"` (the literal resolved to a code once;
//   absent from the dictionary, the compare is constant), else a 0/1 table over the dictionary,
//   filled by evaluating the leaf once per distinct string;
// - number rows: a compare (or set lookup) straight on `numbers`;
// - absent, null, true and false rows: the leaf evaluated once for each;
// - rows holding lists or objects: exact evaluation.
// When the kinds agree on rows outside their own arrays (NaN in `numbers`, -1 in `codes`), the test
// reads only those arrays; otherwise it dispatches on the row's tag.

import { type ColumnBatch, type PropertyColumn, Tag } from "../columns.js";
import type { Value } from "../value.js";
import { andCond, type Cond, notCond, orCond, type Params } from "./cond.js";
import type { ValueEvaluator } from "./evaluators.js";
import type { LeafPlan } from "./filter-plan.js";

/** Dictionaries up to this many entries beyond four per row get a table; larger ones are not worth it. */
const TABLE_SLACK = 1024;

/** A test valid on the rows of one kind, and what it gives on every other row. */
interface Branch {
  readonly code: Cond;
  /** "exact": the test is the exact answer on every row. */
  readonly outside: boolean | "exact";
}

export class LeafBinder {
  private tagTable: Uint8Array | undefined;
  private readonly tables = new WeakMap<readonly string[], Uint8Array>();
  // Keyed by dictionary, checked against its length: a store may share one growing dictionary
  // between batches, and entries only ever get appended.
  private readonly codes = new WeakMap<
    readonly string[],
    { readonly length: number; readonly code: number }
  >();

  /** `leafValue` evaluates the leaf with its property holding a given value. */
  constructor(
    private readonly plan: LeafPlan,
    private readonly leafValue: ValueEvaluator,
  ) {}

  /** The time column, read as a datetime. */
  bindTime(batch: ColumnBatch, params: Params, exact: () => Cond): Cond {
    const form = this.plan.time;
    if (form === undefined) return exact();
    const t = `${params.ref(batch.time)}[i]`;
    const upper = `${t} ${form.hiInclusive ? "<=" : "<"} ${params.ref(form.hi)}`;
    const inside = `(${t} >= ${params.ref(form.lo)} && ${upper})`;
    return form.negated ? notCond(inside) : inside;
  }

  bind(column: PropertyColumn | undefined, batch: ColumnBatch, params: Params, exact: () => Cond): Cond {
    const tags = this.tagResults();
    if (column === undefined) return tags[Tag.Absent] === 1;
    if (this.plan.complete) return this.completeForm(column, batch, params, exact);
    const strings = column.codes === null ? undefined : this.stringBranch(column, batch, params, exact);
    const numbers = column.numbers === null ? undefined : this.numberBranch(column.numbers, params, exact);
    const others = column.others.size > 0;
    const z = tags[0];
    const uniform = tags.every((t) => t === z);
    if (uniform && !others) {
      const parts = [strings, numbers].filter((b): b is Branch => b !== undefined);
      // On rows outside its kind each part must give what the other rows give, z; then `||` (z
      // false) or `&&` (z true) of the parts is exact on every row.
      if (parts.every((p) => p.outside === "exact" || p.outside === (z === 1))) {
        const codes = parts.map((p) => p.code);
        return z === 1 ? andCond(codes) : orCond(codes);
      }
    }
    const tagRead = `${params.ref(column.tags)}[i]`;
    const cases: [number, Cond][] = [];
    if (strings !== undefined) cases.push([Tag.String, strings.code]);
    if (numbers !== undefined) cases.push([Tag.Number, numbers.code]);
    if (others) cases.push([Tag.Other, exact()]);
    if (uniform) return tagSwitch(tagRead, cases, z === 1);
    const table = params.ref(tags);
    return tagSwitch(tagRead, cases, cases.length === 0 ? `${table}[${tagRead}] === 1` : `${table}[t] === 1`);
  }

  /** A string equality or a direct numeric compare: its array alone decides every row. */
  private completeForm(column: PropertyColumn, batch: ColumnBatch, params: Params, exact: () => Cond): Cond {
    const strings = this.plan.strings;
    if (strings !== undefined) {
      return column.codes === null ? strings.negated : this.stringBranch(column, batch, params, exact).code;
    }
    const numbers = this.plan.numbers;
    const none = numbers?.kind === "compare" && numbers.op === "!==";
    return column.numbers === null ? none : this.numberBranch(column.numbers, params, exact).code;
  }

  /** The leaf on absent, null, false and true rows, indexed by tag. */
  private tagResults(): Uint8Array {
    if (this.tagTable === undefined) {
      const values: Value[] = [undefined, null, false, true];
      this.tagTable = Uint8Array.from(values, (v) => (this.leafValue(v) === true ? 1 : 0));
    }
    return this.tagTable;
  }

  private stringBranch(
    column: PropertyColumn,
    batch: ColumnBatch,
    params: Params,
    exact: () => Cond,
  ): Branch {
    const dictionary = column.dictionary;
    const form = this.plan.strings;
    if (form !== undefined) {
      const code = this.codeOf(dictionary, form.literal);
      if (code < 0) return { code: form.negated, outside: form.negated };
      const compare = `${params.ref(column.codes)}[i] ${form.negated ? "!==" : "==="} ${params.ref(code)}`;
      return { code: compare, outside: form.negated };
    }
    if (dictionary.length > batch.length * 4 + TABLE_SLACK) return { code: exact(), outside: "exact" };
    const table = this.tableOf(dictionary);
    const first = table[1];
    if (table.every((x, i) => i === 0 || x === first)) return { code: first === 1, outside: first === 1 };
    const lookup = `${params.ref(table)}[${params.ref(column.codes)}[i] + 1] === 1`;
    return { code: lookup, outside: table[0] === 1 };
  }

  private numberBranch(numbers: Float64Array, params: Params, exact: () => Cond): Branch {
    const form = this.plan.numbers;
    if (form === undefined || (form.kind === "set" && form.set.has(Number.NaN))) {
      return { code: exact(), outside: "exact" };
    }
    const n = `${params.ref(numbers)}[i]`;
    if (form.kind === "compare") {
      // NaN (a row without a number) compares false, and unequal.
      return { code: `${n} ${form.op} ${params.ref(form.value)}`, outside: form.op === "!==" };
    }
    if (form.set.size === 0) return { code: form.negated, outside: form.negated };
    const has = `${params.ref(form.set)}.has(${n})`;
    return { code: form.negated ? notCond(has) : has, outside: form.negated };
  }

  private codeOf(dictionary: readonly string[], literal: string): number {
    const known = this.codes.get(dictionary);
    if (known !== undefined && (known.code >= 0 || known.length === dictionary.length)) return known.code;
    const code = dictionary.indexOf(literal);
    this.codes.set(dictionary, { length: dictionary.length, code });
    return code;
  }

  /** Entry 0 is for rows without a string (code -1); entry c + 1 for dictionary code c. */
  private tableOf(dictionary: readonly string[]): Uint8Array {
    let table = this.tables.get(dictionary);
    if (table === undefined || table.length !== dictionary.length + 1) {
      table = new Uint8Array(dictionary.length + 1);
      table[0] = this.tagResults()[Tag.Absent];
      for (let c = 0; c < dictionary.length; c++)
        table[c + 1] = this.leafValue(dictionary[c]) === true ? 1 : 0;
      this.tables.set(dictionary, table);
    }
    return table;
  }
}

/**
 * `((t = tags[i]) === A ? a : t === B ? b : rest)`: dispatch on the row's kind. `rest` covers the
 * other kinds and may read the tag as `t` once a case has assigned it.
 */
function tagSwitch(tagRead: string, cases: readonly [number, Cond][], rest: Cond): Cond {
  if (cases.length === 0) return typeof rest === "boolean" ? rest : `(${rest})`;
  let code = String(rest);
  for (let k = cases.length - 1; k >= 0; k--) {
    const [tag, cond] = cases[k];
    const test = k === 0 ? `(t = ${tagRead}) === ${tag}` : `t === ${tag}`;
    code = `${test} ? ${String(cond)} : ${code}`;
  }
  return `(${code})`;
}
