/** What every replacement of `refang` starts with: a bracket, `hxxp`/`h**p` (any case) or `fxp`. */
const MAY_BE_DEFANGED = /[[({]|h(?:xx|\*\*)p|fxp/i;

/**
 * Undoes the usual "defanging" of indicators in reports (`192.0.2[.]10`, `example[dot]org`,
 * `hxxp://`, `[:]//`, `[@]`) so that they can be extracted. Each replacement is a plain,
 * bounded pattern: linear on any input.
 */
export function refang(text: string): string {
  // Most texts (every answer of a form is refanged on its own) hold nothing to undo: one
  // scan for what each replacement below needs finds that, instead of seven.
  if (!MAY_BE_DEFANGED.test(text)) return text;
  return text
    .replace(/\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)|\{dot\}/gi, '.')
    .replace(/\[:\]/g, ':')
    .replace(/\[:\/\/\]/g, '://')
    .replace(/\[@\]|\[at\]|\(at\)/gi, '@')
    .replace(/\bh(?:xx|XX|\*\*|tt)p(s?)(?=(?:\[:\]|:)\/\/)/g, 'http$1')
    .replace(/\bh(?:xx|XX)p(s?)\b/g, 'http$1')
    .replace(/\bfxp(?=:\/\/)/gi, 'ftp');
}
