// A seal's segment columns. The heads of a write buffer's records are read and sorted first; then
// each event is parsed in segment order and its values go straight into dense columns, so nothing
// is gathered through a permutation afterwards and every dictionary comes out in order of first use.
// Hot path (sealing, in the worker): per property one Map lookup in a trie of key orders and one
// write into its column; per row no allocation but the parse.

import type { Value } from "../expr/value.js";
import { KeyOrderTable } from "./key-order-table.js";
import { sortRows } from "./row-order.js";
import type { OrderedStrings, SegmentColumns, VariantData } from "./segment-columns.js";
import { SYSTEM_KEYS } from "./stored-event.js";
import { DistinctTextWriter, OrderedCoder, VariantWriter } from "./variant-writer.js";
import { WalHeads } from "./wal-heads.js";

/**
 * A node of the trie of property names in sent order: rows of one kind walk one path, so the key
 * order of a row and the column of each of its properties are found without building a key.
 */
class KeyNode {
  readonly next = new Map<string, KeyNode>();
  /** The child a row took last: rows of one kind take it again, found by a compare, not a lookup. */
  last: KeyNode | null = null;
  /** The key order of rows whose names end here; -1 until a row does. */
  order = -1;

  constructor(
    readonly parent: KeyNode | null,
    readonly name: string,
    /** Null for a system key, which is not a property. */
    readonly writer: VariantWriter | null,
  ) {}
}

/** The property names on the path to `node`, system keys left out. */
function namesTo(node: KeyNode): string[] {
  const names: string[] = [];
  for (let n: KeyNode | null = node; n !== null && n.parent !== null; n = n.parent) {
    if (n.writer !== null) names.push(n.name);
  }
  return names.reverse();
}

export class SealColumns implements SegmentColumns {
  readonly time: Float64Array;
  readonly offset: Float64Array;
  readonly event: OrderedCoder;
  readonly distinctId: OrderedCoder;
  private readonly insertIds: DistinctTextWriter;
  private readonly originals: VariantWriter;
  private readonly orderCodes: Float64Array;
  private readonly orders = new KeyOrderTable();
  private readonly root = new KeyNode(null, "", null);
  private readonly writers = new Map<string, VariantWriter>();

  /** The rows of a buffer's payloads (`rows` of them), in segment order. */
  constructor(
    payloads: readonly Buffer[],
    readonly rows: number,
  ) {
    this.time = new Float64Array(rows);
    this.offset = new Float64Array(rows);
    this.event = new OrderedCoder(rows);
    this.distinctId = new OrderedCoder(rows);
    this.insertIds = new DistinctTextWriter(rows);
    this.originals = new VariantWriter(rows);
    this.orderCodes = new Float64Array(rows);
    const heads = new WalHeads(payloads, rows);
    const order = sortRows([heads]).row;
    for (let j = 0; j < rows; j++) this.add(j, heads, order[j]);
  }

  /** Row i of the buffer becomes row j of the segment. */
  private add(j: number, heads: WalHeads, i: number): void {
    this.time[j] = heads.time[i];
    this.offset[j] = heads.offsets[i];
    this.distinctId.add(heads.distinctIds.dictionary[heads.distinctIds.codes[i]]);
    const original = heads.originalDistinctIds.codes[i];
    this.originals.setText(j, original < 0 ? null : heads.originalDistinctIds.dictionary[original]);
    const event = heads.event(i);
    this.event.add(event.name);
    this.insertIds.setText(j, event.insertId);
    let node = this.root;
    // An object from JSON.parse: for-in yields its own keys, in order, without making a list of them
    // (Object.prototype has no enumerable keys).
    for (const key in event.properties) {
      // Keys from JSON.parse are internalised: the compare is of two pointers.
      let child = node.last;
      if (child === null || child.name !== key) {
        child = node.next.get(key) ?? this.grow(node, key);
        node.last = child;
      }
      child.writer?.set(j, event.properties[key] as Value);
      node = child;
    }
    if (node.order < 0) node.order = this.orders.code(namesTo(node));
    this.orderCodes[j] = node.order;
  }

  private grow(node: KeyNode, name: string): KeyNode {
    let writer: VariantWriter | null = null;
    if (!SYSTEM_KEYS.has(name)) {
      writer = this.writers.get(name) ?? new VariantWriter(this.rows);
      this.writers.set(name, writer);
    }
    const child = new KeyNode(node, name, writer);
    node.next.set(name, child);
    return child;
  }

  get insertId(): VariantData {
    return this.insertIds.finish();
  }

  get originalDistinctId(): VariantData {
    return this.originals.finish();
  }

  propertyNames(): readonly string[] {
    return Array.from(this.writers.keys());
  }

  keyOrder(indexOf: ReadonlyMap<string, number>): OrderedStrings {
    const dictionary = this.orders.orders.map((names) => names.map((n) => indexOf.get(n)).join(","));
    return { codes: this.orderCodes, dictionary };
  }

  property(name: string): VariantData {
    const writer = this.writers.get(name);
    if (writer === undefined) throw new Error(`no row of the seal has property ${JSON.stringify(name)}`);
    return writer.finish();
  }
}
