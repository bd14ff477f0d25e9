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
