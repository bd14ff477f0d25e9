/**
 * Hydrates the islands: every element with `data-island="Name"` becomes the
 * island component of that name, with the JSON in `data-props` as props.
 * The rest of the page stays static HTML.
 */
import { type ComponentType, h, hydrate } from "preact";
import AddToCart from "./islands/AddToCart.tsx";
import CartBadge from "./islands/CartBadge.tsx";
import Counter from "./islands/Counter.tsx";

// deno-lint-ignore no-explicit-any
const islands: Record<string, ComponentType<any>> = {
  AddToCart,
  CartBadge,
  Counter,
};

for (const el of document.querySelectorAll<HTMLElement>("[data-island]")) {
  const name = el.dataset.island!;
  const Island = islands[name];
  if (!Island) {
    console.warn(`No island named ${name}`);
    continue;
  }
  hydrate(h(Island, JSON.parse(el.dataset.props ?? "{}")), el);
}
