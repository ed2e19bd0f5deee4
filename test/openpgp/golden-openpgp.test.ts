import { describe, it } from 'vitest';
import { checkPgpFixture, pgpFixtures } from './pgp-fixtures.js';

/**
 * Every OpenPGP fixture through the whole pipeline (see checkPgpFixture): the matrix of
 * what constituents' tools send, the other shapes, and the hostile cases.
 */
describe('OpenPGP matrix and shapes (fixtures/mail/openpgp)', () => {
  for (const fixture of pgpFixtures('openpgp')) it(fixture.name, () => checkPgpFixture(fixture));
});

describe('hostile OpenPGP mail (fixtures/mail/hostile/pgp-*)', () => {
  for (const fixture of pgpFixtures('hostile')) {
    if (fixture.name.startsWith('pgp-replay-2')) continue; // needs its original first: replay.test.ts
    it(fixture.name, () => checkPgpFixture(fixture));
  }
});
