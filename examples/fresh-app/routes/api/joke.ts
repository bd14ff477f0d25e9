import { jokeOfTheDay } from "../../utils/jokes.ts";

/** An API route: only a handler, no page. */
export const handler = {
  GET(_request: Request) {
    return Response.json({ joke: jokeOfTheDay() });
  },
};
