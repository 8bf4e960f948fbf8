// What the server tests share: a fresh data directory per test, a plain HTTP client that shows the
// reply as sent, and a reader that takes every record out of a stopped server's queue.

import { mkdtemp, rm } from "node:fs/promises";
import { type Agent, type OutgoingHttpHeaders, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { decodeEnvelope, type Envelope } from "../../src/queue/envelope.js";
import { openLog } from "../../src/queue/log.js";
import type { QueueRecord } from "../../src/queue/queue.js";
import { endChildren } from "./tally-process.js";

export async function tempDataDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "tally-server-"));
  t.after(async () => {
    await endChildren(t);
    await rm(dir, { recursive: true, force: true });
  });
  return dir;
}

export interface HttpOptions {
  readonly method?: string;
  readonly headers?: OutgoingHttpHeaders;
  readonly body?: string | Buffer;
  /** A keep-alive agent to reuse connections; by default every request has its own. */
  readonly agent?: Agent;
}

export interface HttpReply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
}

export function httpRequest(port: number, path: string, options: HttpOptions = {}): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path,
        method: options.method ?? "GET",
        headers: options.headers,
        agent: options.agent ?? false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

export function base64Json(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64");
}

export function basicAuth(user: string, password = ""): string {
  return "Basic " + Buffer.from(`${user}:${password}`).toString("base64");
}

export interface QueueContents {
  readonly records: QueueRecord[];
  readonly envelopes: Envelope[];
}

/**
 * Opens the queue of a data directory whose server has stopped and reads every record through a
 * consumer. A record that does not decode fails the read with the offset it sits at.
 */
export async function readQueue(dataDir: string): Promise<QueueContents> {
  const log = await openLog({ dir: join(dataDir, "queue") });
  try {
    const consumer = await log.consumer("test-reader");
    const records: QueueRecord[] = [];
    for (let batch = await consumer.read(); batch.length > 0; batch = await consumer.read()) {
      records.push(...batch);
    }
    const envelopes = records.map((record) => {
      try {
        return decodeEnvelope(record.payload);
      } catch (error) {
        throw new Error(`the record at offset ${record.offset} does not decode: ${String(error)}`);
      }
    });
    return { records, envelopes };
  } finally {
    await log.close();
  }
}
