import { type Signal, useSignal } from "@preact/signals";
import { Button } from "../components/Button.tsx";

/** Adds a product to the page's cart signal; remembers how often. */
export default function AddToCart(
  { product, count }: { product: string; count: Signal<number> },
) {
  const added = useSignal(0);
  const add = () => {
    added.value++;
    count.value++;
  };
  return (
    <div class="island">
      <Button id="add-to-cart" onClick={add}>Add {product} to cart</Button>
      <span id="added">Added {added} times</span>
    </div>
  );
}
