/** System contracts: VM code deployed at genesis and run by the node itself. */
export { loadSystemContracts, systemContractId, systemContractsDir, SystemContractLoadError, SystemContracts, type SystemContract } from './contracts.js';
export {
  BATCH_LIMITS_CONTRACT, BATCH_LIMITS_GAS, BatchLimitInputError, BatchLimitRule, BatchLimitsContract, encodeBatchLimitsCalldata,
  SystemContractFault, type BatchLimitFields, type BatchLimitParams, type BatchLimitVerdict,
} from './batch-limits.js';
