/**
 * The one error type of csirt-intake. `kind` decides what a transport does with the
 * message: `temporary` keeps it and retries (SMTP 451, exit 75, IMAP: leave in place);
 * `permanent` means retrying cannot help. Expected results (a bad signature, an
 * unparseable body) are verdicts, never errors.
 */
export type ErrorKind = 'permanent' | 'temporary';

export class IntakeError extends Error {
  readonly kind: ErrorKind;
  readonly code: string;

  constructor(kind: ErrorKind, code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'IntakeError';
    this.kind = kind;
    this.code = code;
  }
}

export function temporary(code: string, message: string, cause?: unknown): IntakeError {
  return new IntakeError('temporary', code, message, { cause });
}

export function permanent(code: string, message: string, cause?: unknown): IntakeError {
  return new IntakeError('permanent', code, message, { cause });
}

/** Anything unexpected is temporary: fail closed, keep the message, retry. */
export function asIntakeError(error: unknown, code = 'unexpected'): IntakeError {
  if (error instanceof IntakeError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new IntakeError('temporary', code, message, { cause: error });
}
