import { readFile } from 'node:fs/promises';
import { ConfigError } from './config-error.js';

/** The configuration file's text; a file that cannot be read is a ConfigError that says why. */
export async function readConfigText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    // The default is relative to the working directory: outside a checkout it is not there.
    const hint = missing ? ' (give the file with --config FILE or env INTAKE_CONFIG; the default config/default.yaml is relative to the working directory)' : '';
    throw new ConfigError(file, [`cannot read: ${(error as Error).message}${hint}`]);
  }
}
