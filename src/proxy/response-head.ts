// One hook on a response's head, whichever path writes it (the undici relay and http-proxy-3 call writeHead with a
// flat [name, value, …] list, static files and zoo's pages with setHeader or an object, Node itself on a first
// write): the head's fields as one list a route's rules and compression can read and change before it is sent.
import type { OutgoingHttpHeaders, ServerResponse } from "node:http";

/** A response head's fields, names compared without case, repeated fields (Set-Cookie) kept. */
export class HeadFields {
  readonly #fields: Array<[name: string, value: string]> = [];

  get(name: string): string | undefined {
    const lower = name.toLowerCase();
    const values = this.#fields.filter(([field]) => field.toLowerCase() === lower).map(([, value]) => value);
    return values.length === 0 ? undefined : values.join(", ");
  }

  has(name: string): boolean {
    const lower = name.toLowerCase();
    return this.#fields.some(([field]) => field.toLowerCase() === lower);
  }

  set(name: string, value: string): void {
    this.remove(name);
    this.#fields.push([name, value]);
  }

  add(name: string, value: string): void {
    this.#fields.push([name, value]);
  }

  remove(name: string): void {
    const lower = name.toLowerCase();
    for (let i = this.#fields.length - 1; i >= 0; i--) if (this.#fields[i][0].toLowerCase() === lower) this.#fields.splice(i, 1);
  }

  /** Takes the fields of an OutgoingHttpHeaders object or a flat / paired list, as writeHead accepts them. */
  addAll(headers: unknown): void {
    if (headers === undefined || headers === null) return;
    if (Array.isArray(headers)) {
      if (headers.length > 0 && Array.isArray(headers[0])) for (const [name, value] of headers as Array<[string, unknown]>) this.#addValue(name, value);
      else for (let i = 0; i < headers.length; i += 2) this.#addValue(String(headers[i]), headers[i + 1]);
      return;
    }
    for (const [name, value] of Object.entries(headers as OutgoingHttpHeaders)) this.#addValue(name, value);
  }

  #addValue(name: string, value: unknown): void {
    if (value === undefined) return;
    if (Array.isArray(value)) for (const item of value) this.#fields.push([name, String(item)]);
    else this.#fields.push([name, String(value)]);
  }

  flat(): string[] {
    return this.#fields.flat();
  }
}

type WriteHead = (status: number, ...rest: unknown[]) => ServerResponse;

/**
 * Calls `edit` with the status and fields once, just before the head is written; what it leaves is what is sent. The
 * fields set earlier with setHeader are taken off the response and sent from the list.
 */
export function onResponseHead(res: ServerResponse, edit: (status: number, head: HeadFields) => void): void {
  const writeHead = res.writeHead as WriteHead;
  res.writeHead = function (this: ServerResponse, status: number, ...rest: unknown[]) {
    res.writeHead = writeHead as ServerResponse["writeHead"];
    const reason = typeof rest[0] === "string" ? (rest.shift() as string) : undefined;
    const head = new HeadFields();
    for (const name of this.getHeaderNames()) {
      head.addAll({ [name]: this.getHeader(name) });
      this.removeHeader(name);
    }
    head.addAll(rest[0]);
    edit(status, head);
    return reason === undefined ? writeHead.call(this, status, head.flat()) : writeHead.call(this, status, reason, head.flat());
  } as ServerResponse["writeHead"];
}
