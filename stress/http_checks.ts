/**
 * Stress checks over raw HTTP (`node:net`, so nothing normalises a target):
 * generated request targets at denied files, at files outside the root and
 * through symlinks; oversized and malformed requests; a slowloris hold.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { connect, type Socket } from "node:net";
import {
  answers,
  type CheckResult,
  DENIED_FILES,
  percentile,
  report,
  sleep,
  type StressApp,
} from "./_harness.ts";
import {
  escapeTargets,
  ROUTE_QUERIES,
  routeTargets,
} from "../tests/_request_targets.ts";

/** A raw exchange's outcome: status 0 when the server closed without one. */
interface RawExchange {
  status: number;
  body: string;
  closed: boolean;
}

/**
 * Writes `request` (bytes as given) to a fresh loopback socket and reads
 * until the server closes or `timeoutMs` passes.
 */
export function exchange(
  port: number,
  request: string | Uint8Array,
  timeoutMs = 5000,
): Promise<RawExchange> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let done = false;
    const socket: Socket = connect({ host: "127.0.0.1", port });
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString("latin1");
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0);
      resolve({
        status,
        body: text.slice(text.indexOf("\r\n\r\n") + 4),
        closed,
      });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on("connect", () => socket.write(request));
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("end", () => finish(true));
    socket.on("close", () => finish(true));
    socket.on("error", () => finish(true));
  });
}

function get(port: number, target: string): string {
  return `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: */*\r\nConnection: close\r\n\r\n`;
}

/** Runs `tasks` with at most `limit` at a time. */
async function pool<T, R>(
  items: T[],
  limit: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await task(items[i]);
      }
    }),
  );
  return out;
}

function histogram(statuses: number[]): string {
  const counts = new Map<number, number>();
  for (const s of statuses) counts.set(s, (counts.get(s) ?? 0) + 1);
  return [...counts].sort((a, b) => a[0] - b[0]).map(([s, n]) =>
    `${s || "closed"}×${n}`
  ).join(" ");
}

const PASSWD = /root:[^:\n]*:0:0:/;

