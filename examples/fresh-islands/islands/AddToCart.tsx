import { useSignal } from "@preact/signals";
import { Button } from "../components/Button.tsx";
import { cartCount } from "../signals/cart.ts";

/** Adds a product to the shared cart; remembers how often (a local signal). */
export default function AddToCart({ product }: { product: string }) {
  const added = useSignal(0);
  const add = () => {
    added.value++;
    cartCount.value++;
  };
  return (
    <div class="island">
      <Button id="add-to-cart" onClick={add}>Add {product} to cart</Button>
      <span id="added">Added {added} times</span>
    </div>
  );
}
