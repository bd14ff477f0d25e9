import { countRequest } from "../utils/requests.ts";

/** State every page can show: who is serving, and how many requests so far. */
export interface StandState {
  vendor: string;
  requests: number;
}

/** Runs before every route: fills `ctx.state`, then lets the route answer. */
export async function handler(
  _request: Request,
  ctx: { state: StandState; next: () => Promise<Response> },
) {
  ctx.state.vendor = "Bea";
  ctx.state.requests = countRequest();
  const response = await ctx.next();
  response.headers.set("x-served-by", ctx.state.vendor);
  return response;
}
