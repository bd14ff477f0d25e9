import assert from "node:assert/strict";
import { bracketDepth } from "./bracket_depth.ts";

Deno.test("bracketDepth: the deepest nesting of (, [ and {, mixed", () => {
  assert.equal(bracketDepth("", 10), 0);
  assert.equal(bracketDepth("a + b;", 10), 0);
  assert.equal(bracketDepth("f([{ a: 1 }]); g()", 10), 3);
  assert.equal(bracketDepth("{}{}{{}}", 10), 2);
});

Deno.test("bracketDepth: stops at the limit; stray closers never go below 0", () => {
  assert.equal(bracketDepth("[".repeat(5000) + "]".repeat(5000), 256), 256);
  assert.equal(bracketDepth("(".repeat(255), 256), 255);
  assert.equal(bracketDepth(")))((", 10), 2);
});
