import type { Signal } from "@preact/signals";

/** Shows the cart signal it shares with AddToCart. */
export default function CartBadge({ count }: { count: Signal<number> }) {
  return <span id="cart-badge" class="badge">Cart: {count}</span>;
}
