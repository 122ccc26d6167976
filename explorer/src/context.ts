import type { NodeClient } from './api.js';
import type { EventStream } from './event-stream.js';
import type { LiveMetrics } from './live-metrics.js';
import type { StatusStore } from './status-store.js';

/** What every view gets: the node's API, its event stream, the status it last reported, the live series. */
export interface AppContext {
  readonly api: NodeClient;
  readonly events: EventStream;
  readonly status: StatusStore;
  readonly live: LiveMetrics;
}
