import type { Logger } from 'pino';
import type { AckTemplates } from '../compose/ack-template.js';
import type { Config } from '../config/schema.js';
import type { Draft } from '../model/draft.js';
import type { IntakeStore, Lease, StoreLookups } from '../store/store.js';
import type { Keyring } from '../keys/keyring.js';
import type { TeamKey, TeamKeyFacts } from '../keys/team-key.js';
import type { Sandbox } from '../sandbox/sandbox.js';
import type { IntakeEvents } from '../model/intake-events.js';

/** Read-only questions a stage may ask about the store (committed data only). */
export type TicketLookups = StoreLookups;

/** Key material, parsed once at start-up. */
export interface KeyMaterial {
  team: TeamKey;
  keyring: Keyring;
}

/**
 * What the pipeline's own thread reads of the keys: the team key's facts (the ack names
 * its fingerprint). The key material itself is where the tasks run: in the sandbox
 * workers, and in this thread too only for `intake serve` and `processing.workers: 0`.
 */
export interface ContextKeys {
  readonly team: TeamKeyFacts;
}

/** What a pure or CPU-only stage gets: configuration, the clock, keys, lookups. No writers. */
export interface StageContext {
  config: Config;
  now: () => Date;
  keys: ContextKeys;
  lookups: TicketLookups;
  /** Acknowledgement and on-duty texts, read and checked once at start-up. */
  templates: AckTemplates;
  /** Where untrusted bytes are parsed, within each message's budget (src/sandbox/). */
  sandbox: Sandbox;
}

/** Effect steps (place, commit) also get the store they write to. */
export interface EffectContext extends StageContext {
  store: IntakeStore;
  logger: Logger;
  /** When this process delivers its own acks: the lease its commits give them (see CommitRequest.outboxLease). */
  outboxLease?: () => Lease;
  /** Whether other messages are being processed now (their store writes may share a transaction: PlaceRequest.company). */
  company?: () => boolean;
  /** Observers of what happened (GET /metrics); NO_EVENTS outside `intake serve`. */
  events: IntakeEvents;
}

export type StageFn = (draft: Draft, ctx: StageContext) => Draft | Promise<Draft>;
export type EffectFn = (draft: Draft, ctx: EffectContext) => Promise<Draft>;

/** `sandboxed`: the step's work is bounded by the sandbox's budget, not the pipeline's deadline. */
export type Step =
  | { name: string; kind: 'stage'; run: StageFn; sandboxed?: boolean }
  | { name: string; kind: 'effect'; run: EffectFn };

export const stage = (name: string, run: StageFn, options: { sandboxed?: boolean } = {}): Step => ({ name, kind: 'stage', run, ...options });
export const effect = (name: string, run: EffectFn): Step => ({ name, kind: 'effect', run });
