import type { Draft } from '../model/draft.js';
import { readArf } from './formats/arf.js';
import type { Extraction, MachineReading } from './formats/extraction.js';
import { readIodef } from './formats/iodef.js';
import { readXArf, isXArf } from './formats/x-arf.js';
import { readXarfJson } from './formats/xarf-json.js';
import { readKeyValue } from './forms/read-key-value.js';
import { readForm } from './forms/read-form.js';
import type { ReportKnowledge } from './knowledge.js';
import { indicatorAnswerTexts } from './classify/rule-input.js';
import { prepareText } from './text/prepare-text.js';

/**
 * Routing (docs/research/forms.md §7.2): structured formats first — X-ARF, ARF, XARF v4 JSON,
 * IODEF XML — then the reporting-form templates, then key: value lines, then free text.
 * The first reader that recognises the report decides `form.template`.
 */
export function readReport(draft: Draft, knowledge: ReportKnowledge): Extraction {
  const machine = (isXArf(draft) ? readXArf(draft) : null) ?? arfOrAttachedXarf(draft) ?? readXarfJson(draft) ?? readIodef(draft);
  if (machine) return { ...machine, freeText: machine.texts };
  const prepared = prepareText(draft.body, knowledge.limits.maxTextBytes);
  const warnings = prepared.truncated ? [`the body is longer than report.maxTextBytes (${knowledge.limits.maxTextBytes}); only its start was read`] : [];
  const form = readForm(prepared.lines, knowledge.forms) ?? (knowledge.keyValue ? readKeyValue(prepared.lines, knowledge.keyValue) : null);
  if (form) {
    // Indicators come from the answers and the loose lines, not the labels: question
    // numbers such as "3.2.1.1." and hints such as "(e.g., cert.org)" are no indicators.
    const texts = indicatorAnswerTexts(form.fields).concat(form.loose);
    return { template: form.template, fields: form.fields, warnings: [...warnings, ...form.warnings], texts, freeText: form.loose };
  }
  const text = prepared.lines.map((l) => l.text).join('\n');
  return { template: 'free-text', fields: {}, warnings, texts: [text], freeText: [text] };
}

/**
 * An ARF report (RFC 5965 multipart/report) may only be the envelope of an XARF report:
 * `Feedback-Type: xarf` with an attached `xarf.json`, as some abuse desks send. The
 * attached XARF is the report then — it says what happened in far more detail than the
 * feedback fields — and the wrapper is noted.
 */
function arfOrAttachedXarf(draft: Draft): MachineReading | null {
  const arf = readArf(draft);
  if (!arf) return null;
  const xarf = readXarfJson(draft, true);
  if (!xarf) return arf;
  return { ...xarf, warnings: ['an ARF report carrying an XARF report: the XARF report was read', ...xarf.warnings], texts: [...xarf.texts, ...arf.texts.slice(1)] };
}
