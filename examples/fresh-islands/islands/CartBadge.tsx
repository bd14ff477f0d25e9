import { cartCount } from "../signals/cart.ts";

/** Shows the shared cart signal; re-renders only the text that changes. */
export default function CartBadge() {
  return <span id="cart-badge" class="badge">Cart: {cartCount}</span>;
}
