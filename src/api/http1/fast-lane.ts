// The server's own HTTP/1.1 lane for the ingestion hot path. node:http builds an IncomingMessage,
// a ServerResponse and their streams for every request; for a one-event /track that machinery costs
// about as much as everything ingestion itself does. This lane reads plain requests straight from
// the socket (request-head.ts), answers them in order on the same connection, and hands any
// connection it meets something else on (another path, chunked bodies, Expect, a head split over
// many packets, a malformed byte) to node:http for good, bytes and all, once its own replies are
// written: node:http stays the one that decides every unusual case, and answers it as before.

import {
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
  Server,
  type ServerOptions,
  STATUS_CODES,
} from "node:http";
import type { Socket } from "node:net";
import { type HeadParse, INCOMPLETE, OTHER, parseRequestHead, type RequestHead } from "./request-head.js";

/** A request the lane took, and its reply: what the ingestion handler is given. */
export interface LaneExchange {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly remoteAddress: string | undefined;
  readonly complete: true;
  readonly finished: boolean;
  body(maxBytes: number): Promise<Buffer>;
  readonly wholeBody: Buffer;
  discardBody(): void;
  send(status: number, headers: OutgoingHttpHeaders, body: string | Buffer): void;
  destroy(): void;
}

export interface FastLane {
  /** Whether the lane answers this method and target; every other request goes to node:http. */
  claims(method: "GET" | "POST", url: string): boolean;
  /** Answers a claimed request, now or later, through the exchange. */
  answer(exchange: LaneExchange): void;
  /** Bodies the lane buffers whole; a longer one goes to node:http, which streams it. */
  readonly maxBodyBytes: number;
  /**
   * Bytes of bodies still arriving, shared with whoever reads node:http's: the lane reserves what
   * it holds of a request whose body has not all arrived, and when there is no room hands the
   * connection to node:http, whose reader refuses it.
   */
  readonly arriving?: ArrivingBudget;
}

export interface ArrivingBudget {
  /** Reserves `bytes`; false, reserving nothing, when there is no room. */
  take(bytes: number): boolean;
  give(bytes: number): void;
}

/** node:http's own default for `maxHeaderSize`. */
const NODE_MAX_HEADER_BYTES = 16 * 1024;

/**
 * Replies owed on one connection past which the lane stops reading it. A bound on what is read,
 * not on what is taken: every whole request in the packets already read is taken (one 64 KiB read
 * of tiny pipelined requests can hold a couple of thousand), as node:http takes them too.
 */
const MAX_PIPELINED = 32;
/** Packets one request head may arrive in before the connection goes to node:http's parser. */
const MAX_HEAD_PACKETS = 8;
/** How often timeouts are checked; node:http checks its own as coarsely. */
const CHECK_EVERY_MS = 1000;

/**
 * node:http's server with the lane in front: every connection starts in the lane. Listening,
 * closing and timeouts (keepAliveTimeout, headersTimeout, requestTimeout) work as on any
 * http.Server, for the lane's connections too.
 */
export class FastLaneServer extends Server {
  readonly #lane: FastLane;
  readonly #maxHeadBytes: number;
  readonly #nodeConnection: (socket: Socket) => void;
  readonly #connections = new Set<LaneConnection>();
  #timer: NodeJS.Timeout | undefined;
  #closing = false;
  #date = "";
  #dateSecond = -1;

