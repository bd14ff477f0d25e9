import { deepEqual, equal, ok, rejects } from "node:assert/strict";
import { join } from "node:path";
import { createTempApp } from "./_browser.ts";
import { rawGet, RawHttpConnection } from "./_raw_http.ts";
import { ROUTE_QUERIES, routeTargets } from "./_request_targets.ts";
import { startServer } from "./_server.ts";
import { ConfigError } from "../server/config.ts";
import { createServer } from "../mod.ts";

/** A secret no response may contain, per file. */
function secret(name: string): string {
  return `SECRET-${name.replace(/\W/g, "_")}-${crypto.randomUUID()}`;
}

/** Denied files of the test app, with the rule each must be refused by. */
const DENIED: { path: string; rule: string }[] = [
  { path: ".env", rule: ".env" },
  { path: ".env.local", rule: ".env.*" },
  { path: "id_rsa", rule: "id_rsa*" },
  { path: "certs/server.pem", rule: "*.{crt,pem}" },
  { path: ".git/config", rule: "**/.git/**" },
  { path: ".aws/credentials", rule: ".aws/**" },
  { path: ".npmrc", rule: ".npmrc" },
];

const SPELLINGS_PER_ROUTE = 500;

/**
 * Sends `targets` over a few kept-alive raw connections (bounded
 * parallelism) and returns each response.
 */
async function sendAll(
  port: number,
  targets: string[],
  parallel = 4,
): Promise<{ target: string; status: number; body: string }[]> {
  const results: { target: string; status: number; body: string }[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      let conn = await RawHttpConnection.open(port);
      try {
        while (next < targets.length) {
          const target = targets[next++];
          if (!conn.open) conn = await RawHttpConnection.open(port);
          const res = await conn.get(target);
          results.push({ target, ...res });
        }
      } finally {
        conn.close();
      }
    }),
  );
  return results;
}

/** The failures among `results`, shown a few at a time. */
function failures(
  results: { target: string; status: number; body: string }[],
  expectRule: (target: string) => string,
  secrets: string[],
): string[] {
  const bad: string[] = [];
  for (const { target, status, body } of results) {
    const leaked = secrets.find((s) => body.includes(s));
    const rule = expectRule(target);
    if (
      leaked || status !== 403 ||
      !body.includes(`matches server.fs.deny ${JSON.stringify(rule)}`)
    ) {
      bad.push(
        `${target} → ${status}${leaked ? " LEAKED" : ""}: ${
          body.slice(0, 120)
        }`,
      );
    }
  }
  return bad;
}

Deno.test("fs.deny: 500 spellings of each denied file on each route get 403 naming the rule, and no byte of it", async () => {
  const files: Record<string, string> = {
    "index.html": "<h1>app</h1>",
    "src/main.ts": "export const x = 1;",
  };
  const secrets: string[] = [];
  for (const { path } of DENIED) {
    files[path] = secret(path);
    secrets.push(files[path]);
  }
  await using app = await createTempApp(files);
  await using dev = await startServer(app.root);
  const port = Number(new URL(dev.url).port);
  let total = 0;
  for (const [i, { path, rule }] of DENIED.entries()) {
    const targets: string[] = [];
    for (const [r, route] of Object.keys(ROUTE_QUERIES).entries()) {
      const list = routeTargets(
        path,
        route,
        SPELLINGS_PER_ROUTE,
        1000 * i + r,
        {
          caseVariants: true,
        },
      );
      equal(list.length, SPELLINGS_PER_ROUTE, `${path} ${route}`);
      targets.push(...list);
    }
    const results = await sendAll(port, targets);
    equal(results.length, targets.length);
    const bad = failures(results, () => rule, secrets);
    deepEqual(bad.slice(0, 10), [], `${bad.length} of ${targets.length}`);
    total += results.length;
  }
  ok(total >= DENIED.length * 5 * SPELLINGS_PER_ROUTE);
  // Allowed files are still served.
  equal((await rawGet(port, "/src/main.ts")).status, 200);
  equal((await rawGet(port, "/")).status, 200);
});

