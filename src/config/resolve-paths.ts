import path from 'node:path';
import type { Config } from './schema.js';

/** Relative paths in the configuration are relative to the working directory. */
export function resolvePaths(config: Config, cwd: string): Config {
  const abs = (p: string): string => path.resolve(cwd, p);
  const absOrNull = (p: string | null): string | null => (p === null ? null : abs(p));
  return {
    ...config,
    pgp: {
      ...config.pgp,
      privateKeyFile: abs(config.pgp.privateKeyFile),
      passphraseFile: absOrNull(config.pgp.passphraseFile),
      keyringDir: abs(config.pgp.keyringDir),
      pendingDir: abs(config.pgp.pendingDir),
    },
    archive: { dir: abs(config.archive.dir) },
    smtp: {
      ...config.smtp,
      tls: config.smtp.tls && { keyFile: abs(config.smtp.tls.keyFile), certFile: abs(config.smtp.tls.certFile) },
    },
    lmtp: { ...config.lmtp, socket: absOrNull(config.lmtp.socket) },
    imap: { ...config.imap, passwordFile: absOrNull(config.imap.passwordFile) },
    outbound: { ...config.outbound, passwordFile: absOrNull(config.outbound.passwordFile) },
    ack: {
      ...config.ack,
      templateFile: absOrNull(config.ack.templateFile),
      onDutyTemplateFile: absOrNull(config.ack.onDutyTemplateFile),
    },
    log: { ...config.log, file: absOrNull(config.log.file) },
    report: { ...config.report, templateDirs: config.report.templateDirs.map(abs), rulesFile: absOrNull(config.report.rulesFile) },
    store: { ...config.store, path: absOrNull(config.store.path), urlFile: absOrNull(config.store.urlFile) },
  };
}