  constructor(options: ServerOptions, lane: FastLane, listener: ConstructorParameters<typeof Server>[1]) {
    super(options, listener);
    this.#lane = lane;
    this.#maxHeadBytes = options.maxHeaderSize ?? NODE_MAX_HEADER_BYTES;
    // http.Server reads every connection through this listener; the lane calls it on hand-over.
    const [nodeConnection] = this.listeners("connection") as ((socket: Socket) => void)[];
    this.removeListener("connection", nodeConnection);
    this.#nodeConnection = nodeConnection;
    this.on("connection", (socket: Socket) => this.#accept(socket));
  }

  override close(callback?: (error?: Error) => void): this {
    this.#closing = true;
    return super.close(callback);
  }

  override closeIdleConnections(): void {
    super.closeIdleConnections();
    for (const connection of this.#connections) connection.closeIfIdle();
  }

  override closeAllConnections(): void {
    super.closeAllConnections();
    for (const connection of this.#connections) connection.socket.destroy();
  }

  /** @internal for LaneConnection */
  get lane(): FastLane {
    return this.#lane;
  }

  /** @internal A head longer than this is node:http's to refuse (431). */
  get maxHeadBytes(): number {
    return this.#maxHeadBytes;
  }

  /** @internal The server is closing: replies say `Connection: close`. */
  get closing(): boolean {
    return this.#closing;
  }

  /** @internal The Date header, made once a second. */
  date(): string {
    const now = Date.now();
    const second = Math.floor(now / 1000);
    if (second !== this.#dateSecond) {
      this.#dateSecond = second;
      this.#date = new Date(now).toUTCString();
    }
    return this.#date;
  }

  /** @internal */
  handOver(connection: LaneConnection, rest: Buffer | undefined): void {
    this.forget(connection);
    const { socket } = connection;
    if (rest !== undefined && rest.length > 0) socket.unshift(rest);
    this.#nodeConnection.call(this, socket);
    // The lane paused the socket; a paused stream stays paused when node:http adds its listeners.
    socket.resume();
  }

  #accept(socket: Socket): void {
    this.#connections.add(new LaneConnection(this, socket));
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => this.#checkTimeouts(), CHECK_EVERY_MS);
      this.#timer.unref();
    }
  }

  /** @internal The connection closed or left the lane. */
  forget(connection: LaneConnection): void {
    this.#connections.delete(connection);
    if (this.#connections.size === 0 && this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  #checkTimeouts(): void {
    const now = performance.now();
    for (const connection of this.#connections) {
      connection.checkTimeouts(now, {
        keepAliveMs: this.keepAliveTimeout,
        headersMs: this.headersTimeout,
        requestMs: this.requestTimeout,
      });
    }
  }
}

interface Timeouts {
  readonly keepAliveMs: number;
  readonly headersMs: number;
  readonly requestMs: number;
}

/** One connection while the lane reads it. */
class LaneConnection {
  /** Bytes received and not yet a whole request. */
  #chunks: Buffer[] = [];
  #buffered = 0;
  /** Packets since the last whole request: a head spread over too many goes to node:http. */
  #packets = 0;
  /** The head of the request whose body is still arriving. */
  #head: RequestHead | undefined;
  /** Bytes of that request reserved in the lane's ArrivingBudget. */
  #reserved = 0;
  /** Requests taken, oldest first, until their replies are written. */
  readonly #replies: Exchange[] = [];
  /** When the request being received began, or when the connection last went idle. */
  #since = performance.now();
  /** No further request is read: the last one asked to close, or the lane gives up the socket. */
  #stopped = false;
  /** The bytes to give node:http once the replies before them are written. */
  #handOverRest: Buffer | undefined;
  #handingOver = false;
  /** The client sent FIN: answer what was asked, then end. */
  #ended = false;
  /** The socket's write buffer is full: nothing more is read until it drains. */
  #writeBlocked = false;
  readonly #onData = (chunk: Buffer) => this.#receive(chunk);
  readonly #onEnd = () => this.#clientEnded();
  readonly #onError = () => this.socket.destroy();
  readonly #onClose = () => {
    this.#release();
    this.server.forget(this);
  };
  readonly #onDrain = () => {
    this.#writeBlocked = false;
    // The keep-alive clock starts once the last reply has left, as node:http's does; a request
    // already arriving keeps its own clock.
    if (this.idle) this.#since = performance.now();
    this.#resumeIfRoom();
  };

