import { escapeForLog } from '../log/escape.js';
import { describeFetchError } from './fetch-error.js';
import { permanent, temporary } from '../model/errors.js';

/**
 * A small client for Request Tracker's REST2 API (RT ≥ 5.0, RT::REST2): create a ticket
 * in a queue, add correspondence or a comment, read a ticket and its history back. Plain
 * `fetch`; JSON in, JSON out. Authentication is an RT auth token (`Authorization: token
 * …`, RT::Authen::Token) or an RT user's password (HTTP Basic), as RT::REST2 documents.
 *
 * Failures are typed for the outbox: an unreachable RT, a timeout, 5xx, 408, 429 and
 * 401/403 (a token an operator has yet to fix) are `temporary` and retried; any other
 * 4xx means this request can never succeed and is `permanent`.
 */
export type RtAuth = { kind: 'token'; token: string } | { kind: 'basic'; user: string; password: string };

export interface RtClientOptions {
  /** RT's web root, e.g. https://rt.example.org/ (REST2 lives under REST/2.0/). */
  url: string;
  auth: RtAuth;
  timeoutMs?: number;
}

export interface RtAttachment {
  name: string;
  contentType: string;
  content: Buffer;
}

export interface RtTicketDraft {
  queue: string;
  subject: string;
  /** text/plain. */
  content: string;
  /** Custom field name → value. */
  customFields?: Record<string, string>;
  attachments?: RtAttachment[];
}

export interface RtTicket {
  id: number;
  subject: string;
  status: string;
  /** Custom field name → its values. */
  customFields: Record<string, string[]>;
}

export interface RtTransaction {
  id: number;
  /** Create, Correspond, Comment, Status, CustomField … */
  type: string;
  /** The decoded text/plain contents of the transaction's attachments. */
  texts: string[];
  /** Names of attached files. */
  files: string[];
}

const DEFAULT_TIMEOUT_MS = 30_000;

export class RtClient {
  private readonly base: string;
  private readonly authorization: string;
  private readonly timeoutMs: number;

