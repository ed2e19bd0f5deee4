import { renderTemplate, type TemplateValues } from '../../compose/ack-template.js';
import { domainOf, formatMailbox, replyIds } from '../../compose/mail-headers.js';
import type { MailPlan } from '../../compose/mail-plan.js';
import { zonedFields } from '../../model/zoned-time.js';
import type { Draft } from '../../model/draft.js';
import { formatSeq } from '../../model/ticket-id.js';
import type { StageContext } from '../stage.js';
import { wantsOnDuty } from './ack-wanted.js';

/**
 * Composes the acknowledgement (RFC 3834 service responder, DESIGN §7) and, for an
 * urgent report, the on-duty notification. CPU-only: template, signature, encryption.
 *
 * Only our own facts go in — ticket id, time received, team name and key, business
 * hours, whether the *outer* Subject was urgent — so the text is the same whether
 * decryption succeeded or failed, and the team key never signs a word of the report.
 * The reporter's Message-ID appears only in In-Reply-To/References, outside the
 * signature, and only when it is a syntactically valid, bounded msg-id.
 *
 * A mail that cannot be composed (the team key cannot sign) never holds up the report:
 * its plan is kept in `unsent` with the error, the commit queues it for the outbox
 * sender to compose again later (bounded like any delivery), and the ack is recorded
 * as failed until then (issue 12).
 */
export async function composeAck(draft: Draft, ctx: StageContext): Promise<Draft> {
  const placement = draft.placement;
  if (!placement) throw new Error('compose-ack runs after place');
  const outgoing: Draft['outgoing'] = [];
  const unsent: Draft['unsent'] = [];
  for (const plan of plansFor(draft, ctx)) {
    try {
      // In a sandbox worker (signing is the costliest CPU work per ack); our own text, so
      // the full processing budget, not what the message's parsing left of it.
      const budgetMs = ctx.config.processing.timeoutSeconds * 1000;
      outgoing.push((await ctx.sandbox.run('compose', { plan }, { budgetMs, label: draft.message.sha256 })).value);
    } catch (error) {
      unsent.push({ plan, error: `compose: ${(error as Error).message}`.slice(0, 300) });
    }
  }
  return { ...draft, outgoing, unsent };
}

function plansFor(draft: Draft, ctx: StageContext): MailPlan[] {
  const placement = draft.placement!;
  const values = templateValues(draft, ctx);
  const common = {
    from: formatMailbox(ctx.config.team.name, ctx.config.team.ackFrom),
    date: ctx.now().toISOString(),
    loopName: ctx.config.team.name,
  };
  const idBase = `${placement.ticket}.${formatSeq(placement.seq)}.${draft.message.sha256.slice(0, 16)}@${domainOf(ctx.config.team.ackFrom)}`;
  const plans: MailPlan[] = [];
  if (draft.ack.suppressedReason === null) {
    plans.push({
      kind: 'ack',
      headers: {
        ...common,
        to: draft.message.transport.mailFrom!,
        subject: `Auto: [${placement.ticket}] report received`,
        messageId: `ack.${idBase}`,
        ...replyIds(draft.outerHeaders),
        autoSubmitted: 'auto-replied',
      },
      text: renderTemplate(ctx.templates.ack, values),
    });
  }
  if (wantsOnDuty(draft, ctx)) {
    plans.push({
      kind: 'on-duty',
      headers: {
        ...common,
        to: ctx.config.team.onDutyAddress!,
        subject: `Auto: [${placement.ticket}] urgent report received`,
        messageId: `on-duty.${idBase}`,
        inReplyTo: null,
        references: [],
        // Not a reply to the reporter: a notice to a third party (RFC 3834 §5.2).
        autoSubmitted: 'auto-generated',
      },
      text: renderTemplate(ctx.templates.onDuty, values),
    });
  }
  return plans;
}

function templateValues(draft: Draft, ctx: StageContext): TemplateValues {
  const { team } = ctx.config;
  const ticket = draft.placement!.ticket;
  return {
    ticket,
    receivedAt: formatLocalTime(draft.message.receivedAt, team.timezone),
    teamName: team.name,
    fingerprint: groupFingerprint(ctx.keys.team.fingerprint),
    businessHours: team.businessHours,
    timezone: team.timezone,
    urgentLine: draft.urgent.flag
      ? team.onDutyAddress
        ? 'Your report was marked urgent; our on-duty handler has been notified.'
        : 'Your report was marked urgent and is handled with priority.'
      : '',
    lookupCommand: `intake tickets show ${ticket}`,
  };
}

/** `2026-11-23 11:00 UTC+01:00`: local to the team, with the offset spelled out. */
export function formatLocalTime(date: Date, timeZone: string): string {
  const t = zonedFields(date, timeZone);
  return `${t.year}-${t.month}-${t.day} ${t.hour}:${t.minute} ${t.offset}`;
}

/** As GnuPG prints it: groups of four hex digits. */
export function groupFingerprint(fingerprint: string): string {
  return (fingerprint.toUpperCase().match(/.{1,4}/g) ?? []).join(' ');
}
