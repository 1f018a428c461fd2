/**
 * Side-effect module for `node --import`: registers Weir's TypeScript loader hooks
 * ({@link ./ts-loader-hooks.ts}) and turns on source-map support so stack traces name `.ts` lines.
 * Lets any Node process import `.ts` files with decorator metadata, without the `weir` CLI.
 * Registers once per thread (`bin/weir.js` marks its own registration the same way).
 *
 * @example node --import ./dist/lib/cli/register-ts-loader.js my-script.ts
 */
import { register } from 'node:module';

const REGISTERED = Symbol.for('weir.tsLoaderRegistered');
const marks = globalThis as { [REGISTERED]?: boolean };
if (marks[REGISTERED] !== true) {
  marks[REGISTERED] = true;
  register(new URL('./ts-loader-hooks.js', import.meta.url), {
    data: { packageRoot: new URL('../../../', import.meta.url).href },
  });
  process.setSourceMapsEnabled(true);
}
