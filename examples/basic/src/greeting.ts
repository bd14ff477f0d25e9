/** The text shown above the counter. */
export function greeting(name: string): string {
  return `Hello, ${name}!`;
}
