/**
 * HMR boundaries in a real browser: self-accepting modules, dependencies
 * accepted by their importer (string and array forms), propagation through a
 * module that accepts nothing, reloads when nothing accepts, modules no page
 * loaded, one instance per version, prune, and import cycles.
 *
 * @module
 */

import assert from "node:assert/strict";
import { browserTest, waitForConsole, waitForText } from "./_browser.ts";
import {
  appLines,
  assertNotReloaded,
  countLines,
  openHmrApp,
  pageHtml,
  waitForLineCount,
  waitForReload,
} from "./_hmr_app.ts";
import { modeConfig, testInEachMode } from "./_modes.ts";

/** A self-accepting module that counts its runs in `import.meta.hot.data`. */
function counterModule(version: string): string {
  return `
const runs = ((import.meta.hot?.data.runs as number | undefined) ?? 0) + 1;
document.querySelector("#out")!.textContent = "counter ${version} (run " + runs + ")";
console.log("counter ${version} run " + runs);
import.meta.hot?.dispose((data) => {
  data.runs = runs;
  console.log("dispose counter ${version}");
});
import.meta.hot?.accept();
`;
}

testInEachMode({
  ...browserTest,
  name:
    "a self-accepting module re-runs on each edit; dispose runs first and hot.data carries state over two edits",
  async fn(mode) {
    await using s = await openHmrApp({
      "index.html": pageHtml(),
      "src/main.ts": `import "./counter.ts";\nconsole.log("main ran");\n`,
      "src/counter.ts": counterModule("v1"),
    }, modeConfig(mode));
    const { app, tracked } = s;
    await waitForText(tracked, "#out", "counter v1 (run 1)");

    await app.write("src/counter.ts", counterModule("v2"));
    await waitForText(tracked, "#out", "counter v2 (run 2)");
    await app.write("src/counter.ts", counterModule("v3"));
    await waitForText(tracked, "#out", "counter v3 (run 3)");

    assert.deepEqual(appLines(tracked), [
      "counter v1 run 1",
      "main ran",
      "dispose counter v1",
      "counter v2 run 2",
      "dispose counter v2",
      "counter v3 run 3",
    ]);
    await assertNotReloaded(tracked);
    assert.deepEqual(tracked.pageErrors, []);
  },
});

testInEachMode({
  ...browserTest,
  name:
    'accept("./dep.ts", cb) in the importer takes the edit of dep.ts: the importer does not re-run, its callback gets the new module',
  async fn(mode) {
    await using s = await openHmrApp({
      "index.html": pageHtml(),
      "src/main.ts": `
import { label } from "./dep.ts";
const out = document.querySelector("#out")!;
out.textContent = label;
console.log("main ran");
import.meta.hot?.accept("./dep.ts", (mod) => {
  out.textContent = mod!.label;
  console.log("main accepted " + mod!.label);
});
`,
      "src/dep.ts":
        `export const label = "dep v1";\nconsole.log("dep v1 ran");\n`,
    }, modeConfig(mode));
    const { app, tracked } = s;
    await waitForText(tracked, "#out", "dep v1");

    await app.write(
      "src/dep.ts",
      `export const label = "dep v2";\nconsole.log("dep v2 ran");\n`,
    );
    await waitForText(tracked, "#out", "dep v2");

    assert.deepEqual(appLines(tracked), [
      "dep v1 ran",
      "main ran",
      "dep v2 ran",
      "main accepted dep v2",
    ]);
    await assertNotReloaded(tracked);
  },
});

testInEachMode({
  ...browserTest,
  name:
    'accept(["./a.ts", "./b.ts"], cb) gets the edited module in its slot and undefined in the other',
  async fn(mode) {
    const dep = (name: string, version: string) =>
      `export const label = "${name} ${version}";\nconsole.log("${name} ${version} ran");\n`;
    await using s = await openHmrApp({
      "index.html": pageHtml(),
      "src/main.ts": `
import { label as a } from "./a.ts";
import { label as b } from "./b.ts";
const out = document.querySelector("#out")!;
out.textContent = a + " / " + b;
console.log("main ran");
import.meta.hot?.accept(["./a.ts", "./b.ts"], ([newA, newB]) => {
  const text = (newA?.label ?? "-") + " / " + (newB?.label ?? "-");
  out.textContent = text;
  console.log("main accepted " + text);
});
`,
      "src/a.ts": dep("a", "v1"),
      "src/b.ts": dep("b", "v1"),
    }, modeConfig(mode));
    const { app, tracked } = s;
    await waitForText(tracked, "#out", "a v1 / b v1");

    await app.write("src/a.ts", dep("a", "v2"));
    await waitForText(tracked, "#out", "a v2 / -");
    await app.write("src/b.ts", dep("b", "v2"));
    await waitForText(tracked, "#out", "- / b v2");

    assert.deepEqual(appLines(tracked), [
      "a v1 ran",
      "b v1 ran",
      "main ran",
      "a v2 ran",
      "main accepted a v2 / -",
      "b v2 ran",
      "main accepted - / b v2",
    ]);
    await assertNotReloaded(tracked);
  },
});

