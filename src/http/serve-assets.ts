/**
 * The review app's stylesheet and script, /assets/app.css and /assets/app.js, from the
 * `assets/` folder at the package root (shipped in the npm package, see package.json
 * "files"): the same two levels up from src/http/ (tsx, tests) and from dist/http/ (build).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type RequestHandler } from 'express';

export const ASSETS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../assets');

export function serveAssets(): RequestHandler {
  return express.static(ASSETS_DIR, { index: false, fallthrough: true, maxAge: '1h', dotfiles: 'ignore' });
}
