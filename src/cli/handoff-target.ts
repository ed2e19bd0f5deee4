import { readFile } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { configPathFrom } from '../config/config-path.js';

export interface HandoffTarget {
  socket: string;
  /** team.addresses[0]: the RCPT TO when the MTA named no recipient. */
  defaultRecipient: string;
}

/**
 * Where `intake serve` takes hand-offs (`lmtp.enabled` with `lmtp.socket`), read from the
 * configuration file without validating all of it: the daemon validated the file when
 * it started, and loading the schema would cost more than the whole hand-off. Null when
 * there is no such socket or the file cannot be read as expected — then `intake
 * ingest` loads the configuration properly and processes the message itself.
 */
export async function handoffTarget(configFlag: string | undefined, env: NodeJS.ProcessEnv, cwd: string): Promise<HandoffTarget | null> {
  try {
    const document = YAML.parse(await readFile(configPathFrom(configFlag, env), 'utf8')) as {
      lmtp?: { enabled?: unknown; socket?: unknown };
      team?: { addresses?: unknown };
    } | null;
    const socket = document?.lmtp?.socket;
    const addresses = document?.team?.addresses;
    const first = Array.isArray(addresses) ? (addresses[0] as unknown) : undefined;
    if (document?.lmtp?.enabled !== true || typeof socket !== 'string' || socket === '' || typeof first !== 'string') return null;
    return { socket: path.resolve(cwd, socket), defaultRecipient: first };
  } catch {
    return null;
  }
}