testInEachMode({
  ...browserTest,
  name:
    "an edit of a leaf propagates through a middle module that accepts nothing to the parent that accepts the middle; the middle is disposed before new code runs",
  async fn(mode) {
    await using s = await openHmrApp({
      "index.html": pageHtml(),
      "src/main.ts": `import "./parent.ts";\nconsole.log("main ran");\n`,
      "src/parent.ts": `
import { text } from "./middle.ts";
const out = document.querySelector("#out")!;
out.textContent = text();
console.log("parent ran");
import.meta.hot?.accept("./middle.ts", (mod) => {
  out.textContent = mod!.text();
  console.log("parent accepted middle: " + mod!.text());
});
`,
      "src/middle.ts": `
import { leaf } from "./leaf.ts";
console.log("middle ran with " + leaf);
import.meta.hot?.dispose(() => console.log("middle dispose"));
export const text = () => "middle(" + leaf + ")";
`,
      "src/leaf.ts":
        `export const leaf = "leaf v1";\nconsole.log("leaf v1 ran");\n`,
    }, modeConfig(mode));
    const { app, tracked } = s;
    await waitForText(tracked, "#out", "middle(leaf v1)");

    await app.write(
      "src/leaf.ts",
      `export const leaf = "leaf v2";\nconsole.log("leaf v2 ran");\n`,
    );
    await waitForText(tracked, "#out", "middle(leaf v2)");

    assert.deepEqual(appLines(tracked), [
      "leaf v1 ran",
      "middle ran with leaf v1",
      "parent ran",
      "main ran",
      // The old version is disposed before any new code of the update runs.
      "middle dispose",
      "leaf v2 ran",
      "middle ran with leaf v2",
      "parent accepted middle: middle(leaf v2)",
    ]);
    await assertNotReloaded(tracked);
  },
});

testInEachMode({
  ...browserTest,
  name:
    "an edit that reaches the entry without a boundary reloads the page, which then shows the new content",
  async fn(mode) {
    await using s = await openHmrApp({
      "index.html": pageHtml(),
      "src/main.ts": `
import { label } from "./dep.ts";
document.querySelector("#out")!.textContent = label;
console.log("main ran with " + label);
`,
      "src/dep.ts": `export const label = "dep v1";\n`,
    }, modeConfig(mode));
    const { app, tracked } = s;
    await waitForText(tracked, "#out", "dep v1");

    await app.write("src/dep.ts", `export const label = "dep v2";\n`);
    await waitForReload(tracked);
    await waitForText(tracked, "#out", "dep v2");

    assert.equal(tracked.loads, 1, "exactly one reload");
    const reloadLine = await waitForConsole(tracked, "[banana] page reload:");
    assert.match(reloadLine, /\/src\/dep\.ts/);
    assert.match(reloadLine, /\/src\/main\.ts/);
    assert.deepEqual(appLines(tracked), [
      "main ran with dep v1",
      "main ran with dep v2",
    ]);
  },
});

/** A self-accepting module whose runs show that earlier edits were handled. */
function sentinelModule(version: string): string {
  return `console.log("sentinel ${version}");\nimport.meta.hot?.accept();\n`;
}

testInEachMode({
  ...browserTest,
  name:
    "editing a dynamic import that no page has loaded yet changes nothing on the page; loading it later runs the edited version",
  async fn(mode) {
    await using s = await openHmrApp({
      "index.html": pageHtml(`<button id="load">load</button>`),
      "src/main.ts": `
import "./sentinel.ts";
document.querySelector("#load")!.addEventListener("click", async () => {
  const { label } = await import("./lazy.ts");
  document.querySelector("#out")!.textContent = label;
});
console.log("main ran");
`,
      "src/sentinel.ts": sentinelModule("v1"),
      "src/lazy.ts":
        `export const label = "lazy v1";\nconsole.log("lazy v1 ran");\n`,
    }, modeConfig(mode));
    const { app, tracked } = s;
    await waitForConsole(tracked, "main ran");

    await app.write(
      "src/lazy.ts",
      `export const label = "lazy v2";\nconsole.log("lazy v2 ran");\n`,
    );
    // Edits are handled in order: once the sentinel's edit is applied, the
    // lazy module's edit has been handled too.
    await app.write("src/sentinel.ts", sentinelModule("v2"));
    await waitForConsole(tracked, "sentinel v2");

    await assertNotReloaded(tracked);
    assert.deepEqual(appLines(tracked), [
      "sentinel v1",
      "main ran",
      "sentinel v2",
    ]);

    await tracked.page.click("#load");
    await waitForText(tracked, "#out", "lazy v2");
    assert.equal(countLines(tracked, "lazy v1 ran"), 0);
    assert.equal(countLines(tracked, "lazy v2 ran"), 1);
  },
});

