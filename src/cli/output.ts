/**
 * Terminal output. Text that came from a reseller's page is untrusted: control
 * characters (including ANSI escape sequences that could rewrite the terminal) are
 * replaced before printing. JSON output needs no such care: JSON.stringify escapes.
 */

// C0 controls except tab, DEL, C1 controls, and bidi overrides that can disguise text.
const UNSAFE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

export function safeText(s: string | null | undefined, max = 80): string {
  if (s == null) return '';
  const clean = s.replace(UNSAFE, '\uFFFD');
  return clean.length > max ? clean.slice(0, max - 1) + '…' : clean;
}

export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/** A one-line progress display that redraws itself on a terminal and stays quiet elsewhere. */
export function progressLine(stream: NodeJS.WriteStream = process.stderr): {
  update(text: string): void;
  done(): void;
} {
  const tty = stream.isTTY === true;
  let shown = false;
  return {
    update(text) {
      if (!tty) return;
      const cols = stream.columns || 100;
      stream.write('\r\u001b[2K' + safeText(text, cols - 1));
      shown = true;
    },
    done() {
      if (tty && shown) stream.write('\r\u001b[2K');
    },
  };
}
