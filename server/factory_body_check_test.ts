import assert from "node:assert/strict";
import {
  factoryBodiesParse,
  parsesAsFactoryBody,
} from "./factory_body_check.ts";

const GOOD =
  '"use strict";__m.export({ a: () => a });const __i0 = await __m.import("/src/b.ts");\nconst a = 1;';

/** Bodies each check must refuse, and why. */
const BAD: [body: string, why: string][] = [
  ["});globalThis.x = 1;(function () {", "closes its function early"],
  ['"use strict";const __m = 1;', "redeclares __m"],
  ["let = ;", "does not parse"],
  ["const a = 1; const a = 2;", "an early error (redeclaration)"],
  ["break;", "an early error (break outside a loop)"],
  ["with (a) {}", "strict mode"],
  ["}, async function (__m) {x();", "closes its function and opens another"],
  ["x();\n}, async function (__m) {", "adds a function to the array"],
];

Deno.test("parsesAsFactoryBody: a registry body parses; one that closes the function early, redeclares __m or does not parse does not", () => {
  assert.equal(parsesAsFactoryBody(GOOD), true);
  // Ends in a line comment: the bundle closes the function on a new line.
  assert.equal(parsesAsFactoryBody("const a = 1;\n// the end"), true);
  for (const [body, why] of BAD) {
    assert.equal(parsesAsFactoryBody(body), false, why);
  }
});

Deno.test("factoryBodiesParse: checked together, each body gets the answer it gets alone", () => {
  assert.deepEqual(factoryBodiesParse([]), []);
  assert.deepEqual(
    factoryBodiesParse([GOOD, "const a = 1;\n// the end", "b();"]),
    [true, true, true],
  );
  for (const [body, why] of BAD) {
    assert.deepEqual(
      factoryBodiesParse([GOOD, body, GOOD]),
      [true, false, true],
      why,
    );
  }
  // Two bodies that together rebuild the array's shape.
  assert.deepEqual(
    factoryBodiesParse(["a();\n}, async function (__m) {b();", "c();}, d, {"]),
    [false, false],
  );
  assert.deepEqual(factoryBodiesParse(["let = ;"]), [false]);
});