testInEachMode({
  ...browserTest,
  name:
    "one instance per version: after editing a (self-accepting) and then b that imports a, a's top-level code ran once per version",
  async fn(mode) {
    const moduleA = (version: string) =>
      `export const a = "a ${version}";\nconsole.log("a ${version} ran");\nimport.meta.hot?.accept();\n`;
    const moduleB = (version: string) => `
import { a } from "./a.ts";
document.querySelector("#out")!.textContent = "b ${version} sees " + a;
console.log("b ${version} ran, sees " + a);
import.meta.hot?.accept();
`;
    await using s = await openHmrApp({
      "index.html": pageHtml(),
      "src/main.ts":
        `import "./b.ts";\nimport "./a.ts";\nconsole.log("main ran");\n`,
      "src/a.ts": moduleA("v1"),
      "src/b.ts": moduleB("v1"),
    }, modeConfig(mode));
    const { app, tracked } = s;
    await waitForText(tracked, "#out", "b v1 sees a v1");

    await app.write("src/a.ts", moduleA("v2"));
    await waitForConsole(tracked, "a v2 ran");
    await app.write("src/b.ts", moduleB("v2"));
    await waitForText(tracked, "#out", "b v2 sees a v2");
    await app.write("src/a.ts", moduleA("v3"));
    await waitForConsole(tracked, "a v3 ran");
    await app.write("src/b.ts", moduleB("v3"));
    await waitForText(tracked, "#out", "b v3 sees a v3");

    assert.deepEqual(appLines(tracked), [
      "a v1 ran",
      "b v1 ran, sees a v1",
      "main ran",
      "a v2 ran",
      "b v2 ran, sees a v2",
      "a v3 ran",
      "b v3 ran, sees a v3",
    ]);
    await assertNotReloaded(tracked);
  },
});

testInEachMode({
  ...browserTest,
  name:
    "removing the last imports of two modules prunes both (dispose, then prune) and a re-added import runs the module again with fresh data",
  async fn(mode) {
    const leaf = (name: string) => `
console.log("${name} ran, data.disposed=" + import.meta.hot?.data.disposed);
import.meta.hot?.dispose((data) => {
  data.disposed = true;
  console.log("${name} dispose");
});
import.meta.hot?.prune(() => console.log("${name} prune"));
export const ${name} = "${name}";
`;
    const host = (version: string, imports: string[]) => `
${imports.map((name) => `import "./${name}.ts";`).join("\n")}
document.querySelector("#out")!.textContent = "host ${version}";
console.log("host ${version} ran");
import.meta.hot?.accept();
`;
    await using s = await openHmrApp({
      "index.html": pageHtml(),
      "src/main.ts": `import "./host.ts";\n`,
      "src/host.ts": host("v1", ["x", "y"]),
      "src/x.ts": leaf("x"),
      "src/y.ts": leaf("y"),
    }, modeConfig(mode));
    const { app, tracked } = s;
    await waitForText(tracked, "#out", "host v1");

    await app.write("src/host.ts", host("v2", []));
    await waitForText(tracked, "#out", "host v2");
    await waitForLineCount(tracked, "y prune", 1);
    await waitForLineCount(tracked, "x prune", 1);

    const lines = appLines(tracked);
    assert.deepEqual(lines.slice(0, 3), [
      "x ran, data.disposed=undefined",
      "y ran, data.disposed=undefined",
      "host v1 ran",
    ]);
    assert.deepEqual(
      lines.slice(3).sort(),
      ["host v2 ran", "x dispose", "x prune", "y dispose", "y prune"],
    );
    for (const name of ["x", "y"]) {
      assert.ok(
        lines.indexOf(`${name} dispose`) < lines.indexOf(`${name} prune`),
        `${name}: dispose runs before prune: ${Deno.inspect(lines)}`,
      );
    }

    await app.write("src/host.ts", host("v3", ["x"]));
    await waitForText(tracked, "#out", "host v3");
    assert.equal(
      countLines(tracked, "x ran, data.disposed=undefined"),
      2,
      `a pruned module imported again runs again, with fresh data: ${
        Deno.inspect(appLines(tracked))
      }`,
    );
    await assertNotReloaded(tracked);
    assert.deepEqual(tracked.pageErrors, []);
  },
});

