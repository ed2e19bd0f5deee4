/**
 * RFC 5321 §2.3.8: in SMTP, CR and LF appear only together, as CRLF. A lone LF or CR in
 * DATA is what SMTP smuggling feeds on (a receiver that ends DATA on `<LF>.<LF>` or
 * `<LF>.<CR><LF>` sees a second message the sender's relay never saw). smtp-server ends
 * DATA only on `<CR><LF>.<CR><LF>`, so one DATA is always one message here; this check
 * lets the listener refuse the non-conforming input altogether, as Postfix
 * (`smtpd_forbid_bare_newline`) and Sendmail 8.18 do.
 *
 * Returns the offset of the first bare CR or LF, or -1 when every line ends in CRLF.
 */
export function findBareLineEnding(data: Buffer): number {
  let from = 0;
  for (;;) {
    const lf = data.indexOf(0x0a, from);
    const cr = data.indexOf(0x0d, from);
    if (lf === -1 && cr === -1) return -1;
    if (cr === -1 || (lf !== -1 && lf < cr)) return lf; // LF without a CR before it
    if (data[cr + 1] !== 0x0a) return cr; // CR not followed by LF
    from = cr + 2;
  }
}
