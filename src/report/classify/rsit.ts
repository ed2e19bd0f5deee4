/**
 * The Reference Security Incident Taxonomy (RSIT, TF-CSIRT/ENISA, machine tags of
 * version 1003; docs/research/forms.md §5.1): class → types. Several classifications per
 * report are allowed; `other/undetermined` is the default.
 */
export const RSIT: Readonly<Record<string, readonly string[]>> = {
  'abusive-content': ['spam', 'harmful-speech', 'violence'],
  'malicious-code': ['infected-system', 'c2-server', 'malware-distribution', 'malware-configuration'],
  'information-gathering': ['scanner', 'sniffing', 'social-engineering'],
  'intrusion-attempts': ['ids-alert', 'brute-force', 'exploit'],
  intrusions: ['privileged-account-compromise', 'unprivileged-account-compromise', 'application-compromise', 'system-compromise', 'burglary'],
  availability: ['dos', 'ddos', 'misconfiguration', 'sabotage', 'outage'],
  'information-content-security': ['unauthorised-information-access', 'unauthorised-information-modification', 'data-loss', 'data-leak'],
  fraud: ['unauthorised-use-of-resources', 'copyright', 'masquerade', 'phishing'],
  vulnerable: ['weak-crypto', 'ddos-amplifier', 'potentially-unwanted-accessible', 'information-disclosure', 'vulnerable-system'],
  other: ['other', 'undetermined'],
  test: ['test'],
};

/** IntelMQ spells one type the US way; accept it on input, store RSIT's spelling. */
const ALIASES: Record<string, string> = { 'unauthorized-use-of-resources': 'unauthorised-use-of-resources' };

export function rsitType(cls: string, type: string): { class: string; type: string } | null {
  const canonical = ALIASES[type] ?? type;
  return RSIT[cls]?.includes(canonical) ? { class: cls, type: canonical } : null;
}

/** `class` or `class/type`, as rules name them. */
export function isRsitName(name: string): boolean {
  const [cls = '', type] = name.split('/');
  return type === undefined ? cls in RSIT : rsitType(cls, type) !== null;
}
