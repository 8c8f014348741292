/** Static HTTP fetching: the public surface of src/fetch. */
export {
  fetchPage,
  FETCH_DEFAULTS,
  DEFAULT_USER_AGENT,
  defaultRobotsCache,
  type FetchOptions,
  type FetchResult,
} from './fetch-page.js';
export {
  InProcessDomainGate,
  defaultDomainGate,
  DEFAULT_GATE_LIMITS,
  type DomainGate,
  type GateLimits,
  type GateRelease,
} from './domain-gate.js';
export { RobotsCache } from './robots.js';
export { AddressGuard } from './address-guard.js';
export { specialRange, isSpecialAddress, parseIp, parseCidr } from './ip-ranges.js';
export { reasonCode, type FetchReasonCode } from './fetch-errors.js';
export { detectBotWall } from './bot-wall.js';
export { closeFetchAgents } from './http-hop.js';
