// What a benchmark of `npm run bench` is.

export interface Benchmark {
  /** The name `npm run bench -- <name>` selects. */
  readonly name: string;
  readonly description: string;
  /** Runs it and prints its figures; `args` are the options after the names. */
  run(args: readonly string[]): Promise<void>;
}

/** `--name value` options of a benchmark, with defaults. */
export function optionValue(args: readonly string[], name: string): string | undefined {
  const index = args.indexOf(`--${name}`);
  if (index === -1) return undefined;
  const value = args[index + 1];
  if (value === undefined || value.startsWith("--")) throw new Error(`option --${name} needs a value`);
  return value;
}

export function numberOption(args: readonly string[], name: string, fallback: number): number {
  const value = optionValue(args, name);
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0)
    throw new Error(`option --${name}: expected a positive number, got ${value}`);
  return number;
}
