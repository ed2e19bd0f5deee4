// Child process for the bounded-memory test of the decompression bomb: opens one message
// with the real pipeline code and reports its peak RSS (only a fresh process measures it).
import { readFile } from 'node:fs/promises';
import pino from 'pino';
import { createKeyring } from '../src/keys/keyring.js';
import { readTeamKey } from '../src/keys/team-key.js';
import { buildMimeTree, decodeText } from '../src/openpgp/mime-tree.js';
import { forMessage, pgpKeys } from '../src/openpgp/pgp-context.js';
import { openMessage } from '../src/openpgp/pgp-operations.js';
import { parseConfig } from '../src/config/load-config.js';

const [messageFile, keyFile] = process.argv.slice(2) as [string, string];
const config = parseConfig('rss.yaml', 'team: { name: X, ticketPrefix: XYZ, addresses: [cert@xyz.example], ackFrom: cert@xyz.example }\n', process.cwd());
const team = await readTeamKey(keyFile, null);
const raw = await readFile(messageFile);
const baselineRssMiB = process.memoryUsage().rss / 1024 / 1024;
const tree = await buildMimeTree(raw);
const data = tree.children[1]!;
const result = await openMessage(decodeText(data), forMessage(pgpKeys(config, team, createKeyring([])), new Date()));
void pino;
process.stdout.write(`${JSON.stringify({ error: result.ok ? null : result.error, maxRssMiB: process.resourceUsage().maxRSS / 1024, baselineRssMiB })}\n`);
