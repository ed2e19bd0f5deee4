import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FormFields } from '../../../src/model/message-record.js';
import { classify, prioritize } from '../../../src/report/classify/classify.js';
import { loadRules } from '../../../src/report/classify/load-rules.js';
import { PhraseIndex, type RuleInput } from '../../../src/report/classify/rule-input.js';
import type { RulesFile } from '../../../src/report/classify/rules-schema.js';
import { findTlp } from '../../../src/report/classify/tlp.js';
import { shippedConfigDir } from '../../../src/report/forms/load-templates.js';
import { tempDir } from '../../helpers/temp-dir.js';

let rules: RulesFile;
beforeAll(async () => {
  const loaded = await loadRules(path.join(shippedConfigDir(), 'report-rules.yaml'));
  expect(loaded.problems).toEqual([]);
  rules = loaded.rules!;
});

function input(over: { template?: string; fields?: FormFields; subject?: string; text?: string; sourceInConstituency?: boolean }): RuleInput {
  return {
    template: over.template ?? 'free-text',
    fields: over.fields ?? {},
    subject: new PhraseIndex(over.subject ?? ''),
    text: new PhraseIndex(`${over.subject ?? ''}\n${over.text ?? ''}`),
    classes: [],
    sourceInConstituency: over.sourceInConstituency ?? false,
  };
}
const leaf = (value: unknown) => ({ raw: String(value), value, line: 1 });

describe('classification (RSIT)', () => {
  it('is other/undetermined with rule "default" when nothing fires', () => {
    expect(classify(rules.classification, input({ text: 'hello there' }))).toEqual([{ class: 'other', type: 'undetermined', rule: 'default' }]);
  });

  it('allows several classes, each with the rule that fired', () => {
    const out = classify(rules.classification, input({ text: 'a phishing mail led to a ransomware infection' }));
    expect(out).toEqual([
      { class: 'fraud', type: 'phishing', rule: 'keyword-phishing' },
      { class: 'information-content-security', type: 'unauthorised-information-modification', rule: 'keyword-defacement' },
    ]);
  });

  it('consults keyword rules only when no rule about answers or the machine format fired', () => {
    const fields = { report: { type: leaf('login-attack') } };
    const out = classify(rules.classification, input({ template: 'x-arf', fields, text: 'phishing spam' }));
    expect(out).toEqual([{ class: 'intrusion-attempts', type: 'brute-force', rule: 'x-arf-login-attack' }]);
  });

  it('matches a machine format\'s report type as a whole token: a reg-bot or bad-bot is spam, not a malware "bot"', () => {
    for (const type of ['reg-bot', 'regbot', 'bad-bot']) {
      expect(classify(rules.classification, input({ template: 'x-arf', fields: { report: { type: leaf(type) } } }))).toEqual([{ class: 'abusive-content', type: 'spam', rule: 'x-arf-spam-bot' }]);
    }
    expect(classify(rules.classification, input({ template: 'x-arf', fields: { report: { type: leaf('irc-bot') } } }))[0]).toMatchObject({ class: 'malicious-code', rule: 'x-arf-bot' });
    // An XARF v4 connection/bot is a crawler (xarf-spec samples/v4/connection-bot.json), not malware.
    const crawler = { report: { category: leaf('connection'), type: leaf('bot') } };
    expect(classify(rules.classification, input({ template: 'xarf-v4', fields: crawler }))).toEqual([{ class: 'information-gathering', type: 'scanner', rule: 'xarf-scan' }]);
  });

  it('matches whole words only: "insurgent" is not "urgent", "scanner" is not "scan", "dosage" is not "dos"', () => {
    const out = classify(rules.classification, input({ fields: { incident: { type: leaf('dosage and scanners') } } }));
    expect(out).toEqual([{ class: 'other', type: 'undetermined', rule: 'default' }]);
  });

  it('searches repeated groups element by element (v3 "compromised" on the second host)', () => {
    const fields = { affected_hosts: [{ compromised: leaf(false) }, { compromised: leaf(true) }] };
    expect(classify(rules.classification, input({ fields }))).toEqual([{ class: 'intrusions', type: 'system-compromise', rule: 'form-host-compromised' }]);
  });
});