/** Generated targets: denied files, escapes, symlinks. */
export async function requestTargetChecks(
  port: number,
  app: StressApp,
  short: boolean,
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const perRoute = short ? 12 : 60;
  const leaks = (body: string) =>
    app.secrets.some((s) => body.includes(s)) || PASSWD.test(body);

  // Denied files inside the root, on every route.
  const denied: { target: string; rule: string }[] = [];
  for (const [i, { path, rule }] of DENIED_FILES.entries()) {
    for (const [r, route] of Object.keys(ROUTE_QUERIES).entries()) {
      for (
        const target of routeTargets(path, route, perRoute, 7919 * i + r, {
          caseVariants: true,
        })
      ) denied.push({ target, rule });
    }
  }
  for (const [r, route] of Object.keys(ROUTE_QUERIES).entries()) {
    for (
      const target of routeTargets(".env.production", route, perRoute, 31 + r)
    ) denied.push({ target, rule: ".env.*" });
  }
  const started = performance.now();
  const deniedRes = await pool(
    denied,
    8,
    ({ target }) => exchange(port, get(port, target)),
  );
  const wrong = deniedRes.filter((res, i) =>
    res.status !== 403 ||
    !res.body.includes(`server.fs.deny ${JSON.stringify(denied[i].rule)}`)
  ).length;
  const deniedLeaks = deniedRes.filter((res) => leaks(res.body)).length;
  const wrongShown = deniedRes.flatMap((res, i) =>
    res.status !== 403 ||
      !res.body.includes(`server.fs.deny ${JSON.stringify(denied[i].rule)}`)
      ? [`${denied[i].target} → ${res.status} ${res.body.trim().slice(0, 80)}`]
      : []
  ).slice(0, 3);
  results.push(report({
    name: "deny-targets",
    ok: wrong === 0 && deniedLeaks === 0,
    detail: `${denied.length} targets at ${
      DENIED_FILES.length + 1
    } denied files × 5 routes: ${
      denied.length - wrong
    } answered 403 naming the rule, ${wrong} otherwise, ${deniedLeaks} leaks (${
      Math.round(performance.now() - started)
    } ms)${wrongShown.length ? `; e.g. ${wrongShown.join(" | ")}` : ""}`,
  }));

  // Through a symlink inside the root to a denied file.
  const linked: string[] = [];
  for (const [r, route] of Object.keys(ROUTE_QUERIES).entries()) {
    linked.push(
      ...routeTargets("src/notes.txt", route, perRoute, 97 + r, {
        trailing: false,
      }),
    );
  }
  const linkedRes = await pool(linked, 8, (t) => exchange(port, get(port, t)));
  const linkedWrong = linkedRes.filter((r) => r.status !== 403).length;
  const linkedLeaks = linkedRes.filter((r) => leaks(r.body)).length;
  results.push(report({
    name: "symlink-targets",
    ok: linkedWrong === 0 && linkedLeaks === 0,
    detail: `${linked.length} targets at a symlink to .env: ${
      histogram(linkedRes.map((r) => r.status))
    }, ${linkedLeaks} leaks`,
  }));

  // Outside the root: `..` in every spelling, /@fs/, /@id/, symlinks out.
  const escapes = escapeTargets(
    "outside.txt",
    "escape",
    app.outsideFile,
    short ? 300 : 1500,
    4242,
  );
  escapes.push(
    "/src/outside_link.txt",
    "/src/outside_link.txt?raw",
    "/src/outside_link.txt?url",
    "/src/outside_link.txt?import",
    "/escape/outside.ts",
    "/escape/outside.ts?import",
  );
  const escapeRes = await pool(
    escapes,
    8,
    (t) => exchange(port, get(port, t)),
  );
  const escapeLeaks = escapeRes.filter((r) => leaks(r.body)).length;
  const served = escapeRes.filter((r) => r.status === 200).length;
  results.push(report({
    name: "escape-targets",
    ok: escapeLeaks === 0,
    detail: `${escapes.length} targets outside the root or via symlinks: ${
      histogram(escapeRes.map((r) => r.status))
    }; ${escapeLeaks} leaks (${served} answered 200, none with outside bytes)`,
  }));
  const total = denied.length + linked.length + escapes.length;
  results.push(report({
    name: "targets-total",
    ok: total >= 2000 || short,
    detail: `${total} raw targets sent, ${
      deniedLeaks + linkedLeaks + escapeLeaks
    } leaks; server alive: ${await answers(port)}`,
  }));
  return results;
}

