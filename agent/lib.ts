/**
 * The library surface (dist/lib.js): what tests and embedders use without the CLI.
 */
export { instrument, isInstrumented, CompileError, INSTRUMENTED_MARKER, RESERVED_PREFIX } from './compiler';
export { Runtime, CaptureError, RestoreError } from './runtime';
export { ProgramHost } from './host/program';
export { shapeStats, setShapeChecks } from './runtime/heap/shapes';
export { sealSnapshot, sealBodyText, sealBodyBytes, SEAL_HEAD_BYTES, SEAL_TAIL_BYTES, openSnapshot, checkSnapshot, SNAPSHOT_FORMAT, SNAPSHOT_VERSION } from './snapshot/envelope';
export { ChildHost } from './daemon/child-host';
export { spoolText, spoolBytes, readSpooled } from './host/spool';
export { summarize, formatSummary, SUSPENDED_KINDS, KIND_NAMES } from './snapshot/summary';
export { ThingsError, ErrorCodes } from './shared/errors';
export { OutgoingTransfer, IncomingTransfer, chunkSizeFor, packageText, packageParts, parsePackageText } from './protocol/transfer';
export { parseRequest } from './protocol/validate';
