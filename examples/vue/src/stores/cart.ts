import { acceptHMRUpdate, defineStore } from "pinia";

export const useCartStore = defineStore("cart", {
  state: () => ({ items: 0 }),
  actions: {
    add() {
      this.items += 1;
    },
  },
});

// Pinia's own HMR API: an edit of this store keeps its state.
if (import.meta.hot) {
  import.meta.hot.accept(acceptHMRUpdate(useCartStore, import.meta.hot));
}
