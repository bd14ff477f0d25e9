import { signal } from "@preact/signals";

/**
 * How many items are in the cart: one signal shared by the AddToCart and
 * CartBadge islands. It lives in a module without components, so editing
 * an island does not re-create it.
 */
export const cartCount = signal(0);