  constructor(options: RtClientOptions) {
    this.base = restBase(options.url);
    this.authorization =
      options.auth.kind === 'token'
        ? `token ${options.auth.token}`
        : `Basic ${Buffer.from(`${options.auth.user}:${options.auth.password}`, 'utf8').toString('base64')}`;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** Creates a ticket; returns RT's ticket number. */
  async createTicket(draft: RtTicketDraft): Promise<number> {
    const body: Record<string, unknown> = {
      Queue: draft.queue,
      Subject: draft.subject,
      Content: draft.content,
      ContentType: 'text/plain',
    };
    if (draft.customFields && Object.keys(draft.customFields).length > 0) body.CustomFields = draft.customFields;
    if (draft.attachments && draft.attachments.length > 0) body.Attachments = draft.attachments.map(attachmentJson);
    const created = (await this.request('POST', 'ticket', body)) as { id?: unknown };
    const id = Number(created?.id);
    if (!Number.isSafeInteger(id) || id <= 0) throw permanent('rt-bad-response', 'RT created a ticket but named no ticket id');
    return id;
  }

  /** Adds correspondence (a reply on the requestor thread) to ticket `id`. */
  async correspond(id: number, content: string, attachments: RtAttachment[] = []): Promise<void> {
    await this.request('POST', `ticket/${id}/correspond`, updateBody(content, attachments));
  }

  /** Adds an internal comment (never mailed to requestors) to ticket `id`. */
  async comment(id: number, content: string): Promise<void> {
    await this.request('POST', `ticket/${id}/comment`, updateBody(content, []));
  }

  /**
   * The oldest ticket in `queue` whose custom field `name` holds `value` and that was
   * created after `createdAfter` (TicketSQL search), or null. Only plain names and values
   * are searched: they are spelled into TicketSQL.
   */
  async findByCustomField(queue: string, name: string, value: string, createdAfter: Date): Promise<number | null> {
    const plain = /^[\w .@-]{1,200}$/;
    if (!plain.test(queue) || !plain.test(name) || !plain.test(value)) return null;
    const after = createdAfter.toISOString().slice(0, 19).replace('T', ' ');
    const query = encodeURIComponent(`Queue = '${queue}' AND CF.{${name}} = '${value}' AND Created > '${after}'`);
    const page = (await this.request('GET', `tickets?query=${query}&orderby=id&order=ASC&per_page=1`)) as { items?: Array<{ id: unknown }> };
    const id = Number(page.items?.[0]?.id);
    return Number.isSafeInteger(id) && id > 0 ? id : null;
  }

  async readTicket(id: number): Promise<RtTicket> {
    const t = (await this.request('GET', `ticket/${id}`)) as {
      id: unknown;
      Subject?: unknown;
      Status?: unknown;
      CustomFields?: Array<{ name?: unknown; values?: unknown }>;
    };
    const customFields: Record<string, string[]> = {};
    for (const cf of t.CustomFields ?? []) {
      if (typeof cf.name === 'string') customFields[cf.name] = Array.isArray(cf.values) ? cf.values.map(String) : [];
    }
    return { id: Number(t.id), subject: String(t.Subject ?? ''), status: String(t.Status ?? ''), customFields };
  }

  /** The ticket's transactions, oldest first, with their text contents decoded. */
  async history(id: number): Promise<RtTransaction[]> {
    const page = (await this.request('GET', `ticket/${id}/history?per_page=100&fields=Type`)) as {
      items?: Array<{ id: unknown; Type?: unknown }>;
    };
    const result: RtTransaction[] = [];
    for (const item of page.items ?? []) {
      const txId = Number(item.id);
      const attachments = (await this.request('GET', `transaction/${txId}/attachments?per_page=100&fields=ContentType,Filename`)) as {
        items?: Array<{ id: unknown; ContentType?: unknown; Filename?: unknown }>;
      };
      const texts: string[] = [];
      const files: string[] = [];
      for (const a of attachments.items ?? []) {
        if (typeof a.Filename === 'string' && a.Filename !== '') files.push(a.Filename);
        else if (a.ContentType === 'text/plain') texts.push(await this.attachmentText(Number(a.id)));
      }
      result.push({ id: txId, type: String(item.Type ?? ''), texts, files });
    }
    return result;
  }

  /** `/attachment/:id` carries Content in base64 (RT::REST2::Resource::Attachment). */
  private async attachmentText(id: number): Promise<string> {
    const a = (await this.request('GET', `attachment/${id}`)) as { Content?: unknown };
    return typeof a.Content === 'string' ? Buffer.from(a.Content, 'base64').toString('utf8') : '';
  }

  private async request(method: 'GET' | 'POST', resource: string, body?: unknown): Promise<unknown> {
    const url = `${this.base}${resource}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          Authorization: this.authorization,
          Accept: 'application/json',
          ...(body === undefined ? {} : { 'Content-Type': 'application/json; charset=utf-8' }),
        },
        body: body === undefined ? null : JSON.stringify(body),
        redirect: 'error',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw temporary('rt-unreachable', `RT ${method} ${resource}: ${describeFetchError(error)}`, error);
    }
    const text = await response.text();
    if (!response.ok) throw httpError(method, resource, response.status, text);
    try {
      return text === '' ? null : JSON.parse(text);
    } catch (error) {
      throw temporary('rt-bad-response', `RT ${method} ${resource}: answer is not JSON (HTTP ${response.status})`, error);
    }
  }
}

/** RT's web root (with or without a trailing slash or REST/2.0) → the REST2 base URL. */
export function restBase(url: string): string {
  let end = url.length;
  while (end > 0 && url[end - 1] === '/') end--;
  const trimmed = url.slice(0, end);
  const root = trimmed.toUpperCase().endsWith('/REST/2.0') ? trimmed.slice(0, -'/REST/2.0'.length) : trimmed;
  return `${root}/REST/2.0/`;
}

function updateBody(content: string, attachments: RtAttachment[]): Record<string, unknown> {
  const body: Record<string, unknown> = { Content: content, ContentType: 'text/plain' };
  if (attachments.length > 0) body.Attachments = attachments.map(attachmentJson);
  return body;
}

function attachmentJson(a: RtAttachment): Record<string, string> {
  return { FileName: a.name, FileType: a.contentType, FileContent: a.content.toString('base64') };
}

const TEMPORARY_STATUS = new Set([401, 403, 408, 425, 429]);

function httpError(method: string, resource: string, status: number, text: string) {
  let detail = '';
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed?.message === 'string') detail = `: ${escapeForLog(parsed.message, 200)}`;
  } catch {
    // RT answered with HTML (an error page from a proxy in front of it, for instance).
  }
  const message = `RT ${method} ${resource}: HTTP ${status}${detail}`;
  return status >= 500 || TEMPORARY_STATUS.has(status) ? temporary(`rt-http-${status}`, message) : permanent(`rt-http-${status}`, message);
}
