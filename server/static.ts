/**
 * Static files: content types, `ETag` + `304`, and `Range` requests (media
 * seeking), read from disk as streams.
 *
 * @module
 */

import { extname } from "node:path";

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".md": "text/markdown; charset=utf-8",
  ".xml": "application/xml",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".avif": "image/avif",
  ".ico": "image/x-icon",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
  ".ttf": "font/ttf",
  ".otf": "font/otf",
  ".mp4": "video/mp4",
  ".webm": "video/webm",
  ".ogg": "audio/ogg",
  ".mp3": "audio/mpeg",
  ".wav": "audio/wav",
  ".wasm": "application/wasm",
  ".pdf": "application/pdf",
  ".webmanifest": "application/manifest+json",
};

/** The `Content-Type` for a file name. */
export function contentTypeFor(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ??
    "application/octet-stream";
}

/** True when `If-None-Match` names `etag`. */
export function matchesEtag(request: Request, etag: string): boolean {
  const header = request.headers.get("if-none-match");
  if (!header) return false;
  return header.split(",").some((tag) => {
    const t = tag.trim();
    return t === etag || t === `W/${etag}` || `W/${t}` === etag || t === "*";
  });
}

function parseRange(
  header: string,
  size: number,
): { start: number; end: number } | null {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return null;
  let start: number;
  let end: number;
  if (match[1] === "") {
    const suffix = Number(match[2]);
    if (!suffix) return null;
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  if (start > end || start >= size) return null;
  return { start, end };
}

/**
 * Serves a file with conditional and range support.
 *
 * @example
 * ```ts
 * Deno.serve((req) => serveFile(req, "/app/public/logo.png"));
 * ```
 */
export async function serveFile(
  request: Request,
  file: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  const info = await Deno.stat(file);
  const etag = `W/"${info.size.toString(36)}-${
    (info.mtime?.getTime() ?? 0).toString(36)
  }"`;
  const base: Record<string, string> = {
    "content-type": contentTypeFor(file),
    "etag": etag,
    "accept-ranges": "bytes",
    "cache-control": "no-cache",
    ...headers,
  };
  if (matchesEtag(request, etag)) {
    return new Response(null, { status: 304, headers: base });
  }
  const rangeHeader = request.headers.get("range");
  if (rangeHeader) {
    const range = parseRange(rangeHeader, info.size);
    if (!range) {
      return new Response("Requested range not satisfiable\n", {
        status: 416,
        headers: { "content-range": `bytes */${info.size}` },
      });
    }
    const handle = await Deno.open(file);
    await handle.seek(range.start, Deno.SeekMode.Start);
    const length = range.end - range.start + 1;
    let left = length;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const chunk = new Uint8Array(Math.min(65536, left));
        const n = await handle.read(chunk);
        if (n === null || n === 0 || left <= 0) {
          handle.close();
          controller.close();
          return;
        }
        left -= n;
        controller.enqueue(chunk.subarray(0, n));
        if (left <= 0) {
          handle.close();
          controller.close();
        }
      },
      cancel() {
        handle.close();
      },
    });
    return new Response(request.method === "HEAD" ? null : body, {
      status: 206,
      headers: {
        ...base,
        "content-length": String(length),
        "content-range": `bytes ${range.start}-${range.end}/${info.size}`,
      },
    });
  }
  if (request.method === "HEAD") {
    return new Response(null, {
      headers: { ...base, "content-length": String(info.size) },
    });
  }
  const handle = await Deno.open(file);
  return new Response(handle.readable, {
    headers: { ...base, "content-length": String(info.size) },
  });
}
