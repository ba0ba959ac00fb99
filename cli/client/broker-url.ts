/**
 * Which broker thingsctl talks to: an operand that is a URL (the original `dispatch
 * mqtt://HOST ...` form), else --broker, else THINGSJS_BROKER, else mqtt://localhost.
 */
import { addressToUrl } from '../../agent/protocol/connection';

export const DEFAULT_BROKER = 'mqtt://localhost';

const URL_PATTERN = /^(mqtt|mqtts|ws|wss|tcp|ssl):\/\//i;

export const isBrokerUrl = (s: string | undefined): s is string => s !== undefined && URL_PATTERN.test(s);

export function resolveBroker(operand: string | undefined, flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = operand ?? flag ?? (env.THINGSJS_BROKER || undefined) ?? DEFAULT_BROKER;
  return addressToUrl(chosen);
}
