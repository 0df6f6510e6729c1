/** The cluster build runbook. */
export { buildCluster, type BuildOptions } from './build-cluster';
export { MemberWaitTimeout } from './cluster-membership';
