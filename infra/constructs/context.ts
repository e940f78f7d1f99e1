import type { Api } from './api';
import type { State } from './state';

/** What every bounded context gets from the stack. */
export interface ContextProps {
  readonly state: State;
  readonly api: Api;
  /** SHA-256 hex of the platform admin key (the `AdminKeyHash` stack parameter). */
  readonly adminKeyHash: string;
  /** Handler log level (LOG_LEVEL): DEBUG, INFO, WARN or ERROR. */
  readonly logLevel: string;
}

/** The same across every function, so the local stack may expose their union to each of them. */
export function baseEnvironment(props: ContextProps): Record<string, string> {
  return { POWERTOOLS_SERVICE_NAME: 'billstream', LOG_LEVEL: props.logLevel };
}
