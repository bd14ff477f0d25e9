/**
 * The URL of the client module that injects, replaces and removes
 * `<style>`s, in a module of its own: the Vue plugin names it without
 * loading the CSS plugin (and the module pipeline behind it).
 *
 * @module
 */

import { CLIENT_DIR_URL } from "../module_urls.ts";

/** The client module that injects, replaces and removes `<style>`s. */
export const CSS_CLIENT_URL = `${CLIENT_DIR_URL}css.ts`;
