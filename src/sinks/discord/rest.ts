/**
 * discord.js's REST client, `@discordjs/rest`, in the build that sends with the platform's
 * `fetch`. Its Node build loads the npm `undici` on require (~100 ms and ~10 MB at start-up);
 * Node 20 has fetch built in. The package's `exports` offer that build to other runtimes only,
 * so it is required by its file path. Every runtime value of the library comes from here, so
 * that `instanceof` sees one set of error classes.
 */
import path from 'node:path';
import type * as DiscordRest from '@discordjs/rest';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the fetch build, see above
const rest = require(path.join(path.dirname(require.resolve('@discordjs/rest')), 'web.js')) as typeof DiscordRest;

export const { REST, RESTEvents, DiscordAPIError, HTTPError, RateLimitError } = rest;
export type REST = DiscordRest.REST;
export type DiscordAPIError = DiscordRest.DiscordAPIError;
export type HTTPError = DiscordRest.HTTPError;
export type RateLimitError = DiscordRest.RateLimitError;
export type { RESTOptions, ResponseLike } from '@discordjs/rest';
