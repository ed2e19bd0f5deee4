import { describe, expect, it } from 'vitest';
import { initialDraft } from '../../src/model/draft.js';
import { detectUrgency } from '../../src/pipeline/stages/detect-urgency.js';
import type { StageContext } from '../../src/pipeline/stage.js';
import { testConfig } from '../helpers/test-config.js';

const ctx = (keywords = ['urgent', 'dringend']) =>
  ({ config: testConfig('/tmp', { team: { urgentKeywords: keywords } }) }) as unknown as StageContext;

const withSubject = (subject: string | null) => {
  const draft = initialDraft({ receiptId: 'x', raw: Buffer.alloc(0), sha256: '0'.repeat(64), receivedAt: new Date(), transport: { kind: 'file', mailFrom: null, rcptTo: [], remoteAddress: null, imapUid: null } });
  return { ...draft, headers: { ...draft.headers, subjectDecoded: subject } };
};

describe('detect-urgency', () => {
  it.each(['URGENT: host compromised', '[urgent] ransomware', 'Urgent - phishing', 're: fwd: urgent', 'DRINGEND: Vorfall', 'urgent!'])(
    'flags %j',
    (subject) => {
      expect(detectUrgency(withSubject(subject), ctx()).urgent.flag).toBe(true);
    },
  );

  it.each(['insurgent activity', 'urgently needed', 'non_urgent', 'routine report', '', null])('does not flag %j', (subject) => {
    expect(detectUrgency(withSubject(subject), ctx()).urgent).toEqual({ flag: false, reason: null });
  });

  it('names the keyword that fired, from the configuration', () => {
    expect(detectUrgency(withSubject('Dringend: bitte'), ctx()).urgent).toEqual({ flag: true, reason: 'subject-keyword:dringend' });
  });
});
