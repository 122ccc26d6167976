import type { NodeClient } from './api.js';
import type { OperatorSession } from './auth/operator-session.js';
import type { EventStream } from './event-stream.js';
import type { LiveMetrics } from './live-metrics.js';
import type { StatusStore } from './status-store.js';

/** What every view gets: the node's API, its event stream, the status it last reported, the live series, the sign-in. */
export interface AppContext {
  readonly api: NodeClient;
  readonly events: EventStream;
  readonly status: StatusStore;
  readonly live: LiveMetrics;
  /** The operator signed in to this page, if any: the API client signs its calls while there is one. */
  readonly session: OperatorSession;
  /** Navigates to a route of the page. */
  go(path: string): void;
}