Deno.test("fs.deny: the real file decides — a symlink to a denied file, public/ files, pages in a denied folder, /@id/ paths", async () => {
  const env = secret(".env");
  const key = secret("id_ed25519");
  const page = secret("ssh-page");
  await using app = await createTempApp({
    "index.html": "<h1>app</h1>",
    ".env": env,
    "public/id_ed25519": key,
    "public/logo.txt": "logo",
    ".ssh/index.html": `<p>${page}</p>`,
    "src/main.ts": "export const x = 1;",
  });
  // Inside the root, so only the deny rule stops it.
  await Deno.symlink(join(app.root, ".env"), join(app.root, "src/notes.txt"));
  await Deno.symlink(join(app.root, ".ssh"), join(app.root, "docs"));
  await using dev = await startServer(app.root);
  const port = Number(new URL(dev.url).port);
  const secrets = [env, key, page];

  const linked: string[] = [];
  for (const [r, route] of Object.keys(ROUTE_QUERIES).entries()) {
    linked.push(
      ...routeTargets("src/notes.txt", route, SPELLINGS_PER_ROUTE, 50 + r, {
        trailing: false,
      }),
    );
  }
  const linkedBad = failures(
    await sendAll(port, linked),
    () => ".env",
    secrets,
  );
  deepEqual(
    linkedBad.slice(0, 10),
    [],
    `${linkedBad.length} of ${linked.length}`,
  );

  const inPublic = [
    ...routeTargets("id_ed25519", "static", SPELLINGS_PER_ROUTE, 60),
    ...routeTargets("id_ed25519", "raw", SPELLINGS_PER_ROUTE, 61),
  ];
  const publicBad = failures(
    await sendAll(port, inPublic),
    () => "id_ed25519*",
    secrets,
  );
  deepEqual(
    publicBad.slice(0, 10),
    [],
    `${publicBad.length} of ${inPublic.length}`,
  );

  const pages = [
    ...routeTargets(".ssh/index.html", "static", SPELLINGS_PER_ROUTE, 70),
    ...routeTargets(".ssh", "static", 200, 71, { trailing: false }).map((t) =>
      t.replace(/\?.*$/, "") + "/"
    ),
  ];
  const pagesBad = failures(
    await sendAll(port, pages),
    () => ".ssh/**",
    secrets,
  );
  deepEqual(pagesBad.slice(0, 10), [], `${pagesBad.length} of ${pages.length}`);
  // A symlinked folder whose real path is denied.
  const viaLink = await rawGet(port, "/docs/");
  equal(viaLink.status, 403);
  ok(!viaLink.body.includes(page));

  for (const id of [`${app.root}/.env`, `${app.root}/src/notes.txt`]) {
    for (const query of ["?raw", "?url", "?import", ""]) {
      const res = await rawGet(port, `/@id/${encodeURIComponent(id)}${query}`);
      equal(res.status, 403, `${id}${query}: ${res.body}`);
      ok(!secrets.some((s) => res.body.includes(s)));
      ok(res.body.includes(`matches server.fs.deny ".env"`), res.body);
    }
  }
  equal((await rawGet(port, "/logo.txt")).status, 200);
});

