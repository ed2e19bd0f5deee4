import { describe, expect, it } from 'vitest';
import { mtaIngestArgs } from '../../src/cli/ingest-argv.js';

describe('intake ingest as an MTA calls it, read without commander', () => {
  it('reads the forms of the README, the Postfix and Exim snippets and rt-mailgate', () => {
    expect(mtaIngestArgs(['ingest', '-'])).toEqual({ files: ['-'], options: { recipient: [] } });
    expect(mtaIngestArgs(['ingest'])).toEqual({ files: [], options: { recipient: [] } });
    expect(mtaIngestArgs(['--config', '/etc/csirt-intake/intake.yaml', 'ingest', '--sender', 'a@b.example', '--recipient', 'cert@x.example', '--recipient', 'abuse@x.example', '-'])).toEqual({
      files: ['-'],
      options: { config: '/etc/csirt-intake/intake.yaml', sender: 'a@b.example', recipient: ['cert@x.example', 'abuse@x.example'] },
    });
    expect(mtaIngestArgs(['ingest', '--config', 'c.yaml', 'one.eml', '--sender', '', 'two.eml'])).toEqual({ files: ['one.eml', 'two.eml'], options: { config: 'c.yaml', sender: '', recipient: [] } });
  });

  it('leaves every other form to the full command line', () => {
    for (const argv of [
      [],
      ['--version'],
      ['serve'],
      ['ingest', '--help'],
      ['ingest', '-h'],
      ['ingest', '--sender=a@b.example', '-'],
      ['ingest', '--', '-'],
      ['ingest', '--sender'],
      ['ingest', '--sender', '--recipient', 'x'],
      ['ingest', '--sender', 'a', '--sender', 'b'],
      ['--config', 'a.yaml', 'ingest', '--config', 'b.yaml'],
      ['ingest', '--config', '', '-'],
      ['ingest', '--unknown', 'x'],
      ['ingest', '-5'],
      ['--config'],
      ['--config', 'a.yaml', '--config', 'b.yaml', 'ingest'],
      ['tickets', 'ingest'],
    ]) {
      expect(mtaIngestArgs(argv), argv.join(' ')).toBeNull();
    }
  });
});
