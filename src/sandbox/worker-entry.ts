import { enableCompileCache } from '../cli/compile-cache.js';

/**
 * The script a sandbox worker thread starts with. Node's module compile cache is per
 * thread (module.enableCompileCache in the main thread does not reach workers), so it is
 * switched on here first, and the worker's modules (openpgp, mailparser, the report
 * readers) are imported only then: a static import would be compiled before this line.
 */
enableCompileCache();
await import('./sandbox-worker.js');
