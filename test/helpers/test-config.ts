import path from 'node:path';
import YAML from 'yaml';
import { parseConfig } from '../../src/config/load-config.js';
import type { Config } from '../../src/config/schema.js';

/** Team settings every test shares (the same as config/default.yaml's team). */
export const TEST_TEAM = {
  name: 'XYZ-CERT',
  ticketPrefix: 'XYZ',
  addresses: ['cert@xyz.example'],
  ackFrom: 'cert@xyz.example',
  timezone: 'Europe/Berlin',
  businessHours: 'Mon-Fri 09:00-17:00',
  urgentKeywords: ['urgent'],
  onDutyAddress: null,
};

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> | null : T[K] };

/**
 * A validated configuration rooted in `dir` (archive, keys, log file), through the real
 * schema and loader, with optional overrides per section.
 */
export function testConfig(dir: string, overrides: DeepPartial<Config> = {}): Config {
  const sections = overrides as Record<string, Record<string, unknown> | undefined>;
  const document = {
    team: { ...TEST_TEAM, ...sections.team },
    pgp: { privateKeyFile: 'keys/team.sec.asc', keyringDir: 'keys/constituents', ...sections.pgp },
    archive: { dir: 'data', ...sections.archive },
    smtp: { enabled: false, ...sections.smtp },
    log: { level: 'debug', file: 'data/logs/intake.log', ...sections.log },
    // In-process test apps parse in the calling thread unless a test asks for workers
    // (test/sandbox/ does; spawned `intake` commands use the default, `auto`).
    processing: { workers: 0, ...sections.processing },
    ...Object.fromEntries(
      Object.entries(sections).filter(([key]) => !['team', 'pgp', 'archive', 'smtp', 'log', 'processing'].includes(key)),
    ),
  };
  return parseConfig(path.join(dir, 'test.yaml'), YAML.stringify(document), dir);
}
