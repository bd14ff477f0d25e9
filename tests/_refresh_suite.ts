/**
 * The Fast Refresh behaviour every framework must show, as one suite run by
 * each framework's test file (`refresh_preact_test.ts`,
 * `refresh_react_test.ts`) with its own app: an edited component keeps its
 * state, a changed hook signature resets only that component, a module that
 * also exports a changed constant hands its update to its importers, and a
 * render error shows the overlay until the next good edit recovers without
 * a reload. Each test runs once per serve mode (`_modes.ts`).
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  browserTest,
  type TempApp,
  type TrackedPage,
  waitFor,
  waitForConsole,
  waitForText,
} from "./_browser.ts";
import { assertNotReloaded, openHmrApp } from "./_hmr_app.ts";
import { modeConfig, testInEachMode } from "./_modes.ts";

/**
 * The counter component every framework's app has at `src/counter.tsx`:
 * `#counter` shows `Count: <n>` and counts clicks with a `useState` imported
 * from `hooks`.
 */
export function counterSource(hooks: string): string {
  return `import { useState } from "${hooks}";
export function Counter() {
  const [count, setCount] = useState(0);
  return (
    <button id="counter" onClick={() => setCount(count + 1)}>
      Count: {count}
    </button>
  );
}
`;
}

/**
 * A component module at `src/banner.tsx` that also exports a constant its
 * importer (`src/app.tsx`, as `#title`) shows.
 */
export const BANNER = `export const GREETING = "Hello";
export function Banner() {
  return <p id="banner">{GREETING} from the banner</p>;
}
`;

/** One framework's app and what differs in how its state is checked. */
export interface RefreshFramework {
  /** Test name prefix: `Preact`, `React`. */
  name: string;
  /**
   * The app: `src/counter.tsx` is {@linkcode counterSource},
   * `src/banner.tsx` is {@linkcode BANNER}, and `src/app.tsx` renders the
   * greeting as `#title`, the banner, the counter and a sibling component.
   */
  files: Record<string, string>;
  /** The sibling component's state, which edits of others must keep. */
  sibling: {
    /** What the test names say about it. */
    keeps: string;
    /** Gives the sibling some state. */
    arrange(tracked: TrackedPage): Promise<void>;
    /** An edit of the sibling's markup only, checked to keep its state. */
    edit?(app: TempApp, tracked: TrackedPage): Promise<void>;
    /** Checks the state `arrange` gave (after `edit`, if `edited`). */
    assertKept(tracked: TrackedPage, edited: boolean): Promise<void>;
  };
  /** The render-error test's framework-specific steps. */
  renderError: {
    /** Before the broken edit (after one click of the counter). */
    before(tracked: TrackedPage): Promise<void>;
    /** What `#counter` shows after the fixing edit (`Fixed: <n>`). */
    fixedText: string | RegExp;
    /** After the overlay is gone. */
    after(tracked: TrackedPage): Promise<void>;
  };
}

/** The error overlay's message (its shadow DOM is open), or null. */
export async function overlayMessage(
  tracked: TrackedPage,
): Promise<string | null> {
  const message = tracked.page.locator("banana-error-overlay .message");
  return await message.count() > 0 ? await message.first().textContent() : null;
}

/** Registers the shared Fast Refresh tests for `framework`. */
export function refreshSuite(framework: RefreshFramework): void {
  const { name, files, sibling, renderError } = framework;
  const counter = files["src/counter.tsx"];

  testInEachMode({
    ...browserTest,
    name:
      `${name}: editing a component's label keeps its count of 3, without a reload; ${sibling.keeps}`,
    async fn(mode) {
      await using s = await openHmrApp(files, modeConfig(mode));
      const { app, tracked } = s;
      for (let i = 0; i < 3; i++) await tracked.page.click("#counter");
      await sibling.arrange(tracked);
      await waitForText(tracked, "#counter", "Count: 3");

      await app.write("src/counter.tsx", counter.replace("Count:", "Clicks:"));
      await waitForText(tracked, "#counter", "Clicks: 3");
      await sibling.assertKept(tracked, false);
      await assertNotReloaded(tracked);
      assert.equal(tracked.loads, 0);
      assert.deepEqual(tracked.pageErrors, []);
    },
  });

  testInEachMode({
    ...browserTest,
    name:
      `${name}: changing a component's hooks resets its state only; ${sibling.keeps}`,
    async fn(mode) {
      await using s = await openHmrApp(files, modeConfig(mode));
      const { app, tracked } = s;
      for (let i = 0; i < 3; i++) await tracked.page.click("#counter");
      await sibling.arrange(tracked);
      await waitForText(tracked, "#counter", "Count: 3");
      await sibling.assertKept(tracked, false);

      // Same hooks, new markup: the sibling's state survives.
      await sibling.edit?.(app, tracked);

      // A hook added to Counter: its signature changed, so it starts over.
      await app.write(
        "src/counter.tsx",
        counter.replace(
          "useState(0);",
          "useState(0);\n  const [, setUnused] = useState(false);",
        ),
      );
      await waitForText(tracked, "#counter", "Count: 0");
      await sibling.assertKept(tracked, sibling.edit !== undefined);
      await assertNotReloaded(tracked);
      assert.deepEqual(tracked.pageErrors, []);
    },
  });

  testInEachMode({
    ...browserTest,
    name:
      `${name}: a module exporting a component and a changed constant is invalidated; its importer re-renders with the new content`,
    async fn(mode) {
      await using s = await openHmrApp(files, modeConfig(mode));
      const { app, tracked } = s;
      for (let i = 0; i < 3; i++) await tracked.page.click("#counter");
      await waitForText(tracked, "#title", "Hello from the app");

      await app.write("src/banner.tsx", BANNER.replace('"Hello"', '"Howdy"'));
      await waitForConsole(
        tracked,
        /Could not Fast Refresh \/src\/banner\.tsx/,
      );
      await waitForText(tracked, "#title", "Howdy from the app");
      await waitForText(tracked, "#banner", "Howdy from the banner");
      // App.tsx accepted the update: the page and the counter stayed.
      await waitForText(tracked, "#counter", "Count: 3");
      await assertNotReloaded(tracked);
    },
  });

  testInEachMode({
    ...browserTest,
    name:
      `${name}: a component that throws while rendering shows the error overlay; the next good edit recovers without a reload`,
    async fn(mode) {
      await using s = await openHmrApp(files, modeConfig(mode));
      const { app, tracked } = s;
      await tracked.page.click("#counter");
      await renderError.before(tracked);
      await waitForText(tracked, "#counter", "Count: 1");

      await app.write(
        "src/counter.tsx",
        counter.replace(
          "return (",
          'if (count > 0) throw new Error("counter exploded");\n  return (',
        ),
      );
      const message = await waitFor(() => overlayMessage(tracked), {
        timeout: 10_000,
        message: "the error overlay",
      });
      assert.match(message, /counter exploded/);

      await app.write("src/counter.tsx", counter.replace("Count:", "Fixed:"));
      await waitForText(tracked, "#counter", renderError.fixedText);
      assert.equal(await overlayMessage(tracked), null);
      await renderError.after(tracked);
      await assertNotReloaded(tracked);
    },
  });
}
