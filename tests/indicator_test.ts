/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The update status indicator: a blue pulse while an update is applied, a
 * green check when it succeeded (then it fades away), a red icon when it
 * failed (clicking it opens the overlay). `server.hmr.indicator: false`
 * turns it off; `prefers-reduced-motion` stops the pulse.
 *
 * Set `BANANA_SCREENSHOT_DIR=/some/dir` to save screenshots of the three
 * states.
 *
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  browserTest,
  type TrackedPage,
  waitFor,
  waitForText,
} from "./_browser.ts";
import { assertNotReloaded, openHmrApp, pageHtml } from "./_hmr_app.ts";

const BADGE = "banana-hmr-indicator .badge";

/** A self-accepting view; `before` runs first (a delay, a throw). */
function view(label: string, before = ""): string {
  return `${before}
document.querySelector("#out")!.textContent = "${label}";
import.meta.hot?.accept();
`;
}

const SLOW = "await new Promise((resolve) => setTimeout(resolve, 1500));";

/**
 * Records every state the badge shows (`data-state`, plus `:fade` while it
 * fades) into `window.__indicatorStates`, from before the badge exists.
 */
async function recordIndicatorStates(tracked: TrackedPage): Promise<void> {
  await tracked.page.evaluate(() => {
    const states: string[] = [];
    (globalThis as { __indicatorStates?: string[] }).__indicatorStates = states;
    const watch = (host: Element) => {
      const badge = host.shadowRoot!.querySelector<HTMLElement>(".badge")!;
      const record = () => {
        const state = badge.dataset.state +
          (badge.classList.contains("fade") ? ":fade" : "");
        if (states.at(-1) !== state) states.push(state);
      };
      record();
      new MutationObserver(record).observe(badge, { attributes: true });
    };
    const existing = document.querySelector("banana-hmr-indicator");
    if (existing) return watch(existing);
    new MutationObserver((_, observer) => {
      const host = document.querySelector("banana-hmr-indicator");
      if (!host) return;
      observer.disconnect();
      watch(host);
    }).observe(document.body, { childList: true });
  });
}

function indicatorStates(tracked: TrackedPage): Promise<string[]> {
  return tracked.page.evaluate(() =>
    (globalThis as { __indicatorStates?: string[] }).__indicatorStates ?? []
  );
}

async function waitForState(
  tracked: TrackedPage,
  state: string,
): Promise<void> {
  await waitFor(
    async () =>
      (await tracked.page.locator(BADGE).getAttribute("data-state")) === state,
    { timeout: 10_000, interval: 20, message: `the indicator to be ${state}` },
  );
}

function badgeStyle(
  tracked: TrackedPage,
): Promise<{ animation: string; color: string; pointer: string }> {
  return tracked.page.locator(BADGE).evaluate((el) => {
    const style = getComputedStyle(el);
    return {
      animation: style.animationName,
      color: style.backgroundColor,
      pointer: style.pointerEvents,
    };
  });
}

/** Saves a screenshot of the page and a close-up of the badge. */
async function screenshot(tracked: TrackedPage, name: string): Promise<void> {
  const dir = Deno.env.get("BANANA_SCREENSHOT_DIR");
  if (!dir) return;
  await Deno.mkdir(dir, { recursive: true });
  await tracked.page.screenshot({ path: join(dir, `${name}-page.png`) });
  const box = await tracked.page.locator(BADGE).boundingBox();
  if (box) {
    await tracked.page.screenshot({
      path: join(dir, `${name}-badge.png`),
      clip: {
        x: box.x - 12,
        y: box.y - 12,
        width: box.width + 24,
        height: box.height + 24,
      },
    });
  }
}

