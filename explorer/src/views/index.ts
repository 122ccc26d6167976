import type { ViewRoute } from '../router.js';
import { batchRoute } from './batch.js';
import { blockRoute } from './block.js';
import { blocksRoute } from './blocks.js';
import { consensusRoute } from './consensus.js';
import { homeRoute } from './home.js';
import { meRoute } from './me.js';
import { operatorsRoute } from './operators.js';
import { reconciliationRoute } from './reconciliation.js';
import { searchRoute } from './search.js';
import { settlementRoute } from './settlement.js';
import { signInRoute } from './sign-in.js';
import { txRoute } from './tx.js';

export { notFoundRoute } from './not-found.js';

/**
 * Every view, in navigation order. A capability that lands (consensus: validators, slots, finality;
 * reconciliation per pair and period; settlement periods and statements) adds its module here.
 */
export const ROUTES: readonly ViewRoute[] = [
  homeRoute, blocksRoute, operatorsRoute, consensusRoute, reconciliationRoute, settlementRoute, blockRoute, batchRoute, txRoute, searchRoute, signInRoute, meRoute,
];
