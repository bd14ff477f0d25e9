import assert from "node:assert/strict";
import { type SyncCandidate, syncModuleIds } from "./sync_factories.ts";

const own = (id: string) => id.startsWith("/src/");

Deno.test("syncModuleIds: modules that await nothing and import only such modules and externals run synchronously", () => {
  const modules: SyncCandidate[] = [
    {
      id: "/src/main.ts",
      imports: ["/src/a.ts", "/@deps/x.js"],
      canBeSync: true,
    },
    { id: "/src/a.ts", imports: ["/src/b.ts"], canBeSync: true },
    { id: "/src/b.ts", imports: [], canBeSync: true },
  ];
  assert.deepEqual([...syncModuleIds(modules, own)].sort(), [
    "/src/a.ts",
    "/src/b.ts",
    "/src/main.ts",
  ]);
});

Deno.test("syncModuleIds: a top-level await, or an own import the bundle lacks, makes the module and every importer above it async", () => {
  const modules: SyncCandidate[] = [
    {
      id: "/src/main.ts",
      imports: ["/src/a.ts", "/src/side.ts"],
      canBeSync: true,
    },
    { id: "/src/a.ts", imports: ["/src/tla.ts"], canBeSync: true },
    { id: "/src/tla.ts", imports: [], canBeSync: false },
    { id: "/src/side.ts", imports: [], canBeSync: true },
    { id: "/src/lazy.ts", imports: ["/src/missing.ts"], canBeSync: true },
  ];
  assert.deepEqual([...syncModuleIds(modules, own)], ["/src/side.ts"]);
});

Deno.test("syncModuleIds: a cycle of synchronous modules stays synchronous", () => {
  const modules: SyncCandidate[] = [
    { id: "/src/a.ts", imports: ["/src/b.ts"], canBeSync: true },
    { id: "/src/b.ts", imports: ["/src/a.ts"], canBeSync: true },
  ];
  assert.deepEqual([...syncModuleIds(modules, own)].sort(), [
    "/src/a.ts",
    "/src/b.ts",
  ]);
});

Deno.test("syncModuleIds: a chain deeper than the limit is async from the limit up, and a 20,000-module chain takes no recursion", () => {
  const chain = (n: number): SyncCandidate[] =>
    Array.from({ length: n }, (_, i) => ({
      id: `/src/m${i}.ts`,
      imports: i + 1 < n ? [`/src/m${i + 1}.ts`] : [],
      canBeSync: true,
    }));
  const ids = syncModuleIds(chain(10), own, 4);
  // m9 has height 1, m6 height 4, m5 height 5: m0–m5 wait.
  assert.deepEqual([...ids].sort(), [
    "/src/m6.ts",
    "/src/m7.ts",
    "/src/m8.ts",
    "/src/m9.ts",
  ]);
  assert.equal(syncModuleIds(chain(20_000), own).size, 400);
});
