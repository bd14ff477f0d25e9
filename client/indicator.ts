/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The update status badge: a small `<banana-hmr-indicator>` (shadow DOM) in
 * the bottom-right corner — a blue pulse while an update is applied, a green
 * check when it succeeded (fades out), a red icon when it failed (click it to
 * see the error). Honours `prefers-reduced-motion` and `server.hmr.indicator`.
 *
 * @module
 */

import { env } from "./env.ts";
import { reopenOverlay } from "./overlay.ts";

/** The badge's states. */
export type IndicatorState = "applying" | "success" | "error" | "idle";

const TAG = "banana-hmr-indicator";

const STYLE = `
:host { all: initial; position: fixed; right: 12px; bottom: 12px; z-index: 2147483646;
  display: block; pointer-events: none; }
.badge { width: 22px; height: 22px; border-radius: 50%; display: flex; align-items: center;
  justify-content: center; color: #fff; font: bold 13px/1 system-ui, sans-serif; opacity: 0;
  transition: opacity .3s; box-shadow: 0 1px 4px rgba(0,0,0,.3); }
.badge[data-state="applying"] { background: #2f7dff; opacity: 1; animation: pulse 0.8s ease-in-out infinite; }
.badge[data-state="success"] { background: #20a35a; opacity: 1; }
.badge[data-state="success"].fade { opacity: 0; }
.badge[data-state="error"] { background: #e5484d; opacity: 1; pointer-events: auto; cursor: pointer; }
@keyframes pulse { 0%, 100% { transform: scale(1); box-shadow: 0 0 0 0 rgba(47,125,255,.6); }
  50% { transform: scale(1.15); box-shadow: 0 0 0 6px rgba(47,125,255,0); } }
@media (prefers-reduced-motion: reduce) {
  .badge { transition: none; }
  .badge[data-state="applying"] { animation: none; }
}
`;

const SYMBOLS: Record<IndicatorState, string> = {
  applying: "",
  success: "✓",
  error: "!",
  idle: "",
};

const LABELS: Record<IndicatorState, string> = {
  applying: "Applying update",
  success: "Update applied",
  error: "Update failed: click for details",
  idle: "",
};

let badge: HTMLElement | null = null;
let fadeTimer: ReturnType<typeof setTimeout> | undefined;

function ensureBadge(): HTMLElement {
  if (badge?.isConnected) return badge;
  if (!customElements.get(TAG)) {
    customElements.define(TAG, class extends HTMLElement {});
  }
  const host = document.createElement(TAG);
  const root = host.attachShadow({ mode: "open" });
  const style = document.createElement("style");
  style.textContent = STYLE;
  badge = document.createElement("div");
  badge.className = "badge";
  badge.setAttribute("role", "status");
  badge.onclick = () => reopenOverlay();
  root.append(style, badge);
  document.body.appendChild(host);
  return badge;
}

/**
 * Shows a state: `applying` pulses until the next state, `success` fades
 * out after a moment (back to `idle`, invisible), `error` stays until the
 * next update and opens the overlay when clicked. Does nothing when
 * `server.hmr.indicator` is false.
 *
 * @example
 * ```ts
 * setIndicator("applying");
 * setIndicator("success");
 * ```
 */
export function setIndicator(state: IndicatorState): void {
  if (!env.indicator || !document.body) return;
  const el = ensureBadge();
  clearTimeout(fadeTimer);
  el.classList.remove("fade");
  el.dataset.state = state;
  el.textContent = SYMBOLS[state];
  el.setAttribute("aria-label", LABELS[state]);
  el.title = LABELS[state];
  if (state === "success") {
    fadeTimer = setTimeout(() => {
      el.classList.add("fade");
      fadeTimer = setTimeout(() => {
        if (el.dataset.state !== "success") return;
        el.classList.remove("fade");
        el.dataset.state = "idle";
        el.textContent = "";
        el.removeAttribute("title");
      }, 400);
    }, 1200);
  }
}
