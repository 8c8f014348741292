/**
 * The process environment as the CLI commands see it: the process configuration (one
 * field table, process-config.ts), validated once and frozen. Secrets only ever come from here.
 */
import { loadProcessConfig, type ProcessConfig, processConfig } from './process-config.js';

export type Env = ProcessConfig;

export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  return loadProcessConfig(source);
}

/** The process-wide env, read once. */
export function env(): Env {
  return processConfig();
}
