import type { Draft } from '../model/draft.js';
import type { Classification, FormResult, Indicators, PriorityVerdict } from '../model/message-record.js';
import { classify, prioritize } from './classify/classify.js';
import { answerTexts, PhraseIndex, type RuleInput } from './classify/rule-input.js';
import { findTlp } from './classify/tlp.js';
import { declaredHosts } from './declared-hosts.js';
import type { Extraction } from './formats/extraction.js';
import { collectIndicators, type DeclaredHosts } from './indicators/collect-indicators.js';
import { findIndicators } from './indicators/find-indicators.js';
import type { ReportKnowledge } from './knowledge.js';
import { readReport } from './read-report.js';

export interface Understanding {
  form: FormResult;
  classification: Classification[];
  indicators: Indicators;
  tlp: string | null;
  priority: PriorityVerdict;
}

/** Keyword rules look at this much text at most (Subject, answers, free text). */
const MAX_KEYWORD_TEXT = 256 * 1024;
const TEXT_ATTACHMENT = /^(?:text\/|message\/rfc822|message\/feedback-report|message\/global)/i;

/**
 * Reads the report (form, machine format, key: value or free text), then derives from it
 * the indicators, the TLP label, the RSIT classification and the priority. CPU-only and
 * bounded: every text it scans is cut to `report.maxTextBytes` in total.
 */
export function understandReport(draft: Draft, knowledge: ReportKnowledge): Understanding {
  const extraction = readReport(draft, knowledge);
  const subject = draft.headers.subjectDecoded ?? '';
  const texts = boundedTexts(extraction.texts.concat(attachmentTexts(draft)), knowledge.limits.maxTextBytes);
  const declared = declaredHosts(extraction.fields);
  // One scan of all texts: a form of 100,000 one-line answers must not pay 100,000 scans' set-up.
  const joined = texts.join('\n');
  const found = findIndicators(joined);
  const { indicators, truncated } = collectIndicators(declared, found, knowledge.limits.maxIndicators);
  const warnings = truncated ? [...extraction.warnings, `more indicators than report.maxIndicators (${knowledge.limits.maxIndicators}); the lists were cut`] : extraction.warnings;
  const input = ruleInput(extraction, subject, knowledge, declared);
  const classification = classify(knowledge.rules.classification, input);
  const priority = prioritize(knowledge.rules.priority, { ...input, classes: classification });
  return {
    form: { template: extraction.template, fields: extraction.fields, warnings },
    classification,
    indicators,
    tlp: findTlp([texts.length > 0 ? `${subject}\n${joined}` : subject]),
    priority,
  };
}

function ruleInput(extraction: Extraction, subject: string, knowledge: ReportKnowledge, declared: DeclaredHosts): RuleInput {
  const keywordText = boundedTexts([subject].concat(answerTexts(extraction.fields), extraction.freeText), MAX_KEYWORD_TEXT).join('\n');
  return {
    template: extraction.template,
    fields: extraction.fields,
    subject: new PhraseIndex(subject),
    text: new PhraseIndex(keywordText),
    classes: [],
    sourceInConstituency: declared.sources.some((h) => h.addresses.some((a) => inNetworks(knowledge, a))),
  };
}

/** An address, or a network's first address, inside the constituency's networks. */
function inNetworks(knowledge: ReportKnowledge, address: string): boolean {
  const ip = address.split('/')[0] ?? '';
  return knowledge.constituency.check(ip, ip.includes(':') ? 'ipv6' : 'ipv4');
}

function attachmentTexts(draft: Draft): string[] {
  return draft.body.attachments.filter((a) => TEXT_ATTACHMENT.test(a.contentType)).map((a) => a.content.toString('utf8'));
}

/**
 * The texts in order, cut so that joined with newlines they stay within `budget`
 * characters. The newlines count: a million empty lines are a megabyte of text to scan.
 */
function boundedTexts(texts: readonly string[], budget: number): string[] {
  const out: string[] = [];
  let left = budget;
  for (const text of texts) {
    const separator = out.length > 0 ? 1 : 0;
    if (left <= separator) break;
    left -= separator;
    out.push(text.length > left ? text.slice(0, left) : text);
    left -= Math.min(text.length, left);
  }
  return out;
}
