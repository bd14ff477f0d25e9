/**
 * Sends an HTTP/1.1 request byte for byte (no URL normalisation), as an
 * attacker would, and reads the status and body.
 *
 * @module
 */

/** Status and body of a raw response. */
export interface RawResponse {
  status: number;
  body: string;
}

/**
 * Sends `GET <target>` with the given `Host` header to `port`.
 *
 * @example
 * ```ts
 * const res = await rawGet(8000, "/../secret.txt");
 * ```
 */
export async function rawGet(
  port: number,
  target: string,
  host = `127.0.0.1:${port}`,
): Promise<RawResponse> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(
      new TextEncoder().encode(
        `GET ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\nAccept: */*\r\n\r\n`,
      ),
    );
    const chunks: Uint8Array[] = [];
    const buf = new Uint8Array(65536);
    for (;;) {
      const n = await conn.read(buf);
      if (n === null) break;
      chunks.push(buf.slice(0, n));
    }
    const text = new TextDecoder().decode(
      new Uint8Array(chunks.flatMap((c) => [...c])),
    );
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
    const body = text.slice(text.indexOf("\r\n\r\n") + 4);
    return { status, body };
  } finally {
    try {
      conn.close();
    } catch { /* closed by the server */ }
  }
}

function indexOfBytes(haystack: Uint8Array, needle: Uint8Array, from = 0) {
  outer: for (let i = from; i <= haystack.length - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) {
      if (haystack[i + j] !== needle[j]) continue outer;
    }
    return i;
  }
  return -1;
}

const HEADER_END = new TextEncoder().encode("\r\n\r\n");
const CRLF = new TextEncoder().encode("\r\n");

/**
 * A kept-alive raw HTTP/1.1 connection: requests go out byte for byte, one
 * at a time, and each response is read by its `Content-Length` or chunks.
 * Many raw requests then cost no connection setup each.
 *
 * @example
 * ```ts
 * await using conn = await RawHttpConnection.open(8000);
 * const res = await conn.get("/%2eenv?raw");
 * ```
 */
export class RawHttpConnection implements AsyncDisposable {
  #conn: Deno.TcpConn;
  #host: string;
  #buffer = new Uint8Array(0);
  #closed = false;

  private constructor(conn: Deno.TcpConn, host: string) {
    this.#conn = conn;
    this.#host = host;
  }

  /** Connects to `127.0.0.1:port`. */
  static async open(port: number, host = `127.0.0.1:${port}`) {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    return new RawHttpConnection(conn, host);
  }

  /** False once the server closed the connection. */
  get open(): boolean {
    return !this.#closed;
  }

  async #fill(): Promise<boolean> {
    const chunk = new Uint8Array(65536);
    const n = await this.#conn.read(chunk);
    if (n === null) {
      this.#closed = true;
      return false;
    }
    const next = new Uint8Array(this.#buffer.length + n);
    next.set(this.#buffer);
    next.set(chunk.subarray(0, n), this.#buffer.length);
    this.#buffer = next;
    return true;
  }

  async #take(length: number): Promise<Uint8Array> {
    while (this.#buffer.length < length) {
      if (!await this.#fill()) break;
    }
    const out = this.#buffer.slice(0, length);
    this.#buffer = this.#buffer.slice(length);
    return out;
  }

  async #line(): Promise<string> {
    let at = indexOfBytes(this.#buffer, CRLF);
    while (at < 0) {
      if (!await this.#fill()) return "";
      at = indexOfBytes(this.#buffer, CRLF);
    }
    const line = new TextDecoder().decode(this.#buffer.subarray(0, at));
    this.#buffer = this.#buffer.slice(at + 2);
    return line;
  }

  /** Sends `GET <target>` and reads the whole response (status 0: none). */
  async get(target: string): Promise<RawResponse> {
    if (this.#closed) return { status: 0, body: "" };
    await this.#conn.write(
      new TextEncoder().encode(
        `GET ${target} HTTP/1.1\r\nHost: ${this.#host}\r\nAccept: */*\r\n\r\n`,
      ),
    );
    let end = indexOfBytes(this.#buffer, HEADER_END);
    while (end < 0) {
      if (!await this.#fill()) return { status: 0, body: "" };
      end = indexOfBytes(this.#buffer, HEADER_END);
    }
    const head = new TextDecoder().decode(this.#buffer.subarray(0, end));
    this.#buffer = this.#buffer.slice(end + 4);
    const [statusLine, ...headerLines] = head.split("\r\n");
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine)?.[1] ?? 0);
    const headers = new Map(headerLines.map((line) => {
      const colon = line.indexOf(":");
      return [
        line.slice(0, colon).trim().toLowerCase(),
        line.slice(colon + 1).trim(),
      ];
    }));
    let body: Uint8Array;
    if (headers.get("transfer-encoding")?.includes("chunked")) {
      const parts: Uint8Array[] = [];
      for (;;) {
        const size = parseInt(await this.#line(), 16);
        if (!(size > 0)) {
          await this.#line();
          break;
        }
        parts.push(await this.#take(size));
        await this.#line();
      }
      body = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const part of parts) {
        body.set(part, at);
        at += part.length;
      }
    } else if (headers.has("content-length")) {
      body = await this.#take(Number(headers.get("content-length")));
    } else if (status === 204 || status === 304) {
      body = new Uint8Array(0);
    } else {
      while (await this.#fill()) { /* read to the end */ }
      body = this.#buffer;
      this.#buffer = new Uint8Array(0);
    }
    if (headers.get("connection")?.toLowerCase() === "close") this.close();
    return { status, body: new TextDecoder().decode(body) };
  }

  /** Closes the socket. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch { /* closed by the server */ }
  }

  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }
}
