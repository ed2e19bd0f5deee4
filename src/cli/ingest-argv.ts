/**
 * The arguments an MTA passes to `intake ingest` (a pipe transport, rt-mailgate style):
 * `[--config F] ingest [--config F] [--sender S] [--recipient R]… [FILE…|-]`, each
 * option and its value as two words. Read here without commander, so that a hand-off to
 * `intake serve` loads next to nothing (README "Performance"). Anything else — `--help`,
 * `--sender=S`, `--`, an unknown or repeated option, a value that looks like an option —
 * is left to the full command line (cli/run-cli.ts), which gives the same result for the
 * forms read here and the usual help and errors for the rest: null means "not this form".
 */
export interface IngestArgs {
  files: string[];
  options: { config?: string; sender?: string; recipient: string[] };
}

export function mtaIngestArgs(argv: readonly string[]): IngestArgs | null {
  let i = 0;
  let config: string | undefined;
  if (argv[0] === '--config') {
    config = argv[1];
    i = 2;
  }
  if (argv[i] !== 'ingest') return null;
  const files: string[] = [];
  const recipient: string[] = [];
  let sender: string | undefined;
  for (i++; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '-' || !word.startsWith('-')) {
      files.push(word);
      continue;
    }
    const value = argv[i + 1];
    // Commander takes the next word as the value; one that starts with '-' is left to it.
    if (value === undefined || (value.startsWith('-') && value !== '-')) return null;
    i++;
    if (word === '--recipient') recipient.push(value);
    else if (word === '--sender' && sender === undefined) sender = value;
    else if (word === '--config' && config === undefined) config = value;
    else return null;
  }
  if (config !== undefined && (config === '' || config.startsWith('-'))) return null;
  return { files, options: { ...(config !== undefined ? { config } : {}), ...(sender !== undefined ? { sender } : {}), recipient } };
}
