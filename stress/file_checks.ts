/**
 * Bad files and their recovery: a syntax error, a binary file, invalid
 * UTF-8, a 20 MB module, `rm -rf src` and restore, a file replaced by a
 * directory, 500 files at once. Each bad state must get an answer (not a
 * crash), and the next good save must be served.
 *
 * @module
 */

import { join } from "node:path";
import { answers, type CheckResult, report, sleep } from "./_harness.ts";

async function fetchModule(
  port: number,
  path: string,
  timeoutMs = 10_000,
): Promise<{ status: number; text: string }> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: res.status, text: await res.text() };
  } catch (err) {
    return { status: 0, text: String(err) };
  }
}

/** Polls `path` until `done` says so or `timeoutMs` passes. */
async function until(
  port: number,
  path: string,
  done: (res: { status: number; text: string }) => boolean,
  timeoutMs = 10_000,
): Promise<{ status: number; text: string; ms: number; ok: boolean }> {
  const t0 = performance.now();
  let last = { status: 0, text: "" };
  while (performance.now() - t0 < timeoutMs) {
    last = await fetchModule(port, path, timeoutMs);
    if (done(last)) return { ...last, ms: performance.now() - t0, ok: true };
    await sleep(50);
  }
  return { ...last, ms: performance.now() - t0, ok: false };
}

async function copyDir(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isDirectory) await copyDir(source, target);
    else if (entry.isSymlink) {
      await Deno.symlink(await Deno.readLink(source), target);
    } else await Deno.copyFile(source, target);
  }
}

/** Runs every bad-file scenario against `root`'s `src/plain.ts`. */
export async function badFileChecks(
  port: number,
  root: string,
  outer: string,
  rss: () => number,
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const plain = join(root, "src/plain.ts");
  const url = "/src/plain.ts";
  let version = 0;
  const good = () => `export const plain = "plain v${++version}";\n`;
  /**
   * `staleOk`: the bad state may still be answered with the last good
   * build (a path that became a directory); only the recovery counts then.
   */
  const recover = async (
    name: string,
    bad: () => Promise<void>,
    badMs = 10_000,
    staleOk = false,
  ) => {
    const before = `plain v${version}`;
    const t0 = performance.now();
    await bad();
    // The bad state is answered (any status), and not with the old code.
    const answered = await until(
      port,
      url,
      (r) => r.status !== 0 && !(r.status === 200 && r.text.includes(before)),
      badMs,
    );
    const badTook = performance.now() - t0;
    await Deno.remove(plain, { recursive: true }).catch(() => {});
    await Deno.writeTextFile(plain, good());
    const fixed = await until(
      port,
      url,
      (r) => r.status === 200 && r.text.includes(`plain v${version}`),
    );
    const alive = await answers(port);
    results.push(report({
      name: `bad-file ${name}`,
      ok: (answered.ok || staleOk) && fixed.ok && alive,
      detail: `bad state answered ${answered.status}${
        answered.ok ? "" : " with the last good code"
      } after ${Math.round(badTook)} ms; good save served after ${
        Math.round(fixed.ms)
      } ms (${
        fixed.ok ? "200 with the new code" : `still ${fixed.status}`
      }); server alive: ${alive}`,
    }));
  };

  await Deno.writeTextFile(plain, good());
  await until(port, url, (r) => r.text.includes(`plain v${version}`));

  await recover(
    "syntax-error",
    () => Deno.writeTextFile(plain, `export const plain = ;\nfunction {\n`),
  );
  await recover("binary", async () => {
    const bytes = crypto.getRandomValues(new Uint8Array(64 * 1024));
    bytes[0] = 0;
    await Deno.writeFile(plain, bytes);
  });
  await recover("invalid-utf8", () =>
    Deno.writeFile(
      plain,
      new Uint8Array([
        0xff,
        0xfe,
        0xc0,
        0xaf,
        ...new TextEncoder().encode(`export const plain = "\xc3";`),
        0xed,
        0xa0,
        0x80,
      ]),
    ));
  const rssBefore = rss();
  await recover("20MB-module", async () => {
    const body = "x".repeat(20 * 1024 * 1024);
    await Deno.writeTextFile(plain, `export const big = "${body}";\n`);
  }, 60_000);
  results.push(report({
    name: "bad-file 20MB-rss",
    ok: true,
    detail: `server RSS ${(rssBefore / 1e6).toFixed(0)} MB before, ${
      (rss() / 1e6).toFixed(0)
    } MB after the 20 MB module was replaced`,
  }));
  await recover(
    "file→directory",
    async () => {
      await Deno.remove(plain);
      await Deno.mkdir(plain);
      await Deno.writeTextFile(join(plain, "inner.ts"), "export {};\n");
    },
    3000,
    true,
  );

  // rm -rf src, then restore it.
  const src = join(root, "src");
  const backup = join(outer, "src.backup");
  await copyDir(src, backup);
  const t0 = performance.now();
  await Deno.remove(src, { recursive: true });
  // m0.ts may still be served from its last build (the watcher reports
  // the folder); what counts is that everything is served after the restore.
  const gone = await until(port, "/src/m0.ts", (r) => r.status === 404, 3000);
  await copyDir(backup, src);
  await Deno.writeTextFile(plain, good());
  const back = await until(
    port,
    url,
    (r) => r.status === 200 && r.text.includes(`plain v${version}`),
  );
  const m0 = await until(port, "/src/m0.ts", (r) => r.status === 200);
  await Deno.remove(backup, { recursive: true });
  results.push(report({
    name: "bad-file rm-rf-src",
    ok: back.ok && m0.ok,
    detail: `src/ removed: /src/m0.ts answered ${gone.status}${
      gone.ok ? "" : " (its last build)"
    } after ${Math.round(gone.ms)} ms; restored: served again after ${
      Math.round(performance.now() - t0 - gone.ms)
    } ms (${back.status}, ${m0.status})`,
  }));

  // 500 files at once, imported by one module.
  const many = join(src, "many");
  await Deno.mkdir(many, { recursive: true });
  await Promise.all(
    Array.from(
      { length: 500 },
      (_, i) =>
        Deno.writeTextFile(
          join(many, `f${i}.ts`),
          `export const f${i} = ${i};\n`,
        ),
    ),
  );
  const index = Array.from(
    { length: 500 },
    (_, i) => `export { f${i} } from "./f${i}.ts";`,
  ).join("\n");
  await Deno.writeTextFile(join(many, "index.ts"), index + "\n");
  const manyRes = await until(
    port,
    "/src/many/index.ts",
    (r) => r.status === 200 && r.text.includes("f499"),
  );
  const last = await until(port, "/src/many/f499.ts", (r) => r.status === 200);
  await Deno.remove(many, { recursive: true });
  results.push(report({
    name: "bad-file 500-files",
    ok: manyRes.ok && last.ok && await answers(port),
    detail: `500 files written at once: their index served after ${
      Math.round(manyRes.ms)
    } ms, a file of them ${last.status}; then removed`,
  }));
  return results;
}
