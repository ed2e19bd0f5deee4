import * as openpgp from 'openpgp';
import { walkPackets, packetBody } from './packet-walk.js';
import { JUDGED_SIGNATURE_VERSIONS, onePassIssuer, signatureIssuer, type SignatureIssuer } from './signature-packet.js';

/**
 * Signatures that were sent but that openpgp.js did not judge. With
 * `ignoreUnsupportedPackets` (its default, which we keep: turning it off would make the
 * whole message unreadable) a version-3 signature packet — GnuPG 1.4 with
 * --force-v3-sigs, older Enigmail and mutt, PGP 2/6/8 — is kept only as an
 * `UnparseablePacket`, so `verify()` returns nothing for it and the message would read as
 * unsigned (openpgpjs/openpgpjs#807: v3 signatures are unsupported since OpenPGP.js v4).
 * DESIGN §6: present but not judgeable is `invalid`, with the reason and the issuer —
 * never `none`. We look at the packets' tags and version octets only.
 */
export interface UnjudgedSignature {
  issuer: SignatureIssuer;
  /** `unsupported-signature-version` (v3, v5 …), `unsupported-signature` (a v4/v6 packet
   * openpgp.js could not read), `missing-signature` (a one-pass header whose signature
   * packet is absent). */
  reason: string;
}

const { signature: SIGNATURE_TAG, onePassSignature: ONE_PASS_TAG } = openpgp.enums.packet;
/**
 * Verdicts for unjudged signatures per signature block, at most: one is enough to make the
 * message `invalid`, and thousands of packets must not cost thousands of key look-ups.
 */
export const MAX_UNJUDGED = 32;

/** From a packet list openpgp.js produced (with its unparseable packets still in it). */
export function unjudgedInPacketList(packets: Iterable<unknown>): UnjudgedSignature[] {
  const found: UnjudgedSignature[] = [];
  const signedBy = new Set<string>();
  const onePass: Array<{ keyId: string | null; fingerprint: string | null }> = [];
  for (const packet of packets) {
    if (found.length >= MAX_UNJUDGED) break;
    if (packet instanceof openpgp.UnparseablePacket) {
      const body = packet.write();
      if (packet.tag === SIGNATURE_TAG) found.push(unjudged(signatureIssuer(body)));
      if (packet.tag === ONE_PASS_TAG) onePass.push(onePassIssuer(body));
    } else if (packet instanceof openpgp.SignaturePacket) {
      signedBy.add(packet.issuerKeyID.toHex().toUpperCase());
    } else if (packet instanceof openpgp.OnePassSignaturePacket) {
      const keyId = (packet as unknown as { issuerKeyID?: openpgp.KeyID }).issuerKeyID;
      onePass.push({ keyId: keyId ? keyId.toHex().toUpperCase() : null, fingerprint: null });
    }
  }
  for (const issuer of found) if (issuer.issuer.keyId) signedBy.add(issuer.issuer.keyId);
  // RFC 9580 §5.4: each one-pass header announces a signature packet after the data.
  for (const header of onePass) {
    if (found.length >= MAX_UNJUDGED) break;
    if (header.keyId && !signedBy.has(header.keyId)) {
      found.push({ issuer: { version: 0, keyId: header.keyId, fingerprint: header.fingerprint, created: null }, reason: 'missing-signature' });
      signedBy.add(header.keyId);
    }
  }
  return found;
}

/**
 * From the binary of a signature block openpgp.js refused altogether (it threw while
 * reading it): every signature packet in it still names its issuer.
 */
export function signatureIssuersIn(binary: Uint8Array): SignatureIssuer[] {
  const issuers: SignatureIssuer[] = [];
  for (const packet of walkPackets(binary).packets) {
    if (issuers.length >= MAX_UNJUDGED) break;
    const body = packet.tag === SIGNATURE_TAG ? packetBody(binary, packet) : null;
    const issuer = body ? signatureIssuer(body) : null;
    if (issuer) issuers.push(issuer);
  }
  return issuers;
}

function unjudged(issuer: SignatureIssuer | null): UnjudgedSignature {
  const known = issuer ?? { version: 0, keyId: null, fingerprint: null, created: null };
  return { issuer: known, reason: JUDGED_SIGNATURE_VERSIONS.has(known.version) ? 'unsupported-signature' : 'unsupported-signature-version' };
}

/**
 * openpgp.js leaves the packets after a literal data packet in `packets.stream`; read
 * them into the list so every signature packet — parsed or not — is in one place.
 * `verify()` then finds them in the list itself (it concatenates the stream otherwise).
 */
export async function drainPacketStream(list: openpgp.PacketList<openpgp.AnyPacket>): Promise<void> {
  const holder = list as unknown as { stream?: { getReader?: () => { read(): Promise<{ done: boolean; value?: unknown }>; releaseLock?: () => void } } | null };
  const stream = holder.stream;
  if (!stream || typeof stream.getReader !== 'function') return;
  const reader = stream.getReader();
  for (let result = await reader.read(); !result.done; result = await reader.read()) {
    if (result.value !== undefined) list.push(result.value as openpgp.AnyPacket);
  }
  reader.releaseLock?.();
  holder.stream = null;
}
