import { AckRateLimit } from './ack-rate-limit.js';
import { ArchiveIndex } from './archive-index.js';
import { ArchiveLayout } from './archive-layout.js';
import { Outbox } from './outbox.js';
import { Spool } from './spool.js';
import { TicketStore } from './ticket-store.js';

/** The on-disk store of DESIGN §4: layout, spool, tickets and their lookup index. */
export class Archive {
  readonly layout: ArchiveLayout;
  readonly spool: Spool;
  readonly tickets: TicketStore;
  readonly index: ArchiveIndex;
  readonly outbox: Outbox;
  readonly ackRate: AckRateLimit;

  constructor(root: string, ticketPrefix: string) {
    this.layout = new ArchiveLayout(root);
    this.spool = new Spool(this.layout.spoolDir);
    this.tickets = new TicketStore(this.layout, ticketPrefix);
    this.index = new ArchiveIndex(this.layout);
    this.outbox = new Outbox(this.layout);
    this.ackRate = new AckRateLimit(this.layout);
  }
}
