import type { DecisionContext } from '../../service/load-context.js';
import { EXIT, UsageError } from './exit-codes.js';

export interface Command {
  usage: string;
  run: (
    argv: string[],
    ctx: () => Promise<DecisionContext>,
    out: (s: string) => void,
  ) => Promise<number> | number;
}

/**
 * Runs a command as `medpolicy <name>`; returns the exit status. A misuse is answered with the
 * command's usage; no error message carries request contents.
 */
export async function runCommand(
  name: string,
  cmd: Command,
  argv: string[],
  ctx: () => Promise<DecisionContext>,
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  try {
    return await cmd.run(argv, ctx, out);
  } catch (e) {
    const error = e as Error & { code?: string };
    if (error instanceof UsageError || error.code?.startsWith('ERR_PARSE_ARGS')) {
      err(`medpolicy ${name}: ${error.message}\n\n${cmd.usage}`);
      return EXIT.misuse;
    }
    err(`medpolicy ${name}: ${error.message}`);
    return EXIT.misuse;
  }
}