Deno.test("fs.deny: a stylesheet cannot @import, url() or compose from a denied file", async () => {
  const env = secret(".env");
  const pem = secret("pem");
  await using app = await createTempApp({
    "index.html": "<h1>app</h1>",
    ".env": `.x { content: "${env}"; }`,
    "certs/site.pem": `.y { content: "${pem}"; }`,
    "src/import.css": `@import "../.env";\nbody { color: red; }\n`,
    "src/import_case.css": `@import url("../certs/SITE.PEM");\n`,
    "src/import_dots.css": `@import "./../src/../.env";\n`,
    "src/bg.css": `body { background: url("../certs/site.pem"); }\n`,
    "src/card.module.css": `.title { composes: x from "../.env"; }\n`,
  });
  await Deno.symlink(join(app.root, ".env"), join(app.root, "src/theme.css"));
  await Deno.writeTextFile(
    join(app.root, "src/linked.css"),
    `@import "./theme.css";\n`,
  );
  await using dev = await startServer(app.root);
  const port = Number(new URL(dev.url).port);
  const cases: [string, string][] = [
    ["/src/import.css", ".env"],
    ["/src/import.css?import", ".env"],
    ["/src/import.css?inline", ".env"],
    ["/src/import_dots.css?import", ".env"],
    ["/src/linked.css?import", ".env"],
    ["/src/card.module.css?import", ".env"],
  ];
  for (const [target, rule] of cases) {
    const res = await rawGet(port, target);
    equal(res.status, 500, `${target}: ${res.body}`);
    ok(!res.body.includes(env) && !res.body.includes(pem), target);
    ok(
      res.body.includes(`matches server.fs.deny ${JSON.stringify(rule)}`),
      `${target}: ${res.body}`,
    );
  }
  // Differing in case only: the same rule on a case-insensitive file system,
  // a missing file on this one — either way nothing of it is read.
  const caseVariant = await rawGet(port, "/src/import_case.css?import");
  ok(!caseVariant.body.includes(pem));
  ok(
    caseVariant.body.includes(`server.fs.deny "*.{crt,pem}"`),
    caseVariant.body,
  );
  // url() to a denied file stays as written: the browser's request gets 403.
  const bg = await rawGet(port, "/src/bg.css?inline");
  equal(bg.status, 200);
  ok(bg.body.includes("../certs/site.pem") && !bg.body.includes(pem), bg.body);
  equal((await rawGet(port, "/certs/site.pem")).status, 403);
});

Deno.test("fs.deny: server.fs.deny replaces the defaults; patterns anchor with a leading /", async () => {
  await using app = await createTempApp({
    "index.html": "<h1>app</h1>",
    ".env": "PUBLIC_ENV=1",
    "data.Secret": "hidden-1",
    "private/a.txt": "hidden-2",
    "sub/private/a.txt": "shown",
    "vault/x/y.txt": "hidden-3",
  });
  await using dev = await startServer(app.root, {
    server: { fs: { deny: ["*.secret", "/private/**", "vault"] } },
  });
  deepEqual(dev.server.config.server.fs.deny, [
    "*.secret",
    "/private/**",
    "vault",
  ]);
  const port = Number(new URL(dev.url).port);
  const refused: [string, string][] = [
    ["/data.Secret", "*.secret"],
    ["/%64ata.secret?raw", "*.secret"],
    ["/private/a.txt", "/private/**"],
    ["/private/a.txt?raw", "/private/**"],
    ["/vault/x/y.txt", "vault"],
  ];
  for (const [target, rule] of refused) {
    const res = await rawGet(port, target);
    equal(res.status, 403, target);
    ok(res.body.includes(`matches server.fs.deny ${JSON.stringify(rule)}`));
    ok(!res.body.includes("hidden"));
  }
  equal((await rawGet(port, "/sub/private/a.txt")).status, 200);
  const env = await rawGet(port, "/.env");
  equal(env.status, 200, "the defaults were replaced");
  equal(env.body, "PUBLIC_ENV=1");
});

Deno.test("fs.deny: the default list and a wrong server.fs.deny value", async () => {
  await using app = await createTempApp({ "index.html": "<h1>app</h1>" });
  const server = await createServer({
    root: app.root,
    logLevel: "silent",
    configFile: false,
  });
  try {
    deepEqual(server.config.server.fs.deny, [
      ".env",
      ".env.*",
      "*.{crt,pem}",
      "**/.git/**",
      "*.key",
      "*.p12",
      "*.pfx",
      "id_rsa*",
      "id_dsa*",
      "id_ecdsa*",
      "id_ed25519*",
      ".npmrc",
      ".netrc",
      ".ssh/**",
      ".aws/**",
      ".docker/config.json",
    ]);
  } finally {
    await server.close();
  }
  await rejects(
    () =>
      createServer({
        root: app.root,
        logLevel: "silent",
        configFile: false,
        // deno-lint-ignore no-explicit-any
        server: { fs: { deny: [".env", 3 as any] } },
      }),
    (err: Error) =>
      err instanceof ConfigError && err.message.includes("server.fs.deny[1]"),
  );
  await rejects(
    () =>
      createServer({
        root: app.root,
        logLevel: "silent",
        configFile: false,
        // deno-lint-ignore no-explicit-any
        server: { fs: { deny: ".env" as any } },
      }),
    (err: Error) =>
      err instanceof ConfigError && err.message.includes("server.fs.deny"),
  );
});
