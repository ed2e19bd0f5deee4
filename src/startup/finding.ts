/**
 * One thing `intake config check` and `intake serve`'s start-up check found, in the
 * operator's words and starting with the configuration key it concerns. `exit` is the
 * sysexits code `serve` ends with when this refuses the start: 78 (EX_CONFIG) for the
 * configuration, 77 (EX_NOPERM) for a path the daemon may not write, 73 (EX_CANTCREAT)
 * for one it cannot create.
 */
export interface Finding {
  text: string;
  exit: 73 | 77 | 78;
}

export function configFinding(text: string): Finding {
  return { text, exit: 78 };
}
