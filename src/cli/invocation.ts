// How the tool was invoked, for messages a person copies: the raw text of an option (yargs turns `--seed abc`
// into NaN, and "found NaN" names nothing the user typed) and the command prefix that runs brokersim the way
// the user ran it (`npx brokersim` under npx, `brokersim` when installed on the PATH).

/** The text given for `--name` on the command line (`--name v` or `--name=v`), or undefined. */
export function rawOption(name: string, argv: readonly string[] = process.argv.slice(2)): string | undefined {
  let found: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === `--${name}`) found = argv[i + 1] ?? "";
    else if (a.startsWith(`--${name}=`)) found = a.slice(name.length + 3);
  }
  return found;
}

/** What the user typed for a numeric option, quoted, falling back to the parsed value. */
export function shownOption(name: string, parsed: unknown): string {
  const raw = rawOption(name);
  return raw !== undefined ? JSON.stringify(raw) : String(parsed);
}

/**
 * The prefix of a pasteable command. npm sets npm_command=exec for `npx`; `npm start` and `npm run` set
 * npm_lifecycle_event, and the package's bin is then on the PATH only inside npm, so `npx brokersim` is
 * what works from a shell in both cases. A global install (no npm variables) is just `brokersim`.
 */
export function commandPrefix(env: NodeJS.ProcessEnv = process.env): string {
  if (env.npm_command === "exec" || env.npm_lifecycle_event !== undefined || env.npm_execpath !== undefined) return "npx brokersim";
  return "brokersim";
}

/** Rewrites a stored command (`brokersim run …`) to the way this process was invoked. */
export function asInvoked(command: string, env: NodeJS.ProcessEnv = process.env): string {
  return command.startsWith("brokersim ") ? `${commandPrefix(env)}${command.slice("brokersim".length)}` : command;
}

/** Rewrites every command in a printed line (`  brokersim run x --seed 3    # ...`) to the way this process was invoked. */
export function asInvokedLine(line: string, env: NodeJS.ProcessEnv = process.env): string {
  const prefix = commandPrefix(env);
  if (prefix === "brokersim") return line;
  return line.replace(/(^|[\s:])(?<!npx )brokersim (run|replay|shrink|sweep|merge) /g, (_m, before: string, cmd: string) => `${before}${prefix} ${cmd} `);
}
