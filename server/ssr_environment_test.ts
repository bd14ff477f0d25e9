import assert from "node:assert/strict";
import { join } from "node:path";
import { SsrEnvironment } from "./ssr_environment.ts";
import type { FileChangeKind } from "./watcher.ts";

async function tempApp(files: Record<string, string>) {
  const root = await Deno.realPath(await Deno.makeTempDir());
  for (const [rel, text] of Object.entries(files)) {
    await Deno.mkdir(join(root, rel, ".."), { recursive: true });
    await Deno.writeTextFile(join(root, rel), text);
  }
  const env = new SsrEnvironment({
    root,
    cacheDir: join(root, ".banana/ssr"),
    fsAllow: [],
    app: {
      importMap: { imports: {}, scopes: {} },
      compilerOptions: {},
      files: [],
    },
    alias: {},
    define: {},
    mode: "development",
  });
  const save = async (rel: string, text: string) => {
    await Deno.writeTextFile(join(root, rel), text);
    return await env.onFileChanges(
      new Map<string, FileChangeKind>([[join(root, rel), "update"]]),
    );
  };
  return {
    root,
    env,
    save,
    [Symbol.asyncDispose]: () => Deno.remove(root, { recursive: true }),
  };
}

const APP = {
  "routes/page.ts": `import { hit } from "../lib/counter.ts";
import { label } from "../lib/label.ts";
export const render = () => label() + " #" + hit();
`,
  "lib/counter.ts": `let n = 0;\nexport const hit = () => ++n;\n`,
  "lib/label.ts": `export const label = (): string => "v1";\n`,
};

type Page = { render(): string };

Deno.test("ssr environment: an edit re-evaluates the edited module and its importers; the others keep their instance and state", async () => {
  await using app = await tempApp(APP);
  const page = await app.env.import("/routes/page.ts") as unknown as Page;
  assert.equal(page.render(), "v1 #1");
  assert.equal(page.render(), "v1 #2");
  // The same version is the same instance.
  assert.equal(await app.env.import("/routes/page.ts"), page as unknown);

  const change = await app.save(
    "lib/label.ts",
    `export const label = (): string => "v2";\n`,
  );
  assert.deepEqual(
    [...change!.refreshed].map((node) => node.url).sort(),
    ["/lib/label.ts", "/routes/page.ts"],
  );
  const next = await app.env.import("/routes/page.ts") as unknown as Page;
  assert.notEqual(next, page);
  // counter.ts was not evaluated again: its count goes on.
  assert.equal(next.render(), "v2 #3");
});

Deno.test("ssr environment: a save with the same content changes nothing", async () => {
  await using app = await tempApp(APP);
  const page = await app.env.import("/routes/page.ts");
  assert.equal(await app.save("lib/label.ts", APP["lib/label.ts"]), null);
  assert.equal(await app.env.import("/routes/page.ts"), page);
});

Deno.test("ssr environment: a compile error is located in the source; the fix loads", async () => {
  await using app = await tempApp(APP);
  await app.save(
    "lib/label.ts",
    `export const label = (): string => "v1";\nconst = ;\n`,
  );
  await assert.rejects(
    () => app.env.import("/routes/page.ts"),
    (err: Error & { body?: { loc?: { line: number } } }) => {
      assert.match(err.message, /lib\/label\.ts:2:/);
      assert.equal(err.body?.loc?.line, 2);
      return true;
    },
  );
  await app.save(
    "lib/label.ts",
    `export const label = (): string => "fixed";\n`,
  );
  const page = await app.env.import("/routes/page.ts") as unknown as Page;
  assert.match(page.render(), /^fixed #/);
});
