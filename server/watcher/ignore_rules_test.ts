import assert from "node:assert/strict";
import { ignoreRules } from "./ignore_rules.ts";

Deno.test("ignoreRules: .git and node_modules at any depth, configured dirs (relative or absolute), editor temp files and paths outside the root", () => {
  const isIgnored = ignoreRules("/app", ["dist", "/app/out"]);
  for (
    const path of [
      "/app/.git/HEAD",
      "/app/src/.git/config",
      "/app/node_modules/x/index.js",
      "/app/packages/a/node_modules/y.js",
      "/app/dist",
      "/app/dist/a.js",
      "/app/out/b.js",
      "/app/src/.a.ts.swp",
      "/elsewhere/a.ts",
    ]
  ) assert.equal(isIgnored(path), true, path);
  for (
    const path of [
      "/app/src/a.ts",
      "/app/distant.ts",
      "/app/src/dist.ts",
      "/app/.github/workflow.yml",
      "/app/index.html",
    ]
  ) assert.equal(isIgnored(path), false, path);
});
