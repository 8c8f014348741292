/**
 * Evidence for digests and notices, from issue 3's read side: the newest screenshot of a
 * case (an inline CID image in digests, an attachment to notices) and its summary page.
 * Both return nothing while a case has no evidence yet, and the mail goes out without.
 */
export { caseSummaryHtml, latestScreenshot, latestThumbnail } from '../evidence/evidence-queries.js';
