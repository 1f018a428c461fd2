import test from 'ava';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killAll, repoRoot, runNode } from './node-process.js';

// The hooks are exercised as users get them: `node --import register-ts-loader.js <file>.ts`, on the
// .ts sources under test/fixtures/cli (not their tsc output in dist/).
const register = join(repoRoot, 'dist/lib/cli/register-ts-loader.js');
const fixture = (name: string) => join(repoRoot, 'test/fixtures/cli', name);
const tmp = mkdtempSync(join(tmpdir(), 'weir-ts-loader-'));

test.after.always(() => {
  killAll();
  rmSync(tmp, { recursive: true, force: true });
});

test.serial('transpiles decorators with metadata so tsyringe injects constructor parameters', async (t) => {
  t.timeout(60_000);
  const r = await runNode(['--import', register, fixture('decorated.ts')]);
  t.is(r.code, 0, r.stderr);
  t.deepEqual(JSON.parse(r.stdout), { fare: 10, paramTypes: ['FareTable'], fieldKept: 42 });
});

test.serial('resolves ./helper.js to helper.ts when only the .ts file exists', async (t) => {
  t.timeout(60_000);
  const r = await runNode(['--import', register, fixture('uses-helper.ts')]);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, 'hello weir\n');
});

test.serial('resolves extensionless relative specifiers to .ts, outside the repository too', async (t) => {
  t.timeout(60_000);
  const dir = join(tmp, 'extensionless');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'main.ts'), "import { n } from './lib/num';\nconst x: number = n + 1;\nconsole.log(x);\n");
  mkdirSync(join(dir, 'lib'));
  writeFileSync(join(dir, 'lib/num.ts'), 'export const n: number = 41;\n');
  const r = await runNode(['--import', register, join(dir, 'main.ts')]);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, '42\n');
});

test.serial('stack traces point at .ts lines through the inline source map', async (t) => {
  t.timeout(60_000);
  const r = await runNode(['--import', register, fixture('throws.ts')]);
  t.not(r.code, 0);
  t.regex(r.stderr, /negative miles in zone JFK/);
  t.regex(r.stderr, /throws\.ts:16:\d+/);
});

test.serial("Weir's own sources resolve to the compiled dist/ modules (one copy of Weir)", async (t) => {
  t.timeout(60_000);
  const r = await runNode(['--import', register, fixture('same-weir.ts')]);
  t.is(r.code, 0, r.stderr);
  t.deepEqual(JSON.parse(r.stdout), { same: true });
});

test.serial('a syntax error names the file', async (t) => {
  t.timeout(60_000);
  const file = join(tmp, 'broken.ts');
  writeFileSync(file, 'const x: number = ;\n');
  const r = await runNode(['--import', register, file]);
  t.not(r.code, 0);
  t.true(r.stderr.includes('broken.ts'), r.stderr);
});
