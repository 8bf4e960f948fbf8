// The two tables one compilation shares between all the functions it generates: constants (passed to
// generated code as the array `K`, so no value from the expression is ever spelled in source) and
// property slots (each distinct property read gets one number, bound once per segment).

import type { PropertyNode, PropertySource } from "../ast.js";

export class ConstPool {
  readonly values: unknown[] = [];

  /** The index under which generated code reads `value` as `K[index]`. */
  add(value: unknown): number {
    this.values.push(value);
    return this.values.length - 1;
  }
}

export interface Slot {
  readonly source: PropertySource;
  readonly name: string;
  /** `properties["time"]`: read from the batch's time column as a datetime. */
  readonly isTime: boolean;
}

export class SlotTable {
  readonly slots: Slot[] = [];
  private readonly bySource = { properties: new Map<string, number>(), user: new Map<string, number>() };

  slotOf(node: PropertyNode): number {
    const known = this.bySource[node.source];
    let slot = known.get(node.name);
    if (slot === undefined) {
      slot = this.slots.length;
      this.slots.push({
        source: node.source,
        name: node.name,
        isTime: node.source === "properties" && node.name === "time",
      });
      known.set(node.name, slot);
    }
    return slot;
  }
}
