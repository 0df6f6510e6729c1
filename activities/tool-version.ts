/** Recorded in every backup's sidecar so a restore knows which tool wrote it. */
export const TOOL_VERSION = '0.1.0';
