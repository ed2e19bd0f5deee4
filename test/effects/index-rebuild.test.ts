import { rm } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { rebuildIndex } from '../../src/effects/rebuild-index.js';
import { createTestApp, runPipelineOn } from '../helpers/pipeline.js';

const report = `From: alice@example.org\r\nTo: cert@xyz.example\r\nSubject: scan\r\nMessage-ID: <root@example.org>\r\n\r\nscan report\r\n`;
const reply = `From: alice@example.org\r\nTo: cert@xyz.example\r\nSubject: more\r\nIn-Reply-To: <root@example.org>\r\nMessage-ID: <reply@example.org>\r\n\r\nmore details\r\n`;

describe('index rebuild', () => {
  it('recreates dedup and threading lookups from the tickets alone', async () => {
    const t = await createTestApp();
    await runPipelineOn(t, Buffer.from(report));
    await rm(t.app.archive.layout.indexDir, { recursive: true });

    // Without the index, the duplicate would become a second ticket: rebuild first.
    // Two Message-IDs: the report's and that of its acknowledgement waiting in the outbox.
    expect(await rebuildIndex(t.app.archive)).toEqual({ tickets: 1, messages: 1, messageIds: 2 });
    const duplicate = await runPipelineOn(t, Buffer.from(report));
    expect(duplicate.outcome).toMatchObject({ status: 'duplicate', ticket: 'XYZ-2026-00001' });
    const followup = await runPipelineOn(t, Buffer.from(reply));
    expect(followup.outcome).toMatchObject({ status: 'followup', ticket: 'XYZ-2026-00001', seq: 2 });
  });
});