/** Oversized and malformed requests; the server must answer or close, and live. */
export async function malformedHttpChecks(
  port: number,
): Promise<CheckResult[]> {
  const host = `Host: 127.0.0.1:${port}\r\n`;
  const manyHeaders = Array.from({ length: 10_000 }, (_, i) => `X-H${i}: v\r\n`)
    .join("");
  const oversized: [string, string][] = [
    ["100 KB URL", `GET /${"a".repeat(100_000)} HTTP/1.1\r\n${host}\r\n`],
    ["10,000 headers", `GET / HTTP/1.1\r\n${host}${manyHeaders}\r\n`],
    [
      "1 MB header",
      `GET / HTTP/1.1\r\n${host}X-Big: ${"b".repeat(1 << 20)}\r\n\r\n`,
    ],
    [
      "100 KB query",
      `GET /src/m0.ts?${"q=1&".repeat(25_000)} HTTP/1.1\r\n${host}\r\n`,
    ],
  ];
  const malformed: [string, string | Uint8Array][] = [
    ["no version", `GET /\r\n\r\n`],
    ["bad version", `GET / HTTP/9.9\r\n${host}\r\n`],
    ["bad method", `FOO\x01 / HTTP/1.1\r\n${host}\r\n`],
    ["no host", `GET / HTTP/1.1\r\n\r\n`],
    [
      "absolute form",
      `GET http://evil.example/ HTTP/1.1\r\nHost: evil.example\r\n\r\n`,
    ],
    ["bad percent", `GET /%zz%%/x HTTP/1.1\r\n${host}\r\n`],
    ["NUL in path", `GET /src/\x00m0.ts HTTP/1.1\r\n${host}\r\n`],
    ["space in path", `GET /a b c HTTP/1.1\r\n${host}\r\n`],
    ["header no colon", `GET / HTTP/1.1\r\n${host}garbage\r\n\r\n`],
    ["lf only", `GET / HTTP/1.1\n${host.trim()}\n\n`],
    ["binary", crypto.getRandomValues(new Uint8Array(4096))],
    [
      "bad chunked",
      `POST / HTTP/1.1\r\n${host}Transfer-Encoding: chunked\r\n\r\nzz\r\n`,
    ],
    [
      "huge content-length",
      `POST / HTTP/1.1\r\n${host}Content-Length: 99999999999\r\n\r\nabc`,
    ],
    [
      "smuggling",
      `POST / HTTP/1.1\r\n${host}Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /.env HTTP/1.1\r\n${host}\r\n`,
    ],
    ["star target", `OPTIONS * HTTP/1.1\r\n${host}\r\n`],
    ["CONNECT", `CONNECT 127.0.0.1:22 HTTP/1.1\r\n${host}\r\n`],
  ];
  const results: CheckResult[] = [];
  for (
    const [group, list] of [["http-oversized", oversized], [
      "http-malformed",
      malformed,
    ]] as const
  ) {
    const outcomes: string[] = [];
    let bad = 0;
    for (const [label, request] of list) {
      const res = await exchange(port, request, 5000);
      // An answer (any status but 200 for the oversized ones) or a close.
      const fine = res.closed || res.status >= 400 ||
        (group === "http-malformed" && res.status > 0);
      if (!fine) bad++;
      outcomes.push(
        `${label}:${res.status || (res.closed ? "closed" : "timeout")}`,
      );
      if (res.body.includes("SECRET-")) bad++;
    }
    const alive = await answers(port);
    results.push(report({
      name: group,
      ok: bad === 0 && alive,
      detail: `${list.length} requests (${
        outcomes.join(", ")
      }); server alive: ${alive}`,
    }));
  }
  return results;
}

/**
 * Holds `count` connections that send their headers a byte at a time for
 * `holdMs`, while normal requests must still be answered quickly.
 */
export async function slowlorisCheck(
  port: number,
  count: number,
  holdMs: number,
): Promise<CheckResult> {
  const sockets: Socket[] = [];
  let opened = 0;
  for (let i = 0; i < count; i++) {
    const socket = connect({ host: "127.0.0.1", port });
    socket.on("error", () => {});
    socket.on("connect", () => {
      opened++;
      socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Slow: `);
    });
    sockets.push(socket);
  }
  const latencies: number[] = [];
  let failed = 0;
  const end = Date.now() + holdMs;
  while (Date.now() < end) {
    for (const socket of sockets) if (!socket.destroyed) socket.write("a");
    const t0 = performance.now();
    if (await answers(port, 5000)) latencies.push(performance.now() - t0);
    else failed++;
    await sleep(500);
  }
  const stillOpen = sockets.filter((s) => !s.destroyed).length;
  for (const socket of sockets) socket.destroy();
  await sleep(200);
  const alive = await answers(port);
  const worst = Math.max(...latencies);
  return report({
    name: "slowloris",
    ok: failed === 0 && alive && worst < 2000,
    detail:
      `${opened}/${count} connections held ${holdMs} ms (${stillOpen} still open at the end): ${latencies.length} normal requests, p50 ${
        percentile(latencies, 50).toFixed(1)
      } ms, max ${
        worst.toFixed(1)
      } ms, ${failed} unanswered; server alive: ${alive}`,
  });
}
