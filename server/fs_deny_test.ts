import { equal, ok, throws } from "node:assert/strict";
import { join } from "node:path";
import {
  assertNotDenied,
  assertReadable,
  DEFAULT_FS_DENY,
  denyRuleFor,
  FsDeniedError,
} from "./fs_deny.ts";
import { UnsafePathError } from "./path_safety.ts";

Deno.test("denyRuleFor: the defaults, segment by segment and case-insensitively", () => {
  const cases: [string, string | null][] = [
    [".env", ".env"],
    ["sub/.ENV", ".env"],
    [".env.production.local", ".env.*"],
    [".env/inner.txt", ".env"],
    ["certs/server.pem", "*.{crt,pem}"],
    ["certs/CA.Crt", "*.{crt,pem}"],
    [".git/config", "**/.git/**"],
    ["pkg/.git/HEAD", "**/.git/**"],
    ["tls.key", "*.key"],
    ["a/b/store.p12", "*.p12"],
    ["x.pfx", "*.pfx"],
    ["id_rsa", "id_rsa*"],
    ["id_rsa.pub", "id_rsa*"],
    ["keys/ID_ED25519", "id_ed25519*"],
    ["id_dsa", "id_dsa*"],
    ["id_ecdsa_sk", "id_ecdsa*"],
    [".npmrc", ".npmrc"],
    ["home/.netrc", ".netrc"],
    [".ssh/known_hosts", ".ssh/**"],
    ["u/.aws/credentials", ".aws/**"],
    [".docker/config.json", ".docker/config.json"],
    ["src/main.ts", null],
    ["src/environment.ts", null],
    ["src/env.ts", null],
    ["keyboard.ts", null],
    [".docker/other.json", null],
    ["src/git/x.ts", null],
    ["", null],
  ];
  for (const [path, rule] of cases) equal(denyRuleFor(path), rule, path);
});

Deno.test("denyRuleFor: custom patterns — `**`, `?`, braces, classes, anchoring", () => {
  const deny = [
    "/private/**",
    "*.s?c",
    "{a,b}.txt",
    "[xy]z.md",
    "docs/**/draft*",
  ];
  equal(denyRuleFor("private/a", deny), "/private/**");
  equal(denyRuleFor("sub/private/a", deny), null);
  equal(denyRuleFor("q.sec", deny), "*.s?c");
  equal(denyRuleFor("q.seec", deny), null);
  equal(denyRuleFor("B.TXT", deny), "{a,b}.txt");
  equal(denyRuleFor("c.txt", deny), null);
  equal(denyRuleFor("yz.md", deny), "[xy]z.md");
  equal(denyRuleFor("zz.md", deny), null);
  equal(denyRuleFor("docs/a/b/draft-1.md", deny), "docs/**/draft*");
  equal(denyRuleFor("docs/draft.md", deny), "docs/**/draft*");
  equal(denyRuleFor("docs/final.md", deny), null);
  equal(denyRuleFor(".env", []), null);
});

Deno.test("denyRuleFor: the one-test-per-segment shortcut refuses what the rules refuse — a rule of only `**`, a path that matches a rule's later segment only, the same list again", () => {
  equal(denyRuleFor("src/main.ts", ["**"]), "**");
  equal(denyRuleFor("src/main.ts", ["*.key", "**/**"]), "**/**");
  const deny = ["docs/**/draft*", ".ssh/**"];
  // "draft.md" matches a segment of the first rule, but not where it must.
  equal(denyRuleFor("notes/draft.md", deny), null);
  equal(denyRuleFor("docs/x/draft.md", deny), "docs/**/draft*");
  equal(denyRuleFor("home/.SSH/id", deny), ".ssh/**");
  equal(denyRuleFor("home/ssh/id", deny), null);
  // Compiled once per list: the same answers from the cached form.
  equal(denyRuleFor("home/.ssh/id", deny), ".ssh/**");
  equal(denyRuleFor("src/a.ts", deny), null);
});

Deno.test("assertNotDenied: relative to the root or to the allowed folder, with a code", () => {
  const rules = { root: "/app", allow: ["/shared"] };
  assertNotDenied("/app/src/a.ts", rules);
  assertNotDenied("/elsewhere/.env", rules); // not readable at all: not ours
  const err = throws(
    () => assertNotDenied("/shared/keys/id_rsa", rules),
    FsDeniedError,
  ) as unknown;
  void err;
  try {
    assertNotDenied("/app/.env.local", rules);
    ok(false, "not refused");
  } catch (e) {
    ok(e instanceof FsDeniedError);
    ok(e instanceof UnsafePathError);
    equal(e.code, "FS_DENIED");
    equal(e.status, 403);
    equal(e.rule, ".env.*");
    equal(e.path, ".env.local");
    equal(e.message, `Refused .env.local: it matches server.fs.deny ".env.*"`);
  }
  ok(DEFAULT_FS_DENY.includes(".env"));
});

Deno.test("assertReadable: follows symlinks to the file that is read", async () => {
  const root = await Deno.realPath(await Deno.makeTempDir());
  const outside = await Deno.realPath(await Deno.makeTempDir());
  try {
    await Deno.writeTextFile(join(root, ".env"), "S=1");
    await Deno.writeTextFile(join(outside, "x.txt"), "x");
    await Deno.writeTextFile(join(root, "ok.txt"), "ok");
    await Deno.symlink(join(root, ".env"), join(root, "notes.txt"));
    await Deno.symlink(join(outside, "x.txt"), join(root, "out.txt"));
    assertReadable(join(root, "ok.txt"), { root });
    assertReadable(join(root, "missing.txt"), { root });
    try {
      assertReadable(join(root, "notes.txt"), { root });
      ok(false, "not refused");
    } catch (e) {
      ok(e instanceof FsDeniedError);
      equal(e.rule, ".env");
    }
    try {
      assertReadable(join(root, "out.txt"), { root });
      ok(false, "not refused");
    } catch (e) {
      ok(e instanceof UnsafePathError);
      equal(e.code, "LINKS_OUTSIDE");
    }
    assertReadable(join(root, "notes.txt"), { root, deny: [] });
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(outside, { recursive: true });
  }
});
