// The address ip=1 records: the peer of the socket, or — only when the server is told it sits behind
// a proxy — the first hop of X-Forwarded-For, the client as the first proxy saw it.

import { isIP } from "node:net";
import type { IngestRequest } from "./exchange.js";

export function clientAddress(req: IngestRequest, trustProxy: boolean): string | undefined {
  if (trustProxy) {
    const forwarded = firstHop(req.headers["x-forwarded-for"]);
    if (forwarded !== undefined) return forwarded;
  }
  return plainAddress(req.remoteAddress);
}

function firstHop(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  const value = Array.isArray(header) ? header[0] : header;
  const comma = value.indexOf(",");
  const hop = plainAddress((comma === -1 ? value : value.slice(0, comma)).trim());
  return hop !== undefined && isIP(hop) !== 0 ? hop : undefined;
}

/** IPv4 clients of a dual-stack socket show as ::ffff:1.2.3.4; the world knows them as 1.2.3.4. */
function plainAddress(address: string | undefined): string | undefined {
  if (address === undefined || address === "") return undefined;
  return address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
}
