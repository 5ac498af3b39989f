// Where `lion-cub calibrate` writes its constants and `lion-cub model` looks for them by default.

import { join } from 'node:path';

/**
 * $LION_CUB_CONSTANTS if set; else $XDG_CACHE_HOME/lion-cub/cost-constants.json; else
 * <home>/.cache/lion-cub/cost-constants.json. Pure: the caller passes the environment and home directory.
 */
export function defaultConstantsPath(env: Readonly<Record<string, string | undefined>>, homeDir: string): string {
  if (env.LION_CUB_CONSTANTS) return env.LION_CUB_CONSTANTS;
  const cache = env.XDG_CACHE_HOME || join(homeDir, '.cache');
  return join(cache, 'lion-cub', 'cost-constants.json');
}
