import { equal, ok } from "node:assert/strict";
import { join } from "node:path";
import { createTempApp } from "./_browser.ts";
import { rawGet } from "./_raw_http.ts";
import { startServer } from "./_server.ts";

const SECRET = "TOP-SECRET-CONTENT-42";

async function appWithSecretOutside() {
  const outer = await createTempApp({
    "secret.txt": SECRET,
    "secret.ts": `export const s = "${SECRET}";`,
    "app/index.html": "<h1>app</h1>",
    "app/src/main.ts": "export const x = 1;",
    "app/.env": `KEY=${SECRET}`,
  });
  await Deno.symlink(outer.root, join(outer.root, "app/escape"));
  return outer;
}

Deno.test("security: traversal probes never read a file outside the root", async () => {
  await using outer = await appWithSecretOutside();
  await using dev = await startServer(join(outer.root, "app"));
  const port = Number(new URL(dev.url).port);
  const probes = [
    "/../secret.txt",
    "/%2e%2e/secret.txt",
    "/%2E%2E/%2E%2E/secret.txt",
    "/src/..%2f..%2fsecret.txt",
    "/src/..%2f..%2fsecret.ts",
    "/src/%2e%2e%2f%2e%2e%2fsecret.ts",
    "/..%5csecret.txt",
    "/src/..\\..\\secret.txt",
    "/escape/secret.txt",
    "/escape/secret.ts",
    `/@fs${outer.root}/secret.txt`,
    `/@fs${outer.root}/secret.ts`,
    "/@deps/x/..%2f..%2f..%2fsecret.txt",
    `/@id/${encodeURIComponent(outer.root + "/secret.ts")}`,
    `/src/main.ts?import=${outer.root}/secret.txt`,
    `/?file=${outer.root}/secret.txt`,
    "/.env",
  ];
  for (const probe of probes) {
    const res = await rawGet(port, probe);
    ok(
      !res.body.includes(SECRET),
      `${probe} leaked the secret (status ${res.status})`,
    );
    ok(res.status !== 0, `${probe}: no response`);
  }
  // The obviously hostile ones get an explicit refusal with a reason.
  const refused = await rawGet(port, "/src/..%2f..%2fsecret.txt");
  equal(refused.status, 403);
  ok(refused.body.includes("could leave the served root"));
  const link = await rawGet(port, "/escape/secret.txt");
  equal(link.status, 403);
  const env = await rawGet(port, "/.env");
  equal(env.status, 403);
  // And the server still works afterwards.
  equal((await rawGet(port, "/src/main.ts")).status, 200);
});

Deno.test("security: requests with a foreign Host header are refused (DNS rebinding)", async () => {
  await using app = await createTempApp({ "index.html": "<h1>app</h1>" });
  await using dev = await startServer(app.root);
  const port = Number(new URL(dev.url).port);
  const evil = await rawGet(port, "/", "evil.example.com");
  equal(evil.status, 403);
  ok(evil.body.includes(`host "evil.example.com" is not allowed`));
  for (
    const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]
  ) {
    equal((await rawGet(port, "/", host)).status, 200, host);
  }
});

Deno.test("security: server.allowedHosts admits a configured host", async () => {
  await using app = await createTempApp({ "index.html": "<h1>app</h1>" });
  await using dev = await startServer(app.root, {
    server: { allowedHosts: ["dev.example.test"] },
  });
  const port = Number(new URL(dev.url).port);
  equal((await rawGet(port, "/", "dev.example.test")).status, 200);
  equal((await rawGet(port, "/", "other.example.test")).status, 403);
});

Deno.test("security: a CSS module cannot compose classes from a file outside the root", async () => {
  await using outer = await createTempApp({
    "secret.css": `.s { content: "${SECRET}"; }`,
    "app/index.html": "<h1>app</h1>",
    "app/src/card.module.css":
      `.title { composes: s from "../../secret.css"; }\n`,
  });
  await using dev = await startServer(join(outer.root, "app"));
  const port = Number(new URL(dev.url).port);
  const res = await rawGet(port, "/src/card.module.css?import");
  equal(res.status, 500);
  ok(!res.body.includes(SECRET), "the composed file was not read");
  ok(res.body.includes("leads outside the app root"), res.body);
});
