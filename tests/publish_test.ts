/**
 * What `deno publish` would put in the package: exactly what runs — `mod.ts`,
 * `deno.json`, the README and the non-test modules of `server/` and
 * `client/` — and none of the tests, bench, examples, fixtures, our lockfile
 * or the tests' import map (issue 17).
 *
 * The dry run is offline with `--no-check` (its type check alone takes
 * ~20 s here; `deno task check` covers types). `--allow-dirty` lets it run
 * in a working tree with uncommitted edits.
 */

import assert from "node:assert/strict";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { ownSourceFiles, REPO_ROOT } from "./_own_files.ts";

Deno.test("deno publish --dry-run lists only the files that run, and all of them", async () => {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["publish", "--dry-run", "--allow-dirty", "--no-check"],
    cwd: REPO_ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const text = new TextDecoder().decode(output.stdout) +
    new TextDecoder().decode(output.stderr);
  assert.ok(output.success, text);
  assert.match(text, /Dry run complete/);
  const published = [...text.matchAll(/^\s+(file:\/\/\S+) \(/gm)]
    .map((match) => relative(REPO_ROOT, fileURLToPath(match[1]))).sort();
  const modules = (await ownSourceFiles()).map((file) =>
    relative(REPO_ROOT, file)
  );
  assert.deepEqual(
    published,
    [...modules, "README.md", "deno.json"].sort(),
  );
});
