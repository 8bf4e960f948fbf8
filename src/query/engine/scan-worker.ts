// The scan worker's entry: decodes one day of a cold query per message (day-decode.ts) and sends
// the entries back, their typed arrays transferred rather than copied.

import { parentPort } from "node:worker_threads";
import { type DayTask, type DecodedEntry, decodeDay } from "./day-decode.js";

export interface DayMessage {
  readonly id: number;
  readonly task: DayTask;
}

export type DayReply =
  | { readonly id: number; readonly ok: true; readonly entries: readonly DecodedEntry[] }
  | { readonly id: number; readonly ok: false; readonly message: string };

type Typed = Uint8Array | Int32Array | Uint32Array | Float64Array;

/**
 * The value with every typed array the sole view of its own buffer, so that transferring the
 * buffer moves exactly that array (a clone of a view would copy its whole buffer), and the buffers
 * to transfer. Walks the shapes the cache holds: arrays, plain objects, typed arrays.
 */
function detachable(value: unknown, transfer: Set<ArrayBuffer>): unknown {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    // The cache's columns are these kinds; others have the same `slice`.
    const typed = value as Typed;
    const whole =
      typed.buffer instanceof ArrayBuffer &&
      typed.byteOffset === 0 &&
      typed.byteLength === typed.buffer.byteLength;
    const own = whole && !transfer.has(typed.buffer as ArrayBuffer) ? typed : typed.slice();
    transfer.add(own.buffer as ArrayBuffer);
    return own;
  }
  if (Array.isArray(value)) {
    // Dictionaries (arrays of strings) are cloned as they are.
    if (value.length === 0 || typeof value[0] === "string") return value;
    return value.map((v) => detachable(v, transfer));
  }
  if (typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = detachable(v, transfer);
    return out;
  }
  return value;
}

parentPort?.on("message", ({ id, task }: DayMessage) => {
  let reply: DayReply;
  const transfer = new Set<ArrayBuffer>();
  try {
    const entries = decodeDay(task).map(
      ([key, value, bytes]): DecodedEntry => [key, detachable(value, transfer), bytes],
    );
    reply = { id, ok: true, entries };
  } catch (error) {
    transfer.clear();
    reply = { id, ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  parentPort?.postMessage(reply, [...transfer]);
});
