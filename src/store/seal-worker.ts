// The sealing worker's entry: builds segment files off the main thread, so appends (and the
// processor behind them) keep their core while a buffer is sealed or a day compacted.

import { parentPort } from "node:worker_threads";
import { type BuiltSegment, mergeSegments, type SegmentInput, sealPayloads } from "./segment-build.js";

export type BuildTask =
  | {
      readonly id: number;
      readonly kind: "seal";
      readonly path: string;
      /** Views of SharedArrayBuffers (see encodeWalRecords): shared with the main thread, not copied. */
      readonly payloads: readonly Uint8Array[];
      readonly rows: number;
    }
  | {
      readonly id: number;
      readonly kind: "merge";
      readonly path: string;
      readonly inputs: readonly SegmentInput[];
    };

export type BuildReply =
  | { readonly id: number; readonly ok: true; readonly built: BuiltSegment }
  | { readonly id: number; readonly ok: false; readonly message: string; readonly code?: string };

async function run(task: BuildTask): Promise<BuiltSegment> {
  if (task.kind === "seal") return sealPayloads(task.path, task.payloads, task.rows);
  return mergeSegments(task.path, task.inputs);
}

parentPort?.on("message", (task: BuildTask) => {
  run(task).then(
    (built) => parentPort?.postMessage({ id: task.id, ok: true, built } satisfies BuildReply),
    (error: unknown) => {
      const e = error as { message?: string; code?: unknown };
      const reply: BuildReply = {
        id: task.id,
        ok: false,
        message: e.message ?? String(error),
        ...(typeof e.code === "string" ? { code: e.code } : {}),
      };
      parentPort?.postMessage(reply);
    },
  );
});
