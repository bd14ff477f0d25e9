/**
 * Stress checks of the HMR WebSocket: refused handshakes (no token, wrong
 * token, foreign Origin or Host), garbage on an accepted socket (invalid
 * JSON, binary, a 10 MB frame, a 10,000-frame burst, hostile
 * `vite:invalidate` paths), and 300 sockets at once.
 *
 * @module
 */

import { answers, type CheckResult, report, sleep } from "./_harness.ts";
import { exchange } from "./http_checks.ts";

const HMR_PATH = "/@banana/hmr";

/** The server's HMR token, as its client module carries it. */
export async function hotToken(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/@banana/client/env.ts`);
  const text = await res.text();
  const token = /"token":"([^"]+)"/.exec(text)?.[1];
  if (!token) throw new Error("no HMR token in /@banana/client/env.ts");
  return token;
}

function handshake(
  port: number,
  target: string,
  headers: Record<string, string>,
): string {
  const lines = [
    `GET ${target} HTTP/1.1`,
    `Host: ${headers.host ?? `127.0.0.1:${port}`}`,
    "Upgrade: websocket",
    "Connection: Upgrade",
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
    "Sec-WebSocket-Version: 13",
    ...(headers.origin ? [`Origin: ${headers.origin}`] : []),
  ];
  return lines.join("\r\n") + "\r\n\r\n";
}

/** Opens a socket with the token; resolves once `connected` arrived. */
function openSocket(
  port: number,
  token: string,
  timeoutMs = 10_000,
): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(
      `ws://127.0.0.1:${port}${HMR_PATH}?token=${encodeURIComponent(token)}`,
    );
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error("no connected payload"));
    }, timeoutMs);
    socket.onmessage = (event) => {
      if (String(event.data).includes(`"connected"`)) {
        clearTimeout(timer);
        resolve(socket);
      }
    };
    socket.onerror = () => {
      clearTimeout(timer);
      reject(new Error("socket error"));
    };
  });
}

function closed(socket: WebSocket): Promise<void> {
  if (socket.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    socket.addEventListener("close", () => resolve(), { once: true });
    setTimeout(resolve, 2000);
  });
}

/** Handshakes that must be refused, and one that must be accepted. */
export async function wsRefusalCheck(port: number): Promise<CheckResult> {
  const token = await hotToken(port);
  const good = `${HMR_PATH}?token=${encodeURIComponent(token)}`;
  const cases: [string, string, Record<string, string>][] = [
    ["no token", HMR_PATH, {}],
    ["empty token", `${HMR_PATH}?token=`, {}],
    ["wrong token", `${HMR_PATH}?token=${crypto.randomUUID()}`, {}],
    ["token prefix", `${HMR_PATH}?token=${token.slice(0, 8)}`, {}],
    ["foreign origin", good, { origin: "http://evil.example" }],
    ["null origin", good, { origin: "null" }],
    ["foreign host", good, { host: "evil.example" }],
    ["rebinding host", good, { host: "127.0.0.1.nip.io:80" }],
  ];
  const outcomes: string[] = [];
  let bad = 0;
  for (const [label, target, headers] of cases) {
    const res = await exchange(port, handshake(port, target, headers), 2000);
    if (res.status === 101 || res.status === 0) bad++;
    outcomes.push(`${label}:${res.status}`);
  }
  const accepted = await exchange(port, handshake(port, good, {}), 1000);
  if (accepted.status !== 101) bad++;
  return report({
    name: "ws-refusals",
    ok: bad === 0,
    detail: `${cases.length} hostile handshakes (${
      outcomes.join(", ")
    }); with the token: ${accepted.status}`,
  });
}

/** Garbage on an accepted socket; the server stays up and serves others. */
export async function wsGarbageCheck(
  port: number,
  short: boolean,
): Promise<CheckResult> {
  const token = await hotToken(port);
  const socket = await openSocket(port, token);
  const sent: Record<string, number> = {};
  const count = (kind: string, n = 1) => sent[kind] = (sent[kind] ?? 0) + n;
  const send = (data: string | Uint8Array) => {
    if (socket.readyState === WebSocket.OPEN) socket.send(data);
  };
  for (let i = 0; i < 100; i++) {
    send(["{", "nul", "[1,2", '{"type":', "\u0000", "💥".repeat(i)][i % 6]);
  }
  count("invalid JSON", 100);
  for (let i = 0; i < 20; i++) {
    send(crypto.getRandomValues(new Uint8Array(1024)));
  }
  count("binary", 20);
  send(
    JSON.stringify({ type: "custom", event: "x", data: "y".repeat(10 << 20) }),
  );
  count("10 MB frame");
  const burst = short ? 2000 : 10_000;
  for (let i = 0; i < burst; i++) {
    send(JSON.stringify({ type: "custom", event: `e${i % 7}`, data: i }));
  }
  count("burst frames", burst);
  const hostilePaths: unknown[] = [
    "../../etc/passwd",
    "/../../etc/passwd",
    "/@fs/etc/passwd",
    "/%2e%2e/%2e%2e/etc/passwd",
    "/.env",
    "/src/m0.ts?raw",
    "\u0000",
    "a".repeat(100_000),
    "",
    123,
    null,
    { path: "/x" },
    ["/src/m0.ts"],
    "http://evil.example/x.ts",
    "/src/does-not-exist.ts",
  ];
  for (const path of hostilePaths) {
    for (const event of ["vite:invalidate", "banana:invalidate"]) {
      send(JSON.stringify({
        type: "custom",
        event,
        data: { path, message: "x", firstInvalidatedBy: path },
      }));
      count("invalidate");
    }
  }
  send(
    JSON.stringify({ type: "custom", event: "vite:invalidate", data: null }),
  );
  send(JSON.stringify({ type: "update", updates: [{ path: "/.env" }] }));
  send(JSON.stringify({ type: "full-reload" }));
  count("protocol violations", 3);
  await sleep(1000);
  const alive = await answers(port, 10_000);
  let fresh = false;
  try {
    (await openSocket(port, token)).close();
    fresh = true;
  } catch { /* refused */ }
  const state = ["connecting", "open", "closing", "closed"][socket.readyState];
  socket.close();
  await closed(socket);
  return report({
    name: "ws-garbage",
    ok: alive && fresh,
    detail: `${
      Object.entries(sent).map(([k, n]) => `${n} ${k}`).join(", ")
    }; hostile socket ${state}; server alive: ${alive}; a new socket connects: ${fresh}`,
  });
}

/** `count` sockets at once: all get `connected`, then all close. */
export async function wsManyCheck(
  port: number,
  count: number,
  rss: () => number,
): Promise<CheckResult> {
  const token = await hotToken(port);
  const before = rss();
  const t0 = performance.now();
  const settled = await Promise.allSettled(
    Array.from({ length: count }, () => openSocket(port, token, 20_000)),
  );
  const elapsed = performance.now() - t0;
  const sockets = settled.flatMap((s) =>
    s.status === "fulfilled" ? [s.value] : []
  );
  const during = rss();
  for (const socket of sockets) socket.close();
  await Promise.all(sockets.map(closed));
  const alive = await answers(port);
  return report({
    name: "ws-300-sockets",
    ok: sockets.length === count && alive,
    detail: `${sockets.length}/${count} connected in ${
      Math.round(elapsed)
    } ms; server RSS ${(before / 1e6).toFixed(0)} → ${
      (during / 1e6).toFixed(0)
    } MB while open; server alive: ${alive}`,
  });
}
