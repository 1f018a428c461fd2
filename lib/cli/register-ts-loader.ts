/**
 * Side-effect module for `node --import`: registers Weir's TypeScript loader hooks
 * ({@link ./ts-loader-hooks.ts}) and turns on source-map support so stack traces name `.ts` lines.
 * Lets any Node process import `.ts` files with decorator metadata, without the `weir` CLI.
 *
 * @example node --import ./dist/lib/cli/register-ts-loader.js my-script.ts
 */
import { register } from 'node:module';

register(new URL('./ts-loader-hooks.js', import.meta.url), {
  data: { packageRoot: new URL('../../../', import.meta.url).href },
});
process.setSourceMapsEnabled(true);
