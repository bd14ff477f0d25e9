/** The jokes the API route picks from. */
export const JOKES = [
  "Why did the banana go to the doctor? It was not peeling well.",
  "What do you call two bananas? A pair of slippers.",
];

/** The joke of the day. */
export function jokeOfTheDay(): string {
  return JOKES[0];
}