describe('priority (RFC 2350 Appendix E order)', () => {
  const rank = (i: RuleInput, classes: Array<[string, string]>) =>
    prioritize(rules.priority, { ...i, classes: classes.map(([c, t]) => ({ class: c, type: t, rule: 'x' })) });

  it('puts threats to safety first, even above a root compromise of the backbone', () => {
    expect(rank(input({ text: 'root compromise of the backbone router; there is a bomb threat' }), [['intrusions', 'privileged-account-compromise']])).toEqual({ rank: 1, rule: 'safety' });
  });

  it('orders compromises by what was hit', () => {
    expect(rank(input({ text: 'the core switch' }), [['intrusions', 'system-compromise']]).rule).toBe('infrastructure-root');
    expect(rank(input({ text: 'our mail server' }), [['intrusions', 'system-compromise']]).rule).toBe('public-service-root');
    expect(rank(input({ text: 'a laptop' }), [['intrusions', 'unprivileged-account-compromise']]).rule).toBe('user-account');
    expect(rank(input({ text: 'a laptop' }), [['intrusions', 'system-compromise']]).rule).toBe('desktop');
  });

  it('ranks attacks from the constituency above large-scale attacks, mailbombing last before the default', () => {
    expect(rank(input({ sourceInConstituency: true }), [['information-gathering', 'scanner']]).rule).toBe('from-constituency');
    expect(rank(input({ text: 'a mail bomb against one user' }), [['availability', 'dos']])).toEqual({ rank: 12, rule: 'mailbombing' });
    expect(rank(input({}), [['other', 'undetermined']])).toEqual({ rank: 13, rule: 'normal' });
  });
});

describe('the rules file', () => {
  it('rejects classes outside RSIT, regex-free phrases only, and lists every problem', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'rules.yaml');
    await writeFile(file, 'classification:\n  - { id: a, class: malware, type: trojan, when: { text: [x] } }\n  - { id: b, class: fraud, type: phishing, when: { values: [x] } }\npriority:\n  - { id: p, label: P, when: { classes: [nope/nope] } }\n');
    const loaded = await loadRules(file);
    expect(loaded.rules).toBeNull();
    expect(loaded.problems).toEqual([
      `${file}: classification.0: class/type is not in the RSIT taxonomy`,
      `${file}: classification.1.when: values/equals/is/answered need a field`,
      `${file}: priority.0.when.classes.0: not an RSIT class or class/type`,
    ]);
  });

  it('accepts IntelMQ\'s spelling unauthorized-use-of-resources and stores RSIT\'s', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'rules.yaml');
    await writeFile(file, 'classification:\n  - { id: a, class: fraud, type: unauthorized-use-of-resources, when: { text: [mining] } }\n');
    const loaded = await loadRules(file);
    expect(classify(loaded.rules!.classification, input({ text: 'crypto mining', template: 'free-text' }))).toEqual([
      { class: 'fraud', type: 'unauthorised-use-of-resources', rule: 'a' },
    ]);
  });
});

describe('TLP 2.0', () => {
  it('finds labels in the Subject or body; the most restrictive wins; TLP:WHITE reads as TLP:CLEAR', () => {
    expect(findTlp(['[TLP:GREEN] report', 'body with TLP:AMBER+STRICT inside'])).toBe('TLP:AMBER+STRICT');
    expect(findTlp(['TLP: white'])).toBe('TLP:CLEAR');
    expect(findTlp(['tlp:red', 'TLP:CLEAR'])).toBe('TLP:RED');
    expect(findTlp(['no label; XTLP:RED or TLP:REDDISH are none'])).toBeNull();
  });
});