Deno.test({
  ...browserTest,
  name:
    "the indicator pulses blue while an update is applied, shows a green check that fades, and a red icon on failure that opens the overlay",
  async fn() {
    await using s = await openHmrApp({
      "index.html": pageHtml(),
      "src/main.ts": `import "./view.ts";\n`,
      "src/view.ts": view("v1"),
    }, { server: { hmr: { reload: false } } });
    const { app, tracked } = s;
    await waitForText(tracked, "#out", "v1");
    await recordIndicatorStates(tracked);

    // The new version takes 1.5 s to evaluate: the update is in progress.
    await app.write("src/view.ts", view("v2", SLOW));
    await waitForState(tracked, "applying");
    const applying = await badgeStyle(tracked);
    assert.equal(applying.animation, "pulse");
    assert.equal(applying.color, "rgb(47, 125, 255)");
    assert.equal(applying.pointer, "none", "it never takes the app's clicks");
    await screenshot(tracked, "1-applying");

    await waitForState(tracked, "success");
    await waitForText(tracked, "#out", "v2");
    assert.equal((await badgeStyle(tracked)).color, "rgb(32, 163, 90)");
    assert.equal(await tracked.page.locator(BADGE).textContent(), "✓");
    await screenshot(tracked, "2-success");
    // It gets out of the way by itself.
    await waitForState(tracked, "idle");
    assert.equal(
      await tracked.page.locator(BADGE).evaluate((el) =>
        getComputedStyle(el).opacity
      ),
      "0",
    );

    await app.write(
      "src/view.ts",
      view("v3", `throw new Error("view v3 is broken");`),
    );
    await waitForState(tracked, "error");
    await waitForText(
      tracked,
      "banana-error-overlay .message",
      /view v3 is broken/,
    );
    const failed = await badgeStyle(tracked);
    assert.equal(failed.color, "rgb(229, 72, 77)");
    assert.equal(failed.pointer, "auto");
    await screenshot(tracked, "3-error-with-overlay");
    // Closed with Esc, the overlay comes back from the red icon.
    await tracked.page.keyboard.press("Escape");
    await waitFor(
      async () =>
        (await tracked.page.locator("banana-error-overlay").count()) === 0,
      { timeout: 5000, message: "the overlay to close" },
    );
    await screenshot(tracked, "4-error");
    await tracked.page.locator(BADGE).click();
    await waitForText(
      tracked,
      "banana-error-overlay .message",
      /view v3 is broken/,
    );

    assert.deepEqual(await indicatorStates(tracked), [
      "applying",
      "success",
      "success:fade",
      "idle",
      "applying",
      "error",
    ]);
    await assertNotReloaded(tracked);
  },
});

Deno.test({
  ...browserTest,
  name: "with prefers-reduced-motion the applying indicator does not pulse",
  async fn() {
    await using s = await openHmrApp({
      "index.html": pageHtml(),
      "src/main.ts": `import "./view.ts";\n`,
      "src/view.ts": view("v1"),
    });
    const { app, tracked } = s;
    await tracked.page.emulateMedia({ reducedMotion: "reduce" });
    await waitForText(tracked, "#out", "v1");
    await app.write("src/view.ts", view("v2", SLOW));
    await waitForState(tracked, "applying");
    const style = await badgeStyle(tracked);
    assert.equal(style.animation, "none");
    assert.equal(style.color, "rgb(47, 125, 255)");
    await waitForText(tracked, "#out", "v2");
  },
});

Deno.test({
  ...browserTest,
  name: "server.hmr.indicator false shows no indicator during or after updates",
  async fn() {
    await using s = await openHmrApp({
      "index.html": pageHtml(),
      "src/main.ts": `import "./view.ts";\n`,
      "src/view.ts": view("v1"),
    }, { server: { hmr: { indicator: false } } });
    const { app, tracked } = s;
    await waitForText(tracked, "#out", "v1");
    await app.write("src/view.ts", view("v2", SLOW));
    await waitFor(async () => {
      const text = await tracked.page.textContent("#out");
      assert.equal(
        await tracked.page.locator("banana-hmr-indicator").count(),
        0,
      );
      return text === "v2";
    }, {
      timeout: 10_000,
      interval: 50,
      message: "the update without a badge",
    });
    await assertNotReloaded(tracked);
  },
});
