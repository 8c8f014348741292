/**
 * Writes a learned price locator into a site config as `selectors.price`, editing the
 * YAML document in place (comments, order and every other setting stay as they were),
 * then loads the result with the config loader: a file the loader refuses is put back.
 */
import fs from 'node:fs';
import { parseDocument } from 'yaml';
import { formatProblem, UserError } from '../errors.js';
import { cssSelectorProblem } from './css-selector.js';
import { type LoadedSite, loadSiteFile } from './load-sites.js';

export function writePriceSelector(opts: { file: string; selector: string }): LoadedSite {
  const { file, selector } = opts;
  const bad = cssSelectorProblem(selector);
  if (bad) throw new UserError(`selectors.price: ${bad}`);
  try {
    fs.accessSync(file, fs.constants.R_OK | fs.constants.W_OK);
  } catch (err) {
    throw new UserError(`${file}: the site config is not writable (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const before = fs.readFileSync(file, 'utf8');
  const doc = parseDocument(before);
  if (doc.errors.length) throw new UserError(`${file}: not valid YAML: ${doc.errors[0]!.message}`);
  doc.setIn(['selectors', 'price'], selector);
  try {
    fs.writeFileSync(file, doc.toString());
  } catch (err) {
    throw new UserError(`${file}: the site config is not writable (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const loaded = loadSiteFile(file);
  if (!loaded.site) {
    fs.writeFileSync(file, before);
    throw new UserError(
      `${file}: left unchanged, the config with selectors.price would not load:\n${loaded.problems.map(formatProblem).join('\n')}`,
    );
  }
  return loaded.site;
}