  constructor(
    readonly server: FastLaneServer,
    readonly socket: Socket,
  ) {
    socket.on("data", this.#onData);
    socket.on("end", this.#onEnd);
    socket.on("error", this.#onError);
    socket.on("close", this.#onClose);
    socket.on("drain", this.#onDrain);
  }

  /** Nothing received and nothing to answer (a reply may still be being written: see closeIfIdle). */
  get idle(): boolean {
    return this.#replies.length === 0 && this.#buffered === 0;
  }

  /**
   * For closeIdleConnections: an idle connection goes at once, unless a reply is still being
   * written, which then ends it once written (a client that never reads it meets the write clock).
   */
  closeIfIdle(): void {
    if (!this.idle) return;
    if (this.socket.writableLength === 0) this.socket.destroy();
    else {
      this.#stop();
      this.socket.end();
    }
  }

  /**
   * The keep-alive clock runs from when the last reply has left (each drain restarts it), and a
   * reply the client stops reading has the request clock, so a client that never reads cannot hold
   * its connection for ever.
   */
  checkTimeouts(now: number, timeouts: Timeouts): void {
    if (this.#handingOver || this.socket.destroyed) return;
    const waited = now - this.#since;
    if (this.#buffered > 0) {
      const limit = this.#head === undefined ? timeouts.headersMs : timeouts.requestMs;
      if (limit > 0 && waited > limit) this.#timeOut();
    } else if (this.#replies.length === 0) {
      const limit = this.socket.writableLength > 0 ? timeouts.requestMs : timeouts.keepAliveMs;
      if (limit > 0 && waited > limit) this.socket.destroy();
    }
  }

  /**
   * Whether `exchange` is the last reply this connection owes, with no request on its way after it.
   * While the server closes, that one says `Connection: close`, and every reply before it is still
   * written.
   */
  isLastOwed(exchange: Exchange): boolean {
    return !this.#handingOver && this.#buffered === 0 && this.#replies[this.#replies.length - 1] === exchange;
  }

  /** A reply that closes the connection was made: no request after it may be taken and run. */
  stopTaking(): void {
    this.#stop();
  }

  /** A reply is ready: write every reply that is next in line. */
  flush(): void {
    const replies = this.#replies;
    while (replies.length > 0 && replies[0].out !== undefined) {
      const reply = replies.shift() as Exchange;
      // Nothing follows a closing reply (no request is taken once one is made); kept as a guard.
      if (this.socket.destroyed || this.socket.writableEnded) continue;
      const room = this.socket.write(reply.out as string | Buffer);
      if (!reply.keepAlive) {
        this.#stop();
        this.socket.end();
      } else if (!room) {
        this.#writeBlocked = true;
        this.socket.pause();
      }
    }
    if (replies.length === 0) this.#since = performance.now();
    this.#afterReplies();
  }

  #receive(chunk: Buffer): void {
    // An empty chunk would break #discard's rule: no bytes buffered, no chunks kept.
    if (this.#stopped || chunk.length === 0) return;
    if (this.#buffered === 0) this.#since = performance.now();
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    this.#packets++;
    if (this.#head !== undefined && this.#buffered < this.#head.headBytes + this.#head.contentLength) {
      this.#holdPartial();
      return;
    }
    const bytes = this.#chunks.length === 1 ? chunk : Buffer.concat(this.#chunks, this.#buffered);
    this.#read(bytes);
  }

  /** Takes every whole request in `bytes`; keeps what is left for the next packet. */
  #read(bytes: Buffer): void {
    let at = 0;
    while (at < bytes.length && !this.#stopped) {
      const rest = at === 0 ? bytes : bytes.subarray(at);
      const head = this.#head ?? this.#headOf(rest);
      if (head === INCOMPLETE) break;
      if (head === OTHER) {
        this.#handOver(rest);
        return;
      }
      const size = head.headBytes + head.contentLength;
      if (rest.length < size) {
        this.#head = head;
        break;
      }
      this.#head = undefined;
      this.#take(head, rest.subarray(head.headBytes, size));
      at += size;
    }
    if (at === bytes.length) this.#discard();
    else {
      this.#keep(at === 0 ? bytes : bytes.subarray(at));
      if (this.#head !== undefined) this.#holdPartial();
    }
  }

  /**
   * Reserves what the lane holds of a request whose body is still arriving; with no room in the
   * budget, node:http gets the connection and the bytes, and refuses the request (503).
   */
  #holdPartial(): void {
    const budget = this.server.lane.arriving;
    const more = this.#buffered - this.#reserved;
    if (budget === undefined || more <= 0) return;
    if (budget.take(more)) {
      this.#reserved += more;
      return;
    }
    const held = this.#chunks.length === 1 ? this.#chunks[0] : Buffer.concat(this.#chunks, this.#buffered);
    this.#handOver(held);
  }

  #release(): void {
    if (this.#reserved === 0) return;
    this.server.lane.arriving?.give(this.#reserved);
    this.#reserved = 0;
  }

  #headOf(bytes: Buffer): HeadParse {
    const head = parseRequestHead(bytes, this.server.maxHeadBytes);
    if (head === INCOMPLETE) return this.#packets > MAX_HEAD_PACKETS ? OTHER : INCOMPLETE;
    if (head === OTHER) return OTHER;
    const { lane } = this.server;
    if (head.contentLength > lane.maxBodyBytes || !lane.claims(head.method, head.url)) return OTHER;
    return head;
  }

  /**
   * Keeps the start of a request that has not all arrived; a small rest is copied, so that it does
   * not hold the whole buffer it came in (up to a body's size) for as long as the next one takes.
   */
  #keep(rest: Buffer): void {
    this.#release();
    this.#chunks = [rest.length * 2 < rest.buffer.byteLength ? Buffer.from(rest) : rest];
    this.#buffered = rest.length;
  }

  /** Drops every byte received and not yet a request, and the head waiting for its body. */
  #discard(): void {
    this.#release();
    if (this.#buffered > 0) this.#chunks = [];
    this.#buffered = 0;
    this.#head = undefined;
  }

  #take(head: RequestHead, body: Buffer): void {
    this.#packets = 0;
    const exchange = new Exchange(this, head, body, head.keepAlive);
    this.#replies.push(exchange);
    if (!exchange.keepAlive) this.#stop();
    else if (this.#replies.length >= MAX_PIPELINED) this.socket.pause();
    this.server.lane.answer(exchange);
  }

  #resumeIfRoom(): void {
    if (!this.#stopped && !this.#writeBlocked && this.#replies.length < MAX_PIPELINED) this.socket.resume();
  }

  #afterReplies(): void {
    if (this.#replies.length > 0) return;
    if (this.#handingOver) this.#finishHandOver();
    // The server is closing, every reply owed is written and no request is on its way: it ends here,
    // and nothing that arrives after is taken (its reply could not be written).
    else if (this.#ended || (this.server.closing && this.#buffered === 0)) {
      this.#stop();
      this.socket.end();
    } else this.#resumeIfRoom();
  }

  /** Stops reading; node:http gets the socket and `rest` once every reply before it is written. */
  #handOver(rest: Buffer): void {
    this.#handingOver = true;
    this.#handOverRest = Buffer.from(rest);
    this.#stop();
    this.#discard();
    if (this.#replies.length === 0) this.#finishHandOver();
  }

  #finishHandOver(): void {
    const { socket } = this;
    socket.off("data", this.#onData);
    socket.off("end", this.#onEnd);
    socket.off("error", this.#onError);
    socket.off("close", this.#onClose);
    socket.off("drain", this.#onDrain);
    // A socket a closing reply ended must not run another request on node:http: nothing could answer it.
    if (socket.destroyed || socket.writableEnded) {
      socket.destroy();
      this.server.forget(this);
      return;
    }
    this.server.handOver(this, this.#handOverRest);
    this.#handOverRest = undefined;
  }

  #stop(): void {
    this.#stopped = true;
    this.socket.pause();
  }

  #clientEnded(): void {
    this.#ended = true;
    // A request cut short by the FIN will never complete.
    this.#discard();
    if (this.#replies.length === 0 && !this.#handingOver) this.socket.end();
  }

  /**
   * A request that does not arrive in time gets 408 and the connection closes, as node:http does it:
   * through the server's clientError listeners when it has any, so both transports answer alike.
   */
  #timeOut(): void {
    this.#stop();
    this.#discard();
    if (this.#replies.length > 0) {
      this.#ended = true;
      return;
    }
    if (this.server.listenerCount("clientError") > 0) {
      const error = Object.assign(new Error("the request did not arrive in time"), {
        code: "ERR_HTTP_REQUEST_TIMEOUT",
      });
      this.server.emit("clientError", error, this.socket);
      return;
    }
    this.socket.end("HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
  }
}

/**
 * A header value this lane will not send: controls (CR, LF: a split reply) and, since the reply goes
 * out as UTF-8, anything beyond ASCII. Tally's replies only echo header values the lane read as ASCII.
 */
const UNSAFE_VALUE = /[^\t\x20-\x7e]/;

/** The lines of a frozen headers object, a constant of the caller's: rendered and checked once. */
const RENDERED = new WeakMap<OutgoingHttpHeaders, string>();

/** `name: value` lines of the headers the caller set; Connection and Content-Length are the lane's. */
function headerLines(headers: OutgoingHttpHeaders): string {
  const rendered = RENDERED.get(headers);
  if (rendered !== undefined) return rendered;
  let lines = "";
  for (const name in headers) {
    const value = headers[name];
    const lower = name.toLowerCase();
    if (value === undefined || lower === "connection" || lower === "content-length") continue;
    const text = String(value);
    if (UNSAFE_VALUE.test(text)) throw new Error(`the reply header ${name} holds a character HTTP forbids`);
    lines += `${name}: ${text}\r\n`;
  }
  if (Object.isFrozen(headers)) RENDERED.set(headers, lines);
  return lines;
}

class Exchange implements LaneExchange {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly complete = true;
  /** The whole reply, once sent. */
  out: string | Buffer | undefined;

  constructor(
    private readonly connection: LaneConnection,
    head: RequestHead,
    private readonly bytes: Buffer,
    /** The connection stays open after this reply. */
    public keepAlive: boolean,
  ) {
    this.method = head.method;
    this.url = head.url;
    this.headers = head.headers;
  }

  get remoteAddress(): string | undefined {
    return this.connection.socket.remoteAddress;
  }

  get finished(): boolean {
    return this.out !== undefined || this.connection.socket.destroyed;
  }

  body(): Promise<Buffer> {
    // The lane took the request only with its whole body; its reader holds it to its own limit.
    return Promise.resolve(this.bytes);
  }

  get wholeBody(): Buffer {
    return this.bytes;
  }

  discardBody(): void {
    // Nothing is left to read: the lane takes a request only once all of it has arrived.
  }

  send(status: number, headers: OutgoingHttpHeaders, body: string | Buffer): void {
    if (this.out !== undefined) throw new Error("the reply was already sent");
    const length = typeof body === "string" ? Buffer.byteLength(body) : body.length;
    const head = this.#head(status, headers, length);
    this.out = typeof body === "string" ? head + body : Buffer.concat([Buffer.from(head, "latin1"), body]);
    this.connection.flush();
  }

  destroy(): void {
    this.connection.socket.destroy();
  }

  #head(status: number, headers: OutgoingHttpHeaders, length: number): string {
    const close =
      !this.keepAlive ||
      headers.Connection === "close" ||
      headers.connection === "close" ||
      (this.connection.server.closing && this.connection.isLastOwed(this));
    if (close) {
      this.keepAlive = false;
      this.connection.stopTaking();
    }
    return (
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Unknown"}\r\n` +
      headerLines(headers) +
      `Content-Length: ${length}\r\nDate: ${this.connection.server.date()}\r\n` +
      (close
        ? "Connection: close\r\n\r\n"
        : `Connection: keep-alive\r\nKeep-Alive: timeout=${this.#keepAliveSeconds()}\r\n\r\n`)
    );
  }

  #keepAliveSeconds(): number {
    return Math.floor(this.connection.server.keepAliveTimeout / 1000);
  }
}
