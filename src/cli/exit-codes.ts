/** sysexits.h codes, as MTAs (Postfix pipe, procmail) understand them. */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 64,
  dataErr: 65,
  noInput: 66,
  noUser: 67,
  /** EX_UNAVAILABLE: a needed service or resource is not there (no key to encrypt to). */
  unavailable: 69,
  cantCreate: 73,
  tempFail: 75,
  noPermission: 77,
  config: 78,
} as const;
