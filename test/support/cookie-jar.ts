/** The cookies of one origin, as a browser keeps them between requests (tests that speak HTTP without a browser). */
export class CookieJar {
  readonly cookies = new Map<string, string>();

  /** The Cookie header to send, or undefined when there are none. */
  header(): string | undefined {
    return this.cookies.size === 0
      ? undefined
      : [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  /** Keeps what an answer set and drops what it cleared; returns its Set-Cookie lines. */
  take(response: Response): string[] {
    const lines = response.headers.getSetCookie();
    for (const line of lines) {
      const [pair = ''] = line.split(';');
      const separator = pair.indexOf('=');
      const name = pair.slice(0, separator).trim();
      const value = pair.slice(separator + 1).trim();
      if (value === '' || /max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return lines;
  }
}
