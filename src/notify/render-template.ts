/**
 * Text templates with merge fields, `{{ field }}`. The bundled ones live in templates/ at
 * the package root; a file of the same name in the configured templates folder replaces
 * one. The first line is `Subject: …`, then a blank line, then the body.
 *
 * An unknown merge field is an error naming the file, line and field, never a blank in a
 * letter to a reseller. The HTML part is made from the text with every value escaped.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../errors.js';
import { escapeHtml, plainText } from '../escape-html.js';

export const BUNDLED_TEMPLATES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../templates');

export class TemplateError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

export interface Rendered {
  subject: string;
  text: string;
  html: string;
}

export function templatePath(name: string, overrideDir?: string): string {
  if (overrideDir) {
    const own = path.join(overrideDir, name);
    if (fs.existsSync(own)) return own;
  }
  return path.join(BUNDLED_TEMPLATES, name);
}

export function renderTemplate(name: string, fields: Record<string, string | number>, overrideDir?: string): Rendered {
  const file = templatePath(name, overrideDir);
  let source: string;
  try {
    source = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new TemplateError(`${file}: cannot read template (${(err as NodeJS.ErrnoException).code})`);
  }
  const m = /^Subject:[ \t]*(.*)\r?\n\r?\n/.exec(source);
  if (!m) throw new TemplateError(`${file}, line 1: a template starts with "Subject: …" and a blank line`);
  const bodySource = source.slice(m[0].length);
  const fill = (text: string, firstLine: number, escape: (s: string) => string) =>
    text.replace(/\{\{\s*([^}]*?)\s*\}\}/g, (_all, key: string, offset: number) => {
      if (!Object.hasOwn(fields, key)) {
        const line = firstLine + text.slice(0, offset).split('\n').length - 1;
        throw new TemplateError(
          `${file}, line ${line}: unknown merge field "{{${key}}}" (known: ${Object.keys(fields).sort().join(', ')})`,
        );
      }
      return escape(String(fields[key]));
    });
  // Header injection: a value with a line break must not start a new mail header.
  const subject = fill(m[1]!, 1, (s) => plainText(s).replace(/[\r\n]+/g, ' ')).trim();
  const text = fill(bodySource, 3, plainText);
  const html = fill(bodySource, 3, escapeHtml)
    .split(/\n{2,}/)
    .map((para) => `<p>${para.trim().replace(/\n/g, '<br>\n')}</p>`)
    .join('\n');
  return {
    subject,
    text,
    html: `<div style="font-family:Segoe UI,Helvetica,Arial,sans-serif;font-size:14px;line-height:1.5;color:#222">${html}</div>`,
  };
}
