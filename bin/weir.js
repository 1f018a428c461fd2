#!/usr/bin/env node
// The `weir` command. Registers the TypeScript loader hooks (so job files can be .ts with
// decorator metadata), then hands process.argv to dist/lib/cli/main.js and exits with its code:
// 0 success, 1 job failed, 2 usage or configuration error, 3 job file could not be loaded,
// 75 a high-availability job manager lost its leadership (lib/cli/exit-codes.ts has them all).
import { existsSync } from 'node:fs';
import { register } from 'node:module';

const hooks = new URL('../dist/lib/cli/ts-loader-hooks.js', import.meta.url);
const mainModule = new URL('../dist/lib/cli/main.js', import.meta.url);

if (!existsSync(hooks) || !existsSync(mainModule)) {
  process.stderr.write(`weir: compiled files not found in ${new URL('../dist/', import.meta.url).pathname}; run npm run build\n`);
  process.exit(2);
}

register(hooks, { data: { packageRoot: new URL('../', import.meta.url).href } });
// Same mark as dist/lib/cli/register-ts-loader.js: worker-thread slots do not register twice here.
globalThis[Symbol.for('weir.tsLoaderRegistered')] = true;
process.setSourceMapsEnabled(true);

const { main } = await import(mainModule.href);
const code = await main(process.argv);
// Exit explicitly once stdout/stderr have drained: a job may leave timers or sockets behind,
// and the CLI's work is done.
await Promise.all([process.stdout, process.stderr].map((s) => new Promise((done) => s.write('', done))));
process.exit(code);
