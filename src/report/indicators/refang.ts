/**
 * Undoes the usual "defanging" of indicators in reports (`192.0.2[.]10`, `example[dot]org`,
 * `hxxp://`, `[:]//`, `[@]`) so that they can be extracted. Each replacement is a plain,
 * bounded pattern: linear on any input.
 */
export function refang(text: string): string {
  return text
    .replace(/\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)|\{dot\}/gi, '.')
    .replace(/\[:\]/g, ':')
    .replace(/\[:\/\/\]/g, '://')
    .replace(/\[@\]|\[at\]|\(at\)/gi, '@')
    .replace(/\bh(?:xx|XX|\*\*|tt)p(s?)(?=(?:\[:\]|:)\/\/)/g, 'http$1')
    .replace(/\bh(?:xx|XX)p(s?)\b/g, 'http$1')
    .replace(/\bfxp(?=:\/\/)/gi, 'ftp');
}
