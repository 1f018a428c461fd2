/**
 * Node module customization hooks that let `weir run` (and `node --import` with
 * {@link ./register-ts-loader.ts}) execute TypeScript job files directly.
 *
 * - `resolve`: a relative, absolute or `file:` specifier ending in `.js` that does not exist resolves
 *   to the sibling `.ts` file when there is one (the NodeNext convention `import './x.js'` for
 *   `x.ts`); an extensionless one resolves to `<specifier>.ts` when that exists. A `.ts` file that is
 *   Weir's own source (under `lib/`, `actors/` or `connectors/` of the package root) resolves to its
 *   compiled twin in `dist/` instead, so a job importing `../../lib/index.js` shares the CLI's copy of
 *   Weir rather than loading a second one (two copies would break `instanceof` and shared registries).
 * - `load`: `.ts` and `.mts` files outside `node_modules` are transpiled with `@swc/core` to ES2022
 *   ESM with legacy decorators and `design:*` decorator metadata (what tsyringe's constructor
 *   injection needs, and what esbuild cannot emit), `useDefineForClassFields: false`, and an inline
 *   source map so stack traces name `.ts` lines when source maps are enabled.
 *
 * Types are not checked: run `tsc` for that. Registered with `module.register(url, { data })`; the
 * optional `data.packageRoot` (a `file:` URL string of the Weir package root) enables the dist
 * redirect above, which otherwise uses the root derived from this file's location
 * (`dist/lib/cli/ts-loader-hooks.js` → `../../../`).
 *
 * @see https://nodejs.org/docs/latest-v20.x/api/module.html#customization-hooks
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { InitializeHook, LoadHook, ResolveHook } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { transformSync, type Options } from '@swc/core';

/** Data accepted by {@link initialize}: `packageRoot` is the Weir package root as a `file:` URL string. */
export interface TsLoaderData {
  packageRoot?: string;
}

let packageRoot = new URL('../../../', import.meta.url).href;

/** Receives `register`'s `data` ({@link TsLoaderData}). */
export const initialize: InitializeHook<TsLoaderData | undefined> = (data) => {
  if (data?.packageRoot !== undefined) packageRoot = new URL('./', data.packageRoot).href;
};

/** Maps `.js` → `.ts` and extensionless → `.ts` for relative/absolute specifiers; see the module doc. */
export const resolve: ResolveHook = (specifier, context, nextResolve) => {
  const target = localTarget(specifier, context.parentURL);
  if (target !== undefined) {
    const candidate = tsCandidate(target);
    if (candidate !== undefined) return { url: distTwin(candidate) ?? candidate.href, shortCircuit: true };
  }
  return nextResolve(specifier, context);
};

/** Transpiles `.ts`/`.mts` files outside `node_modules` with swc; everything else goes to Node. */
export const load: LoadHook = (url, context, nextLoad) => {
  const filename = url.startsWith('file:') ? fileURLToPath(url) : undefined;
  if (filename === undefined || !/\.m?ts$/.test(filename) || filename.includes('/node_modules/')) {
    return nextLoad(url, context);
  }
  // Read the file ourselves: Node's default load rejects the unknown `.ts` extension.
  const source = readFileSync(filename, 'utf8');
  let code: string;
  try {
    ({ code } = transformSync(source, { ...SWC_OPTIONS, filename }));
  } catch (err) {
    throw new SyntaxError(`cannot compile ${filename}:\n${swcDiagnostic(err)}`);
  }
  return { format: 'module', source: code, shortCircuit: true };
};

/** swc's code-frame diagnostic without the "Caused by" / Rust backtrace tail it appends. */
function swcDiagnostic(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split(/\n\s*\n\s*(?:Caused by:|Stack backtrace:)/)[0]!.trimEnd();
}

const SWC_OPTIONS: Options = {
  swcrc: false,
  configFile: false,
  isModule: true,
  sourceMaps: 'inline',
  module: { type: 'es6' },
  jsc: {
    target: 'es2022',
    keepClassNames: true,
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
  },
};

/** The file URL a relative/absolute/`file:` specifier points at, or `undefined` for bare specifiers. */
function localTarget(specifier: string, parentURL: string | undefined): URL | undefined {
  if (specifier.startsWith('file:')) return new URL(specifier);
  if (parentURL === undefined || !parentURL.startsWith('file:')) return undefined;
  if (specifier.startsWith('./') || specifier.startsWith('../') || specifier === '.' || specifier === '..') {
    return new URL(specifier, parentURL);
  }
  if (specifier.startsWith('/')) return pathToFileURL(specifier);
  return undefined;
}

/** The `.ts` file to use instead of `target`, when `target` is missing and the `.ts` twin exists. */
function tsCandidate(target: URL): URL | undefined {
  const path = fileURLToPath(target);
  if (isFile(path)) return undefined;
  if (path.endsWith('.js')) {
    const ts = `${path.slice(0, -3)}.ts`;
    return isFile(ts) ? withQuery(ts, target) : undefined;
  }
  const base = path.slice(path.lastIndexOf('/') + 1);
  if (!base.includes('.') && isFile(`${path}.ts`)) return withQuery(`${path}.ts`, target);
  return undefined;
}

/** `lib/x.ts` → `dist/lib/x.js` (same for `actors/`, `connectors/`) when the compiled file exists. */
function distTwin(tsFile: URL): string | undefined {
  const href = tsFile.href.replace(/[?#].*$/, '');
  if (!href.startsWith(packageRoot)) return undefined;
  const rel = href.slice(packageRoot.length);
  if (!/^(lib|actors|connectors)\//.test(rel)) return undefined;
  const twin = new URL(`dist/${rel.replace(/\.ts$/, '.js')}`, packageRoot);
  return isFile(fileURLToPath(twin)) ? twin.href : undefined;
}

function withQuery(path: string, original: URL): URL {
  const url = pathToFileURL(path);
  url.search = original.search;
  url.hash = original.hash;
  return url;
}

function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}
