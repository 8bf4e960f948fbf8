// Turns a tree into JavaScript statements that compute its exact value, one runtime call per
// operator. The code is flat on purpose: every intermediate value goes to a temporary `r<depth>`
// statement by statement, so a 32,000-long chain `1+1+…+1` becomes 32,000 short statements (which V8
// parses without trouble) rather than 32,000 nested calls (which overflow its parser). Long
// `and`/`or` chains become a run of `if (…) break` inside one labelled block, for the same reason.
//
// Nothing from the expression is written into the source: literals are `K[n]`, property reads are
// the slot variables `p<n>`, names bound by any/all are `e<n>`; all identifiers are made here.

import type { BinaryOp, ExprNode, FunctionName, LogicalNode, QuantifierNode } from "../ast.js";
import type { ConstPool, SlotTable } from "./pools.js";

const BINARY_CALL: Readonly<Record<BinaryOp, string>> = {
  "+": "add",
  "-": "subtract",
  "*": "multiply",
  "/": "divide",
  "%": "remainder",
  "==": "equals",
  "!=": "!equals",
  "<": "less",
  "<=": "lessEq",
  ">": "greater",
  ">=": "greaterEq",
  in: "contains",
  "not in": "not(contains",
};

const FUNCTION_CALL: Readonly<Record<FunctionName, string>> = {
  floor: "floor",
  ceil: "ceil",
  round: "round",
  defined: "defined",
  number: "toNumber",
  string: "toStringValue",
  boolean: "toBoolean",
  datetime: "toDateTime",
  list: "toList",
  has_prefix: "hasPrefix",
  has_suffix: "hasSuffix",
  lower: "lower",
  upper: "upper",
  len: "len",
};

/** Functions whose result depends on the project's time zone: it is passed as a last argument. */
const ZONED: ReadonlySet<FunctionName> = new Set(["string", "datetime"]);

export class ValueEmitter {
  private readonly lines: string[] = [];
  private maxDepth = 0;
  private labels = 0;
  private quantifiers = 0;
  private readonly scope: { readonly name: string; readonly variable: string }[] = [];
  /** Slots the emitted code reads as `p<slot>`: the caller must define them first. */
  readonly slotsUsed = new Set<number>();

  /** Whether the code charges any/all runs to `W`, the event's quantifier budget the caller defines. */
  get usesBudget(): boolean {
    return this.quantifiers > 0;
  }

  constructor(
    private readonly consts: ConstPool,
    private readonly slots: SlotTable,
    private readonly now: number,
    private readonly timeZone: string,
  ) {}

  /** Statements leaving the value of `node` in `r0`, with the temporaries declared. */
  static body(node: ExprNode, emitter: ValueEmitter): string {
    emitter.emit(node, 0);
    const temps = Array.from({ length: emitter.maxDepth + 1 }, (_, d) => `r${d}`);
    return `let ${temps.join(", ")};\n${emitter.lines.join("\n")}`;
  }

  /** Appends statements that assign the value of `node` to `r<depth>`, using deeper temporaries. */
  emit(node: ExprNode, depth: number): void {
    if (depth > this.maxDepth) this.maxDepth = depth;
    const r = `r${depth}`;
    switch (node.kind) {
      case "literal":
        this.lines.push(`${r} = K[${this.consts.add(node.value)}];`);
        return;
      case "now":
        this.lines.push(`${r} = K[${this.consts.add(this.now)}];`);
        return;
      case "property": {
        const slot = this.slots.slotOf(node);
        this.slotsUsed.add(slot);
        this.lines.push(`${r} = p${slot};`);
        return;
      }
      case "name":
        this.lines.push(`${r} = ${this.lookup(node.name)};`);
        return;
      case "list":
        this.lines.push(`${r} = [];`);
        for (const item of node.items) {
          this.emit(item, depth + 1);
          this.lines.push(`${r}.push(r${depth + 1});`);
        }
        return;
      case "unary":
        this.emit(node.operand, depth);
        this.lines.push(`${r} = ${node.op === "-" ? "negate" : "not"}(${r});`);
        return;
      case "binary":
      case "index":
        this.emitSpine(node, depth);
        return;
      case "logical":
        this.emitLogical(node, depth);
        return;
      case "call":
        this.emitCall(node.fn, node.args, depth);
        return;
      case "quantifier":
        this.emitQuantifier(node, depth);
        return;
      case "in-set":
        this.emit(node.operand, depth);
        this.lines.push(`${r} = ${node.negated ? "!" : ""}inSetHas(K[${this.consts.add(node)}], ${r});`);
        return;
    }
  }