testInEachMode({
  ...browserTest,
  name:
    "a self-accepting module inside an import cycle is updated, both when it and when its cycle partner is edited",
  async fn(mode) {
    const moduleA = (version: string) => `
import { b } from "./b.ts";
export const a = "a ${version}";
document.querySelector("#out")!.textContent = a + " + " + b;
console.log("a ${version} ran, sees " + b);
import.meta.hot?.accept();
`;
    const moduleB = (version: string) => `
import { a } from "./a.ts";
export const b = "b ${version}";
export const readA = () => a;
console.log("b ${version} ran");
`;
    await using s = await openHmrApp({
      "index.html": pageHtml(),
      "src/main.ts": `import "./a.ts";\nconsole.log("main ran");\n`,
      "src/a.ts": moduleA("v1"),
      "src/b.ts": moduleB("v1"),
    }, modeConfig(mode));
    const { app, tracked } = s;
    await waitForText(tracked, "#out", "a v1 + b v1");

    await app.write("src/a.ts", moduleA("v2"));
    await waitForText(tracked, "#out", "a v2 + b v1");
    await app.write("src/b.ts", moduleB("v2"));
    await waitForText(tracked, "#out", "a v2 + b v2");

    assert.deepEqual(appLines(tracked), [
      "b v1 ran",
      "a v1 ran, sees b v1",
      "main ran",
      "a v2 ran, sees b v1",
      "b v2 ran",
      "a v2 ran, sees b v2",
    ]);
    await assertNotReloaded(tracked);
    assert.deepEqual(tracked.pageErrors, []);
  },
});

testInEachMode({
  ...browserTest,
  name:
    "an import cycle below a self-accepting entry: editing a module of the cycle re-runs the cycle and the entry without a reload",
  async fn(mode) {
    const moduleX = (version: string) => `
import { y } from "./y.ts";
export const x = "x ${version}";
export const describe = () => x + " & " + y;
console.log("x ${version} ran");
`;
    const moduleY = (version: string) => `
import { x } from "./x.ts";
export const y = "y ${version}";
export const readX = () => x;
console.log("y ${version} ran");
`;
    await using s = await openHmrApp({
      "index.html": pageHtml(),
      "src/main.ts": `
import { describe } from "./x.ts";
document.querySelector("#out")!.textContent = describe();
console.log("main ran: " + describe());
import.meta.hot?.accept();
`,
      "src/x.ts": moduleX("v1"),
      "src/y.ts": moduleY("v1"),
    }, modeConfig(mode));
    const { app, tracked } = s;
    await waitForText(tracked, "#out", "x v1 & y v1");

    await app.write("src/y.ts", moduleY("v2"));
    await waitForText(tracked, "#out", "x v1 & y v2");
    await app.write("src/x.ts", moduleX("v2"));
    await waitForText(tracked, "#out", "x v2 & y v2");

    assert.deepEqual(appLines(tracked), [
      "y v1 ran",
      "x v1 ran",
      "main ran: x v1 & y v1",
      "y v2 ran",
      "x v1 ran",
      "main ran: x v1 & y v2",
      "y v2 ran",
      "x v2 ran",
      "main ran: x v2 & y v2",
    ]);
    await assertNotReloaded(tracked);
    assert.deepEqual(tracked.pageErrors, []);
  },
});

testInEachMode({
  ...browserTest,
  name:
    "an entry script imported back by its cycle partner runs as one instance, and an edit in that cycle, with nothing accepting, reloads the page",
  async fn(mode) {
    const moduleB = (version: string) =>
      `import { a } from "./a.ts";\nexport const b = "b ${version}";\nexport const readA = () => a;\n`;
    await using s = await openHmrApp({
      // The page's entry a.ts is imported back by b.ts: no module of the
      // graph is importer-less.
      "index.html": pageHtml("", "/src/a.ts"),
      "src/a.ts": `
import { b } from "./b.ts";
export const a = "a";
document.querySelector("#out")!.textContent = "a sees " + b;
console.log("a sees " + b);
`,
      "src/b.ts": moduleB("v1"),
    }, modeConfig(mode));
    const { app, tracked } = s;
    await waitForText(tracked, "#out", "a sees b v1");
    // A second instance of a.ts (imported by b.ts) would read b too early.
    assert.deepEqual(tracked.pageErrors, []);

    await app.write("src/b.ts", moduleB("v2"));
    await waitForReload(tracked);
    await waitForText(tracked, "#out", "a sees b v2");
    const reload = await waitForConsole(tracked, "[banana] page reload:");
    assert.match(reload, /import cycle/);
    assert.deepEqual(appLines(tracked), ["a sees b v1", "a sees b v2"]);
  },
});
