/**
 * The `weir` command line: a commander program whose sub-commands live in `<name>-command.ts`
 * files, each exporting `register<Name>Command(program, io, setExitCode)`: `run` runs a job file in
 * this process and serves its control endpoint while it runs; `list`, `savepoint`, `stop` and
 * `cancel` operate the jobs running on this machine through those endpoints (Flink's `flink list`,
 * `savepoint`, `stop`, `cancel`). `jobmanager`, `taskmanager`, `topology` and `rescale` slot into
 * {@link COMMANDS} the same way.
 *
 * Exit codes ({@link ExitCode}): 0 success (also `--help`, `--version`), 1 job failed or cancelled
 * by `weir cancel` / a job-control request failed, 2 usage or configuration error (commander's
 * errors are mapped to 2 via `exitOverride`; an unknown or ambiguous job reference), 3 job file
 * could not be loaded, 130 / 143 `weir run` cancelled its job on SIGINT / SIGTERM.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { processIO, type CliIO } from './cli-io.js';
import { ExitCode } from './exit-codes.js';
import { registerCancelCommand } from './cancel-command.js';
import { registerListCommand } from './list-command.js';
import { registerRunCommand } from './run-command.js';
import { registerSavepointCommand } from './savepoint-command.js';
import { registerStopCommand } from './stop-command.js';
import { registerClusterCommands } from './cluster-commands.js';

/** Adds one sub-command to the program; its action reports an exit code through `setExitCode`. */
export type CommandRegistrar = (program: Command, io: CliIO, setExitCode: (code: number) => void) => unknown;

/** The sub-commands of `weir`, in help order. */
export const COMMANDS: readonly CommandRegistrar[] = [registerRunCommand, registerListCommand, registerSavepointCommand, registerStopCommand, registerCancelCommand, registerClusterCommands];

/**
 * Builds the `weir` program writing to `io`. Usage errors throw `CommanderError` (exitOverride)
 * instead of exiting the process; {@link main} maps them to exit code 2.
 */
export function createProgram(io: CliIO, setExitCode: (code: number) => void): Command {
  const program = new Command('weir')
    .description("Flink's DataStream model on actors: run and manage Weir jobs")
    .version(packageVersion(), '-V, --version', 'print the version of weir')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => void io.stdout.write(text),
      writeErr: (text) => void io.stderr.write(text),
    })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      '\nEnvironment:\n' +
        '  WEIR_HOME           registry of running jobs and their control sockets (default ~/.weir)\n' +
        '  WEIR_SAVEPOINT_DIR  default directory of weir savepoint / weir stop (default ./savepoints)\n' +
        '  WEIR_DEBUG=1        stack traces in error reports',
    );
  // Sub-commands are created with program.command(), so they inherit exitOverride and output settings.
  for (const register of COMMANDS) register(program, io, setExitCode);
  return program;
}

/**
 * Runs the `weir` command line. `argv` is in `process.argv` form (`[node, script, ...args]`).
 * @returns the exit code (see the module doc); never rejects: unexpected errors are reported on
 *   `io.stderr` and give 1.
 * @example process.exitCode = await main(process.argv);
 */
export async function main(argv: readonly string[], io: CliIO = processIO()): Promise<number> {
  let exitCode: number = ExitCode.OK;
  const program = createProgram(io, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv], { from: 'node' });
    return exitCode;
  } catch (err) {
    // --help and --version also arrive here, with exitCode 0; every other commander error is usage.
    if (err instanceof CommanderError) return err.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
    const detail = io.env['WEIR_DEBUG'] === '1' && err instanceof Error ? err.stack : String(err);
    io.stderr.write(`weir: internal error: ${detail}\n`);
    return ExitCode.JOB_FAILED;
  }
}

/** The `version` of the nearest `package.json` named `weir` above this file, or `0.0.0`. */
function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'weir' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // no (readable) package.json here: keep walking up
    }
    const parent = dirname(dir);
    if (parent === dir) return '0.0.0';
    dir = parent;
  }
}