  /** A left-deep chain of binary operators or indexes, walked in a loop (see the file comment). */
  private emitSpine(top: ExprNode, depth: number): void {
    const spine: ExprNode[] = [];
    let node = top;
    while (node.kind === "binary" || node.kind === "index") {
      spine.push(node);
      node = node.kind === "binary" ? node.left : node.target;
    }
    this.emit(node, depth);
    const r = `r${depth}`;
    const s = `r${depth + 1}`;
    for (let i = spine.length - 1; i >= 0; i--) {
      const step = spine[i];
      if (step.kind === "binary") {
        this.emit(step.right, depth + 1);
        const call = BINARY_CALL[step.op];
        this.lines.push(`${r} = ${call}(${r}, ${s})${step.op === "not in" ? ")" : ""};`);
      } else if (step.kind === "index") {
        this.emit(step.key, depth + 1);
        this.lines.push(`${r} = index(${r}, ${s});`);
      }
    }
  }

  /** `and`: false unless every operand is true; stops at the first that is not (`or` mirrored). */
  private emitLogical(node: LogicalNode, depth: number): void {
    const r = `r${depth}`;
    const s = `r${depth + 1}`;
    const label = `L${this.labels++}`;
    const isAnd = node.op === "and";
    this.lines.push(`${r} = ${!isAnd};`, `${label}: {`);
    for (const operand of node.operands) {
      this.emit(operand, depth + 1);
      this.lines.push(`if (${s} ${isAnd ? "!==" : "==="} true) break ${label};`);
    }
    this.lines.push(`${r} = ${isAnd};`, "}");
  }

  private emitCall(fn: FunctionName, args: readonly ExprNode[], depth: number): void {
    const temps: string[] = [];
    for (let i = 0; i < args.length; i++) {
      this.emit(args[i], depth + i);
      temps.push(`r${depth + i}`);
    }
    if (ZONED.has(fn)) temps.push(`K[${this.consts.add(this.timeZone)}]`);
    this.lines.push(`r${depth} = ${FUNCTION_CALL[fn]}(${temps.join(", ")});`);
  }

  /**
   * any/all: undefined unless the list is a list; the predicate runs with the name bound, each run
   * charged to the event's budget first (undefined once it runs out, as in the interpreter).
   */
  private emitQuantifier(node: QuantifierNode, depth: number): void {
    const r = `r${depth}`;
    const s = `r${depth + 1}`;
    const q = this.quantifiers++;
    const isAny = node.op === "any";
    this.emit(node.list, depth);
    this.lines.push(
      `if (isArray(${r})) {`,
      `const a${q} = ${r};`,
      `${r} = ${!isAny};`,
      `for (let j${q} = 0; j${q} < a${q}.length; j${q}++) {`,
      `if ((W.left -= K[${this.consts.add(node.weight)}]) < 0) { W.left = 0; ${r} = undefined; break; }`,
      `const e${q} = a${q}[j${q}];`,
    );
    this.scope.push({ name: node.name, variable: `e${q}` });
    this.emit(node.predicate, depth + 1);
    this.scope.pop();
    this.lines.push(
      `if (${s} ${isAny ? "===" : "!=="} true) { ${r} = ${isAny}; break; }`,
      "}",
      `} else ${r} = undefined;`,
    );
  }

  /** The variable of the innermost any/all binding `name`; an unbound name reads undefined. */
  private lookup(name: string): string {
    for (let i = this.scope.length - 1; i >= 0; i--) {
      if (this.scope[i].name === name) return this.scope[i].variable;
    }
    return "undefined";
  }
}
